"""Writing the audit trail. Every service that reads or writes participant data calls audit_record in
the same transaction as its change (CONVENTIONS habit 1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction

from leadline.audit import context
from leadline.audit.models import AuditEvent
from leadline.core import clock
from leadline.core.actors import Actor

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Field names whose values never enter the audit trail: only the fact that they changed.
SENSITIVE_FIELDS = frozenset(
    {
        "body",
        "text",
        "notes",
        "whereabouts",
        "last_known_whereabouts",
        "location",
        "place",
        "latitude",
        "longitude",
        "password",
        "diagnosis",
        "treatment",
        "date_of_birth",
        "phone",
    }
)
MASK = "[redacted]"

# Who counts as law enforcement is the role table's decision (accounts.policy.is_law_enforcement), a layer
# above the audit trail: accounts hands it over at start-up (AccountsConfig.ready), so every row's
# law_enforcement flag still comes from the one decision point without audit importing it.
_law_enforcement_test: Callable[[Any], bool] | None = None


def law_enforcement_test_register(test: Callable[[Any], bool]) -> None:
    """Set the test that marks a row as a law-enforcement access (called once, by accounts)."""
    global _law_enforcement_test
    _law_enforcement_test = test


def _is_law_enforcement(actor: Actor | AnonymousUser | None) -> bool:
    if _law_enforcement_test is None:  # never guess: the law-enforcement report must not miss an access
        raise ImproperlyConfigured(
            "leadline.accounts has not registered the audit trail's law-enforcement test"
        )
    return _law_enforcement_test(actor)


def mask_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Keep before/after for ordinary fields; for sensitive ones, say only that they changed."""
    masked: dict[str, Any] = {}
    for field, value in changes.items():
        if field in SENSITIVE_FIELDS:
            # Keep the shape ({"before", "after"}) so a reader sees what changed, never the value.
            masked[field] = {k: MASK for k in value} if isinstance(value, Mapping) else MASK
        elif isinstance(value, Mapping):
            masked[field] = mask_changes(value)
        else:
            masked[field] = value
    return masked


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{"field": {"before": x, "after": y}} for the fields that changed, masked."""
    changed = {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }
    return mask_changes(changed)


def _event(
    *,
    actor: Actor | AnonymousUser | None,
    action: str,
    subject_type: str,
    subject_id: Any,
    participant_id: int | None,
    reason: str,
    changes: Mapping[str, Any] | None,
    break_glass_id: int | None,
    username: str = "",
) -> AuditEvent:
    ctx = context.current()
    signed_in = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    authenticated = signed_in is not None
    agency = getattr(actor, "agency", None) if authenticated else None
    return AuditEvent(
        occurred_at=clock.now(),
        actor_id=signed_in.pk if signed_in is not None else None,
        actor_username=(signed_in.get_username() if signed_in is not None else username)[:150],
        actor_role=(getattr(actor, "role", "") or "") if authenticated else "",
        actor_agency_id=agency.pk if agency else None,
        actor_agency=agency.name if agency else "",
        law_enforcement=authenticated and _is_law_enforcement(actor),
        action=action,
        subject_type=subject_type,
        subject_id="" if subject_id is None else str(subject_id),
        participant_id=participant_id,
        reason=reason,
        changes=mask_changes(changes or {}),
        client_ip=ctx.client_ip,
        path=ctx.path,
        method=ctx.method,
        via=ctx.via,
        break_glass_id=break_glass_id,
    )


def audit_record(
    *,
    actor: Actor | AnonymousUser | None,
    action: str,
    subject_type: str = "",
    subject_id: Any = None,
    participant_id: int | None = None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    break_glass_id: int | None = None,
    username: str = "",
) -> AuditEvent:
    event = _event(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        participant_id=participant_id,
        reason=reason,
        changes=changes,
        break_glass_id=break_glass_id,
        username=username,
    )
    event.save(force_insert=True)
    return event


def audit_record_reads(
    *,
    actor: Actor | AnonymousUser | None,
    action: str,
    subject_type: str,
    participant_ids: Iterable[int],
    reason: str = "",
) -> None:
    """One row per participant shown by a list, search or export, in one INSERT."""
    audit_record_subjects(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subjects=[(pid, pid) for pid in participant_ids],
        reason=reason,
    )


def audit_record_subjects(
    *,
    actor: Actor | AnonymousUser | None,
    action: str,
    subject_type: str,
    subjects: Iterable[tuple[Any, int | None]],
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> None:
    """One row per record shown (subject id, and the participant it concerns if any), in one statement.

    Every row shares the reader, the moment, the request and the reason: they are prepared once (by the
    model's own fields, as ``save`` would) and only the subject varies, so an export of 10,000 people costs
    one ``executemany`` rather than 10,000 model instances prepared field by field (bench/dashboard.py:
    about 0.2 ms a row through ``bulk_create``). A plain INSERT: the append-only triggers see every row."""
    rows = [("" if sid is None else str(sid), pid) for sid, pid in subjects]
    if not rows:
        return
    shared = _event(
        actor=actor, action=action, subject_type=subject_type, subject_id=None, participant_id=None,
        reason=reason, changes=changes, break_glass_id=None,
    )  # fmt: skip
    connection = connections[router.db_for_write(AuditEvent)]
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    prepared = {f.attname: f.get_db_prep_save(f.pre_save(shared, True), connection) for f in fields}
    varying = ("subject_id", "participant_id")
    names = [f.attname for f in fields if f.attname not in varying] + list(varying)
    values = [prepared[n] for n in names[: -len(varying)]]
    quote = connection.ops.quote_name
    # Names from the model's own metadata, every value a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(AuditEvent._meta.db_table),
        ", ".join(quote(str(f.column)) for n in names for f in fields if f.attname == n),
        ", ".join(["%s"] * len(names)),
    )
    # All rows or none; one statement needs no savepoint inside a caller's transaction.
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, [(*values, sid, pid) for sid, pid in rows])
