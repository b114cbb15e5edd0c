"""What happens to every app's rows when a participant is merged, a legal matter is sealed or purged, or
the pseudonymous export is written (PRODUCT.md §4 rule 13; issue #16; decision 0035, after 0029).

The participants app announces; each app answers for the models it owns, in its own ``hooks.py``
imported from its ``AppConfig.ready()``::

    lifecycle.register(Event.MERGE, (CaseNote, Contact), participant_merged)
    lifecycle.nothing_to_do(Event.SEAL, CaseNote, reason="...")

and the announcer runs every handler inside its own transaction, so it imports no app above it::

    moved = lifecycle.run(Event.MERGE, actor=actor, survivor=keep, duplicate=dup)

Handlers take keyword arguments only and return counts by label (they go on the audit row):

- ``MERGE``: ``(*, actor, survivor: Participant, duplicate: Participant) -> dict[str, int]``, from
  ``participants.services.participant_merge``, both rows locked; every row of the duplicate moves to the
  survivor or stays by a rule the handler states (decision 0029).
- ``SEAL``: ``(*, actor, matter: SealedMatter) -> dict[str, int]``, from ``legal.services.notice_confirm``
  when a clearance is confirmed (``matter.sealed_at`` just set). Sealing hides; it erases nothing: today
  every model declares nothing to do, and the reads (``legal.selectors``, the referral and hand-off scopes,
  the workgroup agenda, ``messaging.policy.latest_sealing``) hide what is sealed.
- ``PURGE``: ``(*, matter: SealedMatter, now: datetime) -> dict[str, int]``, from
  ``legal.services.sealed_purge_due`` once the site's retention period has passed, before the matter
  itself lets go of the person (``matter.participant_id`` and ``matter.referral_id`` are still set).
  Each app erases the infraction's details from its own rows; the counts go on ``matter.purge_counts``.
- ``EXPORT``: the pseudonymous evaluation export (``evidence.export``, which reads what it takes itself,
  keyed by ``person_key``). Every model says what of it leaves, or that nothing does; no handler runs yet.

``participants/tests/test_lifecycle_complete.py`` finds every model pointing at a participant (all four
events), a referral or a legal matter (SEAL and PURGE) and fails, naming it, when one gives no answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from django.apps import apps as django_apps
from django.core.checks import Error
from django.db import models

from leadline.core.hooks import Hooks, relations_to


class Event(StrEnum):
    MERGE = "merge"
    SEAL = "seal"
    PURGE = "purge"
    EXPORT = "export"


class SealedMatter(Protocol):
    """What SEAL and PURGE handlers read of the legal matter (legal is above this app)."""

    pk: int
    participant_id: int | None
    referral_id: int | None
    sealed_at: datetime | None


hooks: Hooks[Event] = Hooks("participants.lifecycle")
register = hooks.register
nothing_to_do = hooks.nothing_to_do
run = hooks.run


PARTICIPANT = "participants.Participant"
INFRACTION = ("referrals.Referral", "legal.LegalMatter")


def unanswered(candidates: Iterable[type[models.Model]], registry: Hooks[Event] | None = None) -> list[str]:
    """Every missing answer among ``candidates``, as sentences naming the model and the event: a model
    pointing at a participant answers all four events; one pointing at a referral or a legal matter, SEAL
    and PURGE."""
    registry = hooks if registry is None else registry
    missing: list[str] = []
    for model in candidates:
        points_at = relations_to(model, (PARTICIPANT, *INFRACTION))
        events: list[Event] = []
        if PARTICIPANT in points_at:
            events = [Event.MERGE, Event.SEAL, Event.PURGE, Event.EXPORT]
        elif points_at:
            events = [Event.SEAL, Event.PURGE]
        missing += registry.unanswered(model, events)
    return missing


def check_every_model_answers(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A system check (run by every management command and at start-up): an app whose hooks were not loaded
    would otherwise be skipped silently by a merge, a seal or a purge."""
    return [Error(sentence, id="leadline.E101") for sentence in unanswered(django_apps.get_models())]
