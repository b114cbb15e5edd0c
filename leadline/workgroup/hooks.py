"""The workgroup's answers to the participants' lifecycle events and to a user's deactivation, for its own
models. Imported from WorkgroupConfig.ready()."""

from __future__ import annotations

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event
from leadline.workgroup import merge, sealing
from leadline.workgroup.models import ActionItem, AgendaItem, Decision, Meeting, Member

lifecycle.register(Event.MERGE, AgendaItem, merge.participant_merged)
lifecycle.nothing_to_do(
    Event.SEAL, AgendaItem,
    reason="sealing hides, it erases nothing: the agenda leaves out a sealed matter's items for every "
    "criminal-justice role (workgroup.agenda) and adds no item about a sealed matter",
)  # fmt: skip
lifecycle.register(Event.PURGE, (AgendaItem, ActionItem), sealing.matter_purged)
lifecycle.nothing_to_do(
    Event.EXPORT, AgendaItem,
    reason="nothing of it is in the pseudonymous export",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, Member,
    reason="the membership stays for the person's return; an inactive member is sent nothing "
    "(invitations and the calendar feed read active members of active accounts only)",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, ActionItem,
    reason="an open action item stays with its owner until the workgroup gives it to someone else (a new "
    "owner is chosen among active accounts); who created or closed it is history",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (Meeting, Decision),
    reason="who called the meeting or recorded the decision is the record's history, kept as it was",
)  # fmt: skip
