"""The service directory's answers to the participants' lifecycle events and to a user's deactivation, for
this app's models. Imported from DirectoryConfig.ready()."""

from __future__ import annotations

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.directory import merge
from leadline.directory.models import Service, ServiceReferral, ServiceReferralEvent
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event

lifecycle.register(Event.MERGE, ServiceReferral, merge.participant_merged)
lifecycle.nothing_to_do(
    Event.SEAL, ServiceReferral,
    reason="a referral to a service is about the person's needs, not the infraction; no criminal-justice "
    "role reads it",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.PURGE, ServiceReferral,
    reason="about the person's needs, not the infraction: a purge erases the infraction's details only",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, ServiceReferral,
    reason="nothing of it is in the pseudonymous export",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, Service,
    reason="who last confirmed the listing stays as its history; the stale-listing reminders go to the "
    "organisation's active staff",
)  # fmt: skip
accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (ServiceReferral, ServiceReferralEvent),
    reason="who asked for the service or moved the referral on is its history, kept as it was; its "
    "notices go to the provider's active staff",
)  # fmt: skip
