"""Messaging's answers to the participants' lifecycle events and to a user's deactivation, for this app's
models. Imported from MessagingConfig.ready()."""

from __future__ import annotations

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.messaging import merge
from leadline.messaging.models import Message, Thread, ThreadMember
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event

lifecycle.register(Event.MERGE, Thread, merge.participant_merged)
lifecycle.nothing_to_do(
    Event.SEAL, Thread,
    reason="the messages stay; the reading rule hides what was written before a sealing from every "
    "criminal-justice member (messaging.policy.latest_sealing, by participant and by person_key)",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.PURGE, Thread,
    reason="the messages stay, hidden from criminal-justice members since the sealing; a purged matter "
    "is still found by its person_key, so the rule holds after the purge",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, Thread,
    reason="nothing of it is in the pseudonymous export",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (Thread, Message),
    reason="who started a thread or wrote a message is its history, kept as it was",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, ThreadMember,
    reason="the membership stays as the thread's record of who took part; an inactive account reads "
    "nothing and notify() sends it nothing",
)  # fmt: skip
