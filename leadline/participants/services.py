"""Every write to a participant goes through here, audited in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, diff
from leadline.core import clock
from leadline.participants.matching import blocking_keys
from leadline.participants.models import (
    ENGAGED_STATUSES,
    Participant,
    ParticipantKeyCount,
    ParticipantMatchKey,
)
from leadline.participants.policy import participant_access


class NotAllowed(Exception):
    pass


class StaleEdit(Exception):
    """Somebody else changed the record since this edit began (PRODUCT.md §4 rule 7)."""


def participant_create(*, actor: Any, given_name: str, family_name: str, **fields: Any) -> Participant:
    now = clock.now()
    if fields.get("status") in ENGAGED_STATUSES:
        fields.setdefault("engaged_at", now)
    with transaction.atomic():
        participant = Participant.objects.create(
            given_name=given_name, family_name=family_name, created_at=now, updated_at=now, **fields
        )
        participant_match_keys_refresh(participant=participant)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            subject_type="participant",
            subject_id=participant.pk,
            participant_id=participant.pk,
            changes={"status": participant.status, "case_manager_id": participant.case_manager_id},
        )
    return participant


def participant_update_whereabouts(
    *, actor: Any, participant: Participant, whereabouts: str, expected_version: int
) -> Participant:
    if not participant_access(actor, participant).has("whereabouts.edit"):
        raise NotAllowed
    with transaction.atomic():
        now = clock.now()
        # Compare-and-set on the version: the UPDATE matches nothing if someone saved in between.
        updated = Participant.objects.filter(pk=participant.pk, version=expected_version).update(
            last_known_whereabouts=whereabouts,
            whereabouts_updated_at=now,
            updated_at=now,
            version=expected_version + 1,
        )
        if updated != 1:
            raise StaleEdit
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="participant",
            subject_id=participant.pk,
            participant_id=participant.pk,
            changes=diff(
                {"last_known_whereabouts": participant.last_known_whereabouts},
                {"last_known_whereabouts": whereabouts},
            ),
        )
    participant.refresh_from_db()
    return participant


def participant_match_keys_refresh(*, participant: Participant) -> None:
    """Store the participant's blocking keys for the field lookup and duplicate detection."""
    keys = blocking_keys(
        participant.given_name,
        participant.family_name,
        participant.date_of_birth,
        [participant.preferred_name] if participant.preferred_name else [],
    )
    with transaction.atomic():
        old = set(ParticipantMatchKey.objects.filter(participant=participant).values_list("key", flat=True))
        ParticipantMatchKey.objects.filter(participant=participant).delete()
        ParticipantMatchKey.objects.bulk_create(
            ParticipantMatchKey(participant=participant, key=k) for k in sorted(keys)
        )
        _key_counts_add(sorted(set(keys) - old), +1)
        _key_counts_add(sorted(old - set(keys)), -1)


def _key_counts_add(keys: list[str], delta: int) -> None:
    """Add ``delta`` to each key's count, creating missing rows: one upsert (SQLite and PostgreSQL)."""
    if not keys:
        return
    table = connection.ops.quote_name(ParticipantKeyCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (key, n) VALUES (%s, %s) "  # noqa: S608 (table name from the model)
            f"ON CONFLICT (key) DO UPDATE SET n = {table}.n + excluded.n",
            [(k, delta) for k in keys],
        )


def participant_key_counts_rebuild() -> int:
    """Recount every key from ParticipantMatchKey (after a bulk load or a keys-version change)."""
    with transaction.atomic():
        ParticipantKeyCount.objects.all().delete()
        rows = (
            ParticipantMatchKey.objects.values("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
            .order_by()
        )
        ParticipantKeyCount.objects.bulk_create(
            (ParticipantKeyCount(key=k, n=n) for k, n in rows.iterator()), batch_size=10_000
        )
        return ParticipantKeyCount.objects.count()


def participant_update(*, actor: Any, participant: Participant, reason: str, **changes: Any) -> Participant:
    """Change status or assignment, audited with before/after and the reason (a status change is always
    recorded with who and why: PRODUCT.md §4 rule 6)."""
    allowed = {"status", "case_manager"}
    if not set(changes) <= allowed:
        raise ValueError(f"participant_update changes only {sorted(allowed)}")
    with transaction.atomic():
        fresh = Participant.objects.select_for_update().get(pk=participant.pk)
        before = {k: _plain(getattr(fresh, k)) for k in changes}
        for field, value in changes.items():
            setattr(fresh, field, value)
        fresh.updated_at = clock.now()
        fresh.version += 1
        stamped = []
        if fresh.status in ENGAGED_STATUSES and fresh.engaged_at is None:
            fresh.engaged_at = fresh.updated_at  # first engagement: kept for good
            stamped = ["engaged_at"]
        fresh.save(update_fields=[*changes, *stamped, "updated_at", "version"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="participant",
            subject_id=fresh.pk,
            participant_id=fresh.pk,
            reason=reason,
            changes=diff(before, {k: _plain(getattr(fresh, k)) for k in changes}),
        )
    participant.refresh_from_db()
    return participant


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value
