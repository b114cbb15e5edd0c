"""`leadline backup` / `leadline restore` (issue #15 item 5), on the database kind the suite runs on.

A scratch source database is made by the real command (`leadline seed-demo`: migrations and the demo site),
backed up with `leadline backup`, and restored with `leadline restore` into a second, empty scratch
database: every row of every table is there, the audit trail is intact and still append-only, and the
person keys are the same. A restore under another secret key, or into a database that is not empty, is
refused and writes nothing. A backup taken while audit rows are being written loses none of them.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.test import override_settings

from leadline.audit.models import AuditEvent
from leadline.core import clock
from leadline.core.backup import BackupError, Database, backup, read_manifest, restore

ROOT = Path(__file__).resolve().parents[3]
KEY = "backup-test-secret-key-" + "k" * 40
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = pytest.mark.slow


# --- scratch databases of the kind this run uses ---------------------------------------------------


class Scratch:
    """Empty databases outside the test database, made and dropped by the tests."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.made: list[str] = []

    def new(self, label: str) -> tuple[Database, str]:
        if not POSTGRES:
            path = self.tmp / f"{label}.sqlite3"
            return Database("sqlite", str(path)), f"sqlite:///{path}"
        name = f"leadline_bk_{uuid.uuid4().hex[:10]}_{label}"
        with self._maintenance() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadline"))
        return Database.from_settings({**settings.DATABASES["default"], "NAME": name}), urlunsplit(
            url._replace(path=f"/{name}")
        )

    def _maintenance(self):
        import psycopg

        default = Database.from_settings(settings.DATABASES["default"])
        return psycopg.connect(default.conninfo("postgres"), autocommit=True)

    def drop_all(self) -> None:
        if self.made:
            with self._maintenance() as conn:
                for name in self.made:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _connect(db: Database):
    if db.vendor == "sqlite":
        return sqlite3.connect(db.name, timeout=30, isolation_level=None)
    import psycopg

    return psycopg.connect(db.conninfo(), autocommit=True)


def _q(db: Database, sql: str) -> str:
    return sql if db.vendor == "postgresql" else sql.replace("%s", "?")


