"""Issue #15 item 18: an insert that would rewrite an existing audit row is refused by the database.

SQLite's ``INSERT OR REPLACE`` (and ``REPLACE INTO``) deletes the conflicting row and inserts the new one;
without recursive triggers the DELETE trigger never fires, so a row could be rewritten in place.
PostgreSQL's ``INSERT ... ON CONFLICT DO UPDATE`` is an UPDATE of the existing row, so the BEFORE UPDATE
trigger must refuse it. Both run here on whichever database the suite uses.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from leadline.audit.models import AuditEvent
from leadline.core import clock


@pytest.fixture
def event(db):
    return AuditEvent.objects.create(occurred_at=clock.now(), action="view", reason="original")


def _row(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, action, reason, occurred_at FROM audit_auditevent WHERE id = %s", [pk])
        return cursor.fetchone()


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM audit_auditevent")
        return cursor.fetchone()[0]


def _columns_and_values(event: AuditEvent) -> tuple[list[str], list]:
    """Every column of the row, as the model would write it, with the reason tampered."""
    fields = [f for f in AuditEvent._meta.concrete_fields]
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    columns = [str(f.column) for f in fields]
    values[columns.index("reason")] = "tampered"
    values[columns.index("action")] = "delete"
    return columns, values


@pytest.mark.skipif(connection.vendor != "sqlite", reason="INSERT OR REPLACE is SQLite's")
@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_sqlite_insert_or_replace_of_an_existing_audit_row_is_refused_and_the_row_unchanged(event, verb):
    before, count = _row(event.pk), _count()
    columns, values = _columns_and_values(event)
    sql = f"{verb} INTO audit_auditevent ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(values))})"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute(sql, values)
    assert _row(event.pk) == before
    assert _count() == count


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's upsert syntax")
def test_sqlite_upsert_of_an_existing_audit_row_is_refused(event):
    before = _row(event.pk)
    columns, values = _columns_and_values(event)
    sql = (
        f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(values))}) "
        "ON CONFLICT(id) DO UPDATE SET reason = excluded.reason"
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute(sql, values)
    assert _row(event.pk) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ON CONFLICT DO UPDATE on PostgreSQL")
def test_postgresql_on_conflict_do_update_of_an_existing_audit_row_is_refused_and_the_row_unchanged(event):
    before, count = _row(event.pk), _count()
    columns, values = _columns_and_values(event)
    sql = (
        f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(values))}) "
        "ON CONFLICT (id) DO UPDATE SET reason = EXCLUDED.reason, action = EXCLUDED.action"
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute(sql, values)
    assert _row(event.pk) == before
    assert _count() == count


def test_a_new_audit_row_is_still_written(event):
    """The guard refuses only an existing id: ordinary appends (and the ORM's own inserts) go through."""
    count = _count()
    AuditEvent.objects.create(occurred_at=clock.now(), action="view", reason="next")
    assert _count() == count + 1
