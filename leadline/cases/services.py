from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.cases.models import CaseNote
from leadline.core import clock
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access


class NotAllowed(Exception):
    pass


class IdempotencyConflict(Exception):
    """The key was already used by this author for a different note."""


def case_note_add(
    *, actor: Any, participant: Participant, body: str, sensitivity: str, idempotency_key: str
) -> tuple[CaseNote, bool]:
    """Add a note; returns (note, created). A repeated submit with the same key returns the first note."""
    if sensitivity not in participant_access(actor, participant).note_sensitivities_writable:
        raise NotAllowed

    def replay(existing: CaseNote) -> tuple[CaseNote, bool]:
        same = (existing.participant_id, existing.body, existing.sensitivity) == (
            participant.pk,
            body,
            sensitivity,
        )
        if not same:
            raise IdempotencyConflict
        return existing, False

    existing = CaseNote.objects.filter(author=actor, idempotency_key=idempotency_key).first()
    if existing is not None:
        return replay(existing)
    try:
        with transaction.atomic():
            note = CaseNote.objects.create(
                participant=participant,
                author=actor,
                body=body,
                sensitivity=sensitivity,
                created_at=clock.now(),
                idempotency_key=idempotency_key,
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                subject_type="case_note",
                subject_id=note.pk,
                participant_id=participant.pk,
                # Neither the text nor the sensitivity: under Part 2 the fact of treatment is protected.
                changes={"body": body, "sensitivity": "[redacted]"},
            )
    except IntegrityError:
        # Two submits raced past the check above; the unique constraint kept one.
        return replay(CaseNote.objects.get(author=actor, idempotency_key=idempotency_key))
    return note, True