def _leadline(*args: str, url: str, var: Path, key: str = KEY) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(DATABASE_URL=url, DJANGO_SECRET_KEY=key, LEADLINE_VAR_DIR=str(var), DJANGO_DEBUG="")
    return subprocess.run(
        [sys.executable, "-m", "leadline", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _tables(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    conn = _connect(db)
    try:
        listing = (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            if db.vendor == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
        names = [r[0] for r in conn.execute(listing).fetchall()]
        return {
            n: sorted((tuple(r) for r in conn.execute(f'SELECT * FROM "{n}"').fetchall()), key=repr)
            for n in names
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Iterator[Scratch]:
    s = Scratch(tmp_path_factory.mktemp("backup"))
    yield s
    s.drop_all()


@pytest.fixture(scope="module")
def source(scratch) -> tuple[Database, str]:
    db, url = scratch.new("source")
    seeded = _leadline("seed-demo", url=url, var=scratch.tmp / "var-source")
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    return db, url


@pytest.fixture(scope="module")
def archive(scratch, source) -> Path:
    _db, url = source
    out = scratch.tmp / "leadline.backup"
    made = _leadline("backup", "--out", str(out), url=url, var=scratch.tmp / "var-source")
    assert made.returncode == 0, made.stderr
    assert "sha256" in made.stdout and "fingerprint" in made.stdout
    return out


# --- the tests -----------------------------------------------------------------------------------


def test_the_backup_carries_what_must_travel_with_the_data_but_never_the_key(archive, source):
    manifest = read_manifest(archive)
    assert manifest["vendor"] == source[0].vendor
    assert manifest["leadline_version"] and manifest["created_at"]
    assert "audit.0003_refuse_replace" in manifest["migrations"]
    assert manifest["tables"]["audit_auditevent"] > 0 and manifest["tables"]["participants_participant"] > 0
    assert {"audit_no_update", "audit_no_delete"} & set(manifest["triggers"]) or {
        "audit_no_update_delete",
        "audit_no_truncate",
    } <= set(manifest["triggers"])
    assert len(manifest["sha256"]) == 64 and manifest["key_fingerprint"]
    with tarfile.open(archive, "r:gz") as tar:
        assert sorted(tar.getnames()) == sorted(["manifest.json", manifest["data_file"]])
        for member in tar.getmembers():
            body = tar.extractfile(member).read()  # type: ignore[union-attr]
            assert KEY.encode() not in body  # the secret itself never travels in the backup
    assert oct(archive.stat().st_mode & 0o777) == "0o600"


def test_a_restore_into_an_empty_database_finds_every_row_the_same_person_keys_and_an_append_only_trail(
    archive, scratch, source
):
    src, _ = source
    target, url = scratch.new("target")
    restored = _leadline("restore", str(archive), url=url, var=scratch.tmp / "var-target")
    assert restored.returncode == 0, restored.stderr
    assert "rows" in restored.stdout

    before, after = _tables(src), _tables(target)
    assert after.keys() == before.keys()
    for table, rows in before.items():
        assert after[table] == rows, table  # every row of every table, the audit trail included

    # The same person keys: the evaluation's pseudonyms, computed by the real function under the key.
    from leadline.legal.services import person_key

    def keys(db: Database) -> dict[int, str]:
        conn = _connect(db)
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM participants_participant").fetchall()]
        finally:
            conn.close()
        with override_settings(SECRET_KEY=KEY):
            return {pid: person_key(pid) for pid in ids}

    assert keys(target) == keys(src) and keys(target)

    # Still append-only: the triggers came back with the rows.
    conn = _connect(target)
    try:
        first = conn.execute("SELECT id, reason FROM audit_auditevent ORDER BY id LIMIT 1").fetchone()
        attempts = [
            _q(target, "UPDATE audit_auditevent SET reason = 'tampered' WHERE id = %s"),
            _q(target, "DELETE FROM audit_auditevent WHERE id = %s"),
        ]
        if target.vendor == "sqlite":
            attempts.append(
                "INSERT OR REPLACE INTO audit_auditevent SELECT * FROM audit_auditevent WHERE id = ?"
            )
        for sql in attempts:
            with pytest.raises(Exception, match="append-only"):
                conn.execute(sql, [first[0]])
        assert (
            conn.execute(
                _q(target, "SELECT id, reason FROM audit_auditevent WHERE id = %s"), [first[0]]
            ).fetchone()[1]
            == first[1]
        )
    finally:
        conn.close()


def test_a_restore_under_another_secret_key_is_refused_and_writes_nothing(archive, scratch):
    target, url = scratch.new("otherkey")
    refused = _leadline(
        "restore", str(archive), url=url, var=scratch.tmp / "var-other", key="another-" + "x" * 50
    )
    assert refused.returncode == 1
    assert "another secret key" in refused.stderr and "person_key" in refused.stderr
    assert (
        not any(_tables(target).values()) if target.vendor == "postgresql" else not Path(target.name).exists()
    )


def test_a_restore_into_a_database_that_is_not_empty_is_refused(archive, source):
    src, _ = source
    rows = {t: len(r) for t, r in _tables(src).items()}
    with pytest.raises(BackupError, match="not empty"):
        restore(archive, database=src, secret_key=KEY)
    assert {t: len(r) for t, r in _tables(src).items()} == rows


def test_a_damaged_backup_is_refused(archive, scratch):
    damaged = scratch.tmp / "damaged.backup"
    manifest = read_manifest(archive)
    with tarfile.open(archive, "r:gz") as tar, tarfile.open(damaged, "w:gz") as out:
        for member in tar.getmembers():
            body = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == manifest["data_file"]:
                body = body[:-1] + bytes([body[-1] ^ 1])
            member.size = len(body)
            import io

            out.addfile(member, io.BytesIO(body))
    target, _ = scratch.new("damaged")
    with pytest.raises(BackupError, match="checksum"):
        restore(damaged, database=target, secret_key=KEY)


def _audit_insert(db: Database) -> tuple[str, list]:
    event = AuditEvent(occurred_at=clock.now(), action="view", reason="during backup")
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    from django.db import connection

    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    if db.vendor == "sqlite":
        values = [v.isoformat(sep=" ") if hasattr(v, "isoformat") else v for v in values]
    columns = ", ".join(str(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return _q(db, f"INSERT INTO audit_auditevent ({columns}) VALUES ({marks})"), values


@pytest.mark.django_db
def test_a_backup_taken_while_audit_rows_are_written_loses_none_of_them(scratch, source):
    src, _ = source
    sql, values = _audit_insert(src)
    committed: list[tuple[int, bool]] = []  # (id, committed before the backup started)
    started = threading.Event()
    stop = threading.Event()
    lock = threading.Lock()

    def writer() -> None:
        conn = _connect(src)
        if src.vendor == "sqlite":
            conn.execute("PRAGMA journal_mode=WAL")
        try:
            while not stop.is_set():
                if src.vendor == "sqlite":
                    conn.execute("BEGIN IMMEDIATE")
                    new_id = conn.execute(sql, values).lastrowid
                    conn.execute("COMMIT")
                else:
                    new_id = conn.execute(sql + " RETURNING id", values).fetchone()[0]
                before = not started.is_set()  # read after the commit: True means committed before it
                with lock:
                    committed.append((new_id, before))
        finally:
            conn.close()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    while True:  # let the writers get going: some rows before the backup starts
        with lock:
            if len(committed) >= 50:
                break
    out = scratch.tmp / "during-writes.backup"
    started.set()
    try:
        manifest = backup(out, database=src, secret_key=KEY)
    finally:
        stop.set()
        for t in threads:
            t.join()

    target, _ = scratch.new("during")
    restore(out, database=target, secret_key=KEY)
    conn = _connect(target)
    try:
        in_backup = {r[0] for r in conn.execute("SELECT id FROM audit_auditevent").fetchall()}
    finally:
        conn.close()
    conn = _connect(src)
    try:
        in_source = {r[0] for r in conn.execute("SELECT id FROM audit_auditevent").fetchall()}
    finally:
        conn.close()
    assert len(in_backup) == manifest["tables"]["audit_auditevent"]
    assert {i for i, before in committed if before} <= in_backup  # nothing committed before it is lost
    assert in_backup <= in_source
    if src.vendor == "sqlite":  # one writer at a time: the backup is exactly the rows up to one instant
        assert in_backup == {i for i in in_source if i <= max(in_backup)}
    assert len(committed) > 50  # writes went on while the backup was taken
