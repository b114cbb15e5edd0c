"""The legal app's answers to the participants' lifecycle events and to a user's deactivation, for its own
models, and its subscription to the referrals' completed hand-offs. Imported from LegalConfig.ready()."""

from __future__ import annotations

from typing import Any

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.accounts.models import User
from leadline.legal import merge, sealing
from leadline.legal.models import (
    Charge,
    CourtCase,
    CourtDate,
    Extension,
    LegalMatter,
    NewCharge,
    Notice,
    Warrant,
)
from leadline.legal.services import matter_open
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event
from leadline.referrals import events
from leadline.referrals.models import Referral

RECORDS = (CourtCase, CourtDate, Warrant, NewCharge)  # the person's other court records (legal.records)


@events.on_handoff_completed
def _arrest_diversion_matter(*, actor: User, referral: Referral, participant: Any) -> None:
    """An arrest diversion's charge is held from the hand-off: its matter opens and the clock starts."""
    if referral.door == Referral.Door.ARREST_DIVERSION:
        matter_open(actor=actor, referral=referral, participant=participant)


lifecycle.register(Event.MERGE, (LegalMatter, *RECORDS), merge.participant_merged)
lifecycle.nothing_to_do(
    Event.MERGE, (Charge, Extension, Notice),
    reason="they point at the matter, which moves to the survivor with them",
)  # fmt: skip

lifecycle.nothing_to_do(
    Event.SEAL, (LegalMatter, Charge, Extension, Notice),
    reason="notice_confirm sets the matter's sealed_at itself; sealing hides, it erases nothing: "
    "matters_visible_to leaves sealed matters out for every criminal-justice role",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.SEAL, RECORDS,
    reason="another case's records, not the cleared infraction: they keep their own rules",
)  # fmt: skip

lifecycle.register(Event.PURGE, (Charge, Notice), sealing.charges_purged)
lifecycle.register(Event.PURGE, Extension, sealing.extension_reasons_purged)
lifecycle.nothing_to_do(
    Event.PURGE, LegalMatter,
    reason="the purge's own subject: sealed_purge_due keeps its dates and states and puts person_key in "
    "place of the person and the defender",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.PURGE, RECORDS,
    reason="another case's records, not the purged infraction: they keep their own rules",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, (LegalMatter, Charge, Extension, Notice, *RECORDS),
    reason="nothing of it is in the pseudonymous export (re-arrests and court events come from the "
    "partners' extracts, not from Leadline)",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, LegalMatter,
    reason="the defender stays recorded on the matter until the prosecutor's office records another; an "
    "inactive account reads nothing",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (Extension, Notice, *RECORDS),
    reason="who granted, confirmed, entered, flagged or decided is the record's history, kept as it was",
)  # fmt: skip
