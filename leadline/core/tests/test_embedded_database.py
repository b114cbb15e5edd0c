"""The embedded SQLite database under concurrent writers (issue #15 item 10).

The demo answered 500 ("database is locked") and 400 under load, and once saved a referral while telling the
officer 400. These tests hold the embedded configuration to: WAL, a busy wait long enough for a small
program's bursts, immediate transactions, every commit on disk when it returns; N writers at
once on a file database with no "database is locked" and every record saved exactly once; and a response
that says what happened when the session could not be written after the work was saved.
bench/sqlite_concurrency.py measures the same through the whole web stack, before and after.
"""

from __future__ import annotations

import threading
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from leadline.audit.models import AuditEvent
from leadline.demo.testing import verified_client
from leadline.referrals.models import Referral
from leadline.sites.models import EligibleOffence

WRITERS = 8
EACH = 25


def _wrapper(path, alias: str) -> DatabaseWrapper:
    """A connection to the file at ``path`` configured exactly as the embedded mode configures its own."""
    embedded = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(settings.LEADLINE_SQLITE_OPTIONS),
    }
    configured = connections.configure_settings({"default": embedded})
    return DatabaseWrapper(configured["default"], alias=alias)


def _pragma(wrapper: DatabaseWrapper, name: str):
    with wrapper.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_embedded_database_waits_its_turn_and_keeps_every_commit(tmp_path):
    wrapper = _wrapper(tmp_path / "embedded.sqlite3", "embedded_pragmas")
    try:
        assert _pragma(wrapper, "journal_mode") == "wal"
        assert _pragma(wrapper, "busy_timeout") >= 30_000  # a burst queues; it does not fail after 5 s
        assert _pragma(wrapper, "synchronous") == 2  # FULL: a power cut does not take the last audit rows
        assert wrapper.transaction_mode == "IMMEDIATE"  # type: ignore[attr-defined]  # the write lock at BEGIN: no upgrade deadlock
    finally:
        wrapper.close()


@pytest.mark.django_db
def test_concurrent_writers_on_the_embedded_database_never_see_database_is_locked(tmp_path):
    """N threads, each its own connection as the embedded mode opens it, each writing a record and its audit
    row in one transaction after reading (the shape of every service), all at once."""
    path = tmp_path / "concurrent.sqlite3"
    setup = _wrapper(path, "embedded_setup")
    with setup.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE record (id INTEGER PRIMARY KEY, writer INTEGER, seq INTEGER, UNIQUE (writer, seq))"
        )
        cursor.execute("CREATE TABLE trail (id INTEGER PRIMARY KEY, record_id INTEGER, seen INTEGER)")
    setup.close()
    errors: list[str] = []
    gate = threading.Barrier(WRITERS)
    alias = "embedded_concurrent"

    def writer(number: int) -> None:
        connections[alias] = _wrapper(path, alias)  # thread-local, like a server thread's own connection
        try:
            gate.wait()
            for seq in range(EACH):
                try:
                    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                        cursor.execute("SELECT COUNT(*) FROM record")  # read, then write: the upgrade case
                        seen = cursor.fetchone()[0]
                        cursor.execute("INSERT INTO record (writer, seq) VALUES (%s, %s)", [number, seq])
                        cursor.execute(
                            "INSERT INTO trail (record_id, seen) VALUES (%s, %s)", [cursor.lastrowid, seen]
                        )
                except OperationalError as exc:
                    errors.append(str(exc))
        finally:
            connections[alias].close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = _wrapper(path, "embedded_check")
    with check.cursor() as cursor:
        cursor.execute("SELECT writer, seq, COUNT(*) FROM record GROUP BY writer, seq")
        rows = cursor.fetchall()
        cursor.execute("SELECT COUNT(*) FROM trail")
        trail = cursor.fetchone()[0]
    check.close()
    assert errors == []
    assert sorted((w, s) for w, s, _ in rows) == [(w, s) for w in range(WRITERS) for s in range(EACH)]
    assert all(n == 1 for *_, n in rows) and trail == WRITERS * EACH


def test_a_saved_referral_is_not_answered_400_when_the_session_cannot_be_written(world):
    """The path that told an officer 400 for a referral it had saved: the referral commits, then the session
    update in the response finds the database locked, and Django calls that "session interrupted" (400).
    The answer must be what happened to the referral: saved, here it is."""
    client = verified_client(world["officer"])
    offence = EligibleOffence.objects.get(statute="PL 220.03", policy_version=world.referral.policy_version)
    key = uuid.uuid4().hex
    form = {
        "door": "arrest_diversion", "given_name": "Rosa", "family_name": "Delgado",
        "date_of_birth": "1985-04-02", "offence": offence.pk, "drug_quantity_grams": "0.8",
        "person_agrees": "yes", "aggrieved_party": "none_present", "idempotency_key": key,
    }  # fmt: skip
    from django.contrib.sessions.models import Session

    with mock.patch.object(Session, "save", side_effect=OperationalError("database is locked")):
        response = client.post("/referrals/new/", form)
    referral = Referral.objects.get(idempotency_key=key)
    assert response.status_code == 302 and response["Location"].endswith(f"/referrals/{referral.pk}/")
    created = AuditEvent.objects.filter(subject_type="referral", subject_id=referral.pk, action="create")
    assert created.count() == 1


def test_a_session_deleted_by_a_concurrent_sign_out_is_still_refused(small_world):
    """Only a database that could not take the write is forgiven; a session another request deleted (signed
    out elsewhere) keeps Django's answer, so a signed-out session is never written back."""
    client = verified_client(small_world["officer"])
    from django.contrib.sessions.models import Session

    def sign_out_elsewhere(*args, **kwargs):
        Session.objects.all().delete()
        raise_original(*args, **kwargs)

    raise_original = Session.save
    with mock.patch.object(Session, "save", autospec=True, side_effect=sign_out_elsewhere):
        response = client.get("/")
    assert response.status_code == 400
