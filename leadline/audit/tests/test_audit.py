"""Audit: every read and write is recorded; the trail is append-only in the database itself. (The three
reports are tested in oversight/tests, break-glass in participants/tests and oversight/tests.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from leadline.audit.models import AuditEvent
from leadline.cases.services import case_note_add
from leadline.core import clock
from leadline.demo.testing import verified_client
from leadline.participants.services import StaleEdit, participant_update_whereabouts


def test_reading_a_participant_writes_a_view_row_with_who_what_when_and_where(world):
    client = verified_client(world["case_manager"], REMOTE_ADDR="203.0.113.7")
    before = AuditEvent.objects.count()
    assert client.get(f"/participants/{world.mine.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="view", participant_id=world.mine.pk).latest("id")
    assert AuditEvent.objects.count() > before
    assert event.actor_id == world["case_manager"].pk
    assert event.actor_role == "case_manager"
    assert event.actor_agency == world["case_manager"].agency.name
    assert event.client_ip == "203.0.113.7"
    assert event.path == f"/participants/{world.mine.pk}/"
    assert event.via == "web"
    assert event.occurred_at.utcoffset() == timedelta(0)


def test_lists_and_exports_record_one_row_per_participant_shown(world):
    client = verified_client(world["program_manager"])
    client.get("/participants/")
    listed = set(AuditEvent.objects.filter(action="list").values_list("participant_id", flat=True))
    assert listed == {world.mine.pk, world.other.pk}
    client.get("/participants/export.csv")
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_api_reads_are_audited_as_api(world):
    client = verified_client(world["case_manager"])
    client.get(f"/api/v1/participants/{world.mine.pk}/")
    assert AuditEvent.objects.filter(action="view", via="api", participant_id=world.mine.pk).exists()


def test_a_write_records_before_and_after_without_the_sensitive_value(world):
    participant_update_whereabouts(
        actor=world["outreach_worker"],
        participant=world.mine,
        whereabouts="Library on Court St",
        expected_version=world.mine.version,
    )
    event = AuditEvent.objects.filter(action="update", participant_id=world.mine.pk).latest("id")
    assert event.changes == {"last_known_whereabouts": {"before": "[redacted]", "after": "[redacted]"}}
    note, _ = case_note_add(
        actor=world["case_manager"],
        participant=world.mine,
        body="private words",
        sensitivity="health",
        idempotency_key="k1",
    )
    created = AuditEvent.objects.get(action="create", subject_type="case_note", subject_id=str(note.pk))
    # Not even the sensitivity: under Part 2 the fact of treatment is itself protected.
    assert created.changes == {"sensitivity": "[redacted]", "body": "[redacted]"}
    assert "private words" not in str(AuditEvent.objects.values_list("changes", "reason"))


def test_a_stale_edit_is_refused_and_writes_nothing(world):
    version = world.mine.version
    participant_update_whereabouts(
        actor=world["case_manager"], participant=world.mine, whereabouts="A", expected_version=version
    )
    count = AuditEvent.objects.count()
    with pytest.raises(StaleEdit):
        participant_update_whereabouts(
            actor=world["outreach_worker"], participant=world.mine, whereabouts="B", expected_version=version
        )
    world.mine.refresh_from_db()
    assert world.mine.last_known_whereabouts == "A"
    assert AuditEvent.objects.count() == count


def test_sign_in_and_failed_sign_in_are_recorded_without_the_password(world, client):
    client.post("/accounts/login/", {"username": "carmen", "password": "wrong-password-123"})
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.actor_username == "carmen" and failed.actor_id is None
    assert "wrong-password" not in str(failed.changes) + failed.reason


# --- append-only, enforced by the database (runs on SQLite and on PostgreSQL in CI) ----------------


@pytest.fixture
def event(world):
    return AuditEvent.objects.filter(actor_id__isnull=False).first() or AuditEvent.objects.create(
        occurred_at=clock.now(), action="view"
    )


def test_the_database_refuses_to_update_an_audit_row(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.reason = "tampered"
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'tampered'")
    event.refresh_from_db()
    assert event.reason != "tampered"


def test_the_database_refuses_to_delete_an_audit_row(event):
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == count


def test_the_database_refuses_to_truncate_the_audit_table_on_postgresql(event):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL; SQLite's DELETE is covered above")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")


def test_a_refused_request_by_law_enforcement_is_itself_on_the_report(world):
    client = verified_client(world["officer"])
    after_login = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    client.get(f"/participants/{world.mine.pk}/")
    client.get(f"/api/v1/participants/{world.mine.pk}/")
    client.get("/participants/")
    denied = AuditEvent.objects.filter(id__gt=after_login, actor_username="olivia", action="denied")
    assert denied.count() == 3 and all(e.law_enforcement for e in denied)
    assert {e.participant_id for e in denied} == {world.mine.pk, None}
    assert "participant_card.view" in {e.reason for e in denied}


def test_the_home_page_caseload_is_an_audited_read(world):
    verified_client(world["case_manager"]).get("/")
    assert AuditEvent.objects.filter(
        action="list", participant_id=world.mine.pk, actor_username="carmen"
    ).exists()


def test_a_password_typed_as_a_username_is_not_kept(world, client):
    client.post("/accounts/login/", {"username": "hunter2-secret!", "password": "x"})
    assert not AuditEvent.objects.filter(actor_username__contains="hunter2").exists()
    assert AuditEvent.objects.filter(action="login_failed", actor_username="[unknown username]").exists()


def test_request_logs_never_carry_query_strings():
    import logging

    from leadline.core.logging import StripQueryStrings

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        ("GET /participants/?q=Keisha+Rivera HTTP/1.1", "200", "512"),
        None,
    )
    StripQueryStrings().filter(record)
    assert "Keisha" not in record.getMessage() and "/participants/?[query removed]" in record.getMessage()


def test_a_list_read_in_one_statement_writes_each_row_as_a_single_record_would(world):
    """audit_record_subjects prepares the shared fields once (decision 0041, "Speed"): each of its rows must
    hold what audit_record writes for the same read, only the subject varying."""
    from leadline.audit import context
    from leadline.audit.services import audit_record, audit_record_subjects

    officer = world["officer"]  # law enforcement: the report's flag must be on every row
    request = context.AuditContext(client_ip="198.51.100.4", path="/somewhere/", method="GET", via="web")
    with context.use(request):
        single = audit_record(
            actor=officer, action="list", subject_type="participant", subject_id=world.mine.pk,
            participant_id=world.mine.pk, reason="r", changes={"notes": {"before": "x", "after": "y"}},
        )  # fmt: skip
        first = AuditEvent.objects.latest("id").pk
        audit_record_subjects(
            actor=officer, action="list", subject_type="participant", reason="r",
            subjects=[(world.mine.pk, world.mine.pk), ("c7", world.other.pk), (None, None)],
            changes={"notes": {"before": "x", "after": "y"}},
        )  # fmt: skip
    rows = list(AuditEvent.objects.filter(pk__gt=first).order_by("id"))
    assert [(r.subject_id, r.participant_id) for r in rows] == [
        (str(world.mine.pk), world.mine.pk),
        ("c7", world.other.pk),
        ("", None),
    ]
    same = [
        "actor_id", "actor_username", "actor_role", "actor_agency_id", "actor_agency", "law_enforcement",
        "action", "subject_type", "reason", "changes", "client_ip", "path", "method", "via", "break_glass_id",
    ]  # fmt: skip
    single.refresh_from_db()
    for row in rows:
        assert {f: getattr(row, f) for f in same} == {f: getattr(single, f) for f in same}
    assert rows[0].law_enforcement
    assert rows[0].changes == {"notes": {"before": "[redacted]", "after": "[redacted]"}}
    assert abs((rows[0].occurred_at - single.occurred_at).total_seconds()) < 60
    audit_record_subjects(actor=officer, action="list", subject_type="participant", subjects=[])
    assert AuditEvent.objects.filter(pk__gt=rows[-1].pk).count() == 0
