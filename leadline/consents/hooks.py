"""The consents' answers to the participants' lifecycle events and to a user's deactivation, for this app's
models. Imported from ConsentsConfig.ready()."""

from __future__ import annotations

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.consents import merge
from leadline.consents.models import (
    AccountingRequest,
    Consent,
    ConsentDocument,
    Disclosure,
    DisclosureRestriction,
)
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event

OWN = (Consent, Disclosure, AccountingRequest, DisclosureRestriction)  # the ones that point at a participant

lifecycle.register(Event.MERGE, OWN, merge.participant_merged)
lifecycle.nothing_to_do(
    Event.SEAL, OWN,
    reason="the person's Part 2 record (what they agreed to, what was disclosed to whom, what they asked): "
    "kept for their accounting of disclosures (42 CFR 2.24-2.26), not the infraction",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.PURGE, OWN,
    reason="the person's Part 2 record, not the infraction: a purge erases the infraction's details only, "
    "and the accounting of disclosures must still answer",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, OWN,
    reason="nothing of it is in the pseudonymous export",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (*OWN, ConsentDocument),
    reason="who recorded, revoked, received, answered or decided is the Part 2 record (a disclosure's "
    "recipient is part of the person's accounting): kept as it was",
)  # fmt: skip
