"""The referrals app's answers to the participants' lifecycle events and to a user's deactivation, for its
own models. Imported from ReferralsConfig.ready()."""

from __future__ import annotations

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event
from leadline.referrals import merge, sealing
from leadline.referrals.models import EligibilityCheck, Handoff, HandoffPage, OnCallShift, Referral

lifecycle.register(Event.MERGE, Referral, merge.participant_merged)
lifecycle.nothing_to_do(
    Event.MERGE, (EligibilityCheck, Handoff, HandoffPage),
    reason="they point at the referral, which moves to the survivor with them",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.SEAL, (Referral, EligibilityCheck, Handoff, HandoffPage),
    reason="sealing hides, it erases nothing: referrals_visible_to and handoffs_visible_to leave out a "
    "sealed matter's referral and hand-off for every criminal-justice role",
)  # fmt: skip
lifecycle.register(Event.PURGE, (Referral, EligibilityCheck, Handoff, HandoffPage), sealing.matter_purged)
lifecycle.nothing_to_do(
    Event.EXPORT, Referral,
    reason="evidence.export reads the first referral's day itself, as the person's index date; nothing "
    "else of a referral leaves",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, (EligibilityCheck, Handoff, HandoffPage),
    reason="nothing of it is in the pseudonymous export",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (Referral, Handoff, HandoffPage),
    reason="who referred, witnessed, approved, asked for, acknowledged or was paged is the record's "
    "history, kept as it was",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, OnCallShift,
    reason="the roster is the program manager's to change; a deactivated person on a shift is paged to no "
    "device (notify skips inactive accounts) and the escalation pages the next level when the "
    "acknowledgement time runs out",
)  # fmt: skip
