"""Audit: every read and write is recorded; the trail is append-only in the database itself; the
three reports; break-glass."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from leadline.audit.models import AuditEvent, BreakGlassGrant
from leadline.audit.services import BreakGlassRefused, break_glass_open
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


# --- reports -------------------------------------------------------------------------------------


def test_the_participant_report_lists_everything_done_to_that_participant(world):
    verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/")
    verified_client(world["program_manager"]).get(f"/participants/{world.other.pk}/")
    page = verified_client(world["program_manager"]).get(f"/audit/participants/{world.mine.pk}/")
    rows = list(page.context["page"].object_list)
    assert rows and all(e.participant_id == world.mine.pk for e in rows)
    assert "carmen" in {e.actor_username for e in rows}


def test_the_user_report_lists_everything_one_user_did(world):
    carmen = world["case_manager"]
    verified_client(carmen).get(f"/participants/{world.mine.pk}/")
    page = verified_client(world["site_admin"]).get(f"/audit/users/{carmen.pk}/")
    rows = list(page.context["page"].object_list)
    assert {e.action for e in rows} >= {"login", "view"}
    assert {e.actor_id for e in rows} == {carmen.pk}


def test_the_law_enforcement_report_shows_every_police_access_in_the_period_and_nothing_else(world):
    verified_client(world["officer"]).get(f"/participants/{world.mine.pk}/")  # refused, still an access
    verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/")
    today = clock.today()
    client = verified_client(world["program_manager"])
    page = client.get(f"/audit/law-enforcement/?start={today}&end={today}")
    rows = list(page.context["page"].object_list)
    # Olivia's refused read, and the referrals the officers made while the world was set up.
    assert rows and "olivia" in {e.actor_username for e in rows}
    assert {e.actor_role for e in rows} <= {"officer", "police_liaison"}
    assert all(e.law_enforcement for e in rows)
    later = today + timedelta(days=30)
    assert not list(
        client.get(f"/audit/law-enforcement/?start={later}&end={later}").context["page"].object_list
    )
    csv = client.get(f"/audit/law-enforcement/?start={today}&end={today}&format=csv")
    assert csv["Content-Type"].startswith("text/csv") and b"olivia" in csv.content


def test_a_bad_period_names_the_field(world):
    response = verified_client(world["program_manager"]).get(
        "/audit/law-enforcement/?start=2026-05-01&end=2026-04-01"
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


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


# --- break-glass ---------------------------------------------------------------------------------


def test_break_glass_needs_a_written_reason_and_a_bounded_time(world):
    admin = world["site_admin"]
    with pytest.raises(BreakGlassRefused):
        break_glass_open(actor=admin, participant_id=world.mine.pk, reason="because", minutes=10)
    with pytest.raises(BreakGlassRefused):
        break_glass_open(actor=admin, participant_id=world.mine.pk, reason="x" * 40, minutes=24 * 60)
    with pytest.raises(BreakGlassRefused):
        break_glass_open(
            actor=world["program_manager"], participant_id=world.mine.pk, reason="x" * 40, minutes=5
        )
    assert not BreakGlassGrant.objects.exists()


def test_break_glass_opens_read_access_for_its_time_only_and_every_read_is_audited(world):
    admin = world["site_admin"]
    client = verified_client(admin)
    assert client.get(f"/participants/{world.mine.pk}/").status_code == 404
    with time_machine.travel(clock.now(), tick=False) as traveller:
        response = client.post(
            "/audit/break-glass/",
            {
                "participant_id": world.mine.pk,
                "reason": "Court order 26-CV-113 requires review",
                "minutes": 15,
            },
        )
        assert response.status_code == 302
        grant = BreakGlassGrant.objects.get()
        opened = AuditEvent.objects.get(action="break_glass")
        assert opened.reason == "Court order 26-CV-113 requires review" and opened.break_glass_id == grant.pk
        page = client.get(f"/participants/{world.mine.pk}/")
        assert page.status_code == 200 and b"Break-glass access" in page.content
        read = AuditEvent.objects.filter(action="view", actor_id=admin.pk).latest("id")
        assert read.break_glass_id == grant.pk
        # Only the participant named in the grant, and only reading.
        assert client.get(f"/participants/{world.other.pk}/").status_code == 404
        assert (
            client.post(
                f"/participants/{world.mine.pk}/notes/",
                {"body": "x", "sensitivity": "general", "idempotency_key": "bg"},
            ).status_code
            == 403
        )
        traveller.shift(timedelta(minutes=16))
        assert client.get(f"/participants/{world.mine.pk}/").status_code == 404
