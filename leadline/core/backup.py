"""`leadline backup` and `leadline restore` (issue #15 item 5; docs/operations.md; decision 0030).

A backup is one file (a gzip'd tar) holding the database and a manifest of what must travel with it:

- the database, consistent at one instant while Leadline keeps running: SQLite through its online backup
  API (a plain file copy misses what is still in the write-ahead log: the demo lost 72 audit rows that way);
  PostgreSQL through ``pg_dump --format=custom`` inside a snapshot that the row counts are read from too;
- the fingerprint of the secret key (an HMAC of a fixed label, never the key): the pseudonymous
  ``person_key`` of the evaluation, stored on purged legal matters and computed for every export, derives
  from that key, as do sessions and signed links; restoring under another key would silently change every
  person key, so a restore refuses unless told to accept it;
- the schema version (every migration applied), the Leadline version, the rows of every table, the
  database's triggers (the audit trail's append-only guards), and a SHA-256 of the database file.

A restore goes into an empty database only (nothing is mixed with or overwritten), checks the archive's
checksum, the database kind, the key fingerprint and the schema before it writes anything, and afterwards
checks that every table holds the rows the manifest counted and that every trigger is back.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

FORMAT = 1
MANIFEST = "manifest.json"
DATA_FILE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FINGERPRINT_LABEL = "leadline.backup.key-fingerprint"


class BackupError(Exception):
    """A refusal or failure, said in a sentence for the operator; nothing was written (or nothing kept)."""


# --- the database to read or write ------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    vendor: str  # "sqlite" or "postgresql"
    name: str  # the SQLite file, or the PostgreSQL database name
    params: dict[str, str] = field(default_factory=dict)  # PostgreSQL: host, port, user, password, sslmode

    @classmethod
    def from_settings(cls, settings_dict: Mapping[str, Any]) -> Database:
        engine = settings_dict["ENGINE"]
        if engine == "django.db.backends.sqlite3":
            return cls("sqlite", str(settings_dict["NAME"]))
        if engine == "django.db.backends.postgresql":
            params = {
                "host": settings_dict.get("HOST") or "",
                "port": str(settings_dict.get("PORT") or ""),
                "user": settings_dict.get("USER") or "",
                "password": settings_dict.get("PASSWORD") or "",
                "sslmode": (settings_dict.get("OPTIONS") or {}).get("sslmode", ""),
            }
            return cls("postgresql", str(settings_dict["NAME"]), {k: v for k, v in params.items() if v})
        raise BackupError(f"leadline backup knows SQLite and PostgreSQL, not {engine}.")

    def pg_environment(self) -> dict[str, str]:
        """libpq's variables for pg_dump/pg_restore: the password never appears on a command line."""
        names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}
        env = {"PGDATABASE": self.name} | {names[k]: v for k, v in self.params.items() if k in names}
        if "sslmode" in self.params:
            env["PGSSLMODE"] = self.params["sslmode"]
        return dict(os.environ) | env

    def conninfo(self, dbname: str | None = None) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(dbname=dbname or self.name, **self.params)

    @contextmanager
    def pg_connect(self, *, autocommit: bool = False) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=autocommit) as conn:
            yield conn


def _configured() -> Database:
    from django.conf import settings

    return Database.from_settings(settings.DATABASES["default"])


def key_fingerprint(secret_key: str | None = None) -> str:
    """A one-way fingerprint of the secret key: equal fingerprints, equal person keys. Not the key."""
    from django.utils.crypto import salted_hmac

    return salted_hmac(FINGERPRINT_LABEL, "person_key and every signed value", secret=secret_key).hexdigest()[
        :24
    ]


def leadline_version() -> str:
    try:
        return version("leadline")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- what a database holds (the same questions on both kinds) ----------------------------------------


def _sqlite_facts(conn: sqlite3.Connection) -> dict[str, Any]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
    triggers = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    migrations = (
        sorted(f"{a}.{n}" for a, n in conn.execute("SELECT app, name FROM django_migrations"))
        if "django_migrations" in counts
        else []
    )
    return {"tables": counts, "triggers": triggers, "migrations": migrations}


PG_TABLES = """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname"""
PG_TRIGGERS = """SELECT DISTINCT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()
ORDER BY t.tgname"""
PG_OBJECTS = """SELECT (SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
  AND n.nspname NOT LIKE 'pg_temp%%')
 + (SELECT COUNT(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))"""


def _pg_facts(conn: Any) -> dict[str, Any]:
    from psycopg import sql

    with conn.cursor() as cur:
        tables = [r[0] for r in cur.execute(PG_TABLES).fetchall()]
        counts = {
            t: cur.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables
        }
        triggers = [r[0] for r in cur.execute(PG_TRIGGERS).fetchall()]
        migrations = (
            sorted(f"{a}.{n}" for a, n in cur.execute("SELECT app, name FROM django_migrations").fetchall())
            if "django_migrations" in counts
            else []
        )
    return {"tables": counts, "triggers": triggers, "migrations": migrations}


def _pg_binary(name: str) -> str:
    """pg_dump / pg_restore: $LEADLINE_PG_BIN, then the PATH, then Debian's versioned folders (newest)."""
    folder = os.environ.get("LEADLINE_PG_BIN")
    if folder and (Path(folder) / name).is_file():
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found

    def major(p: Path) -> int:
        return int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0

    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=major, reverse=True)
    if debian:
        return str(debian[0])
    raise BackupError(
        f"{name} was not found. Install PostgreSQL's client programs (Debian/Ubuntu: apt-get install "
        f"postgresql-client; their major version must be at least the server's), or set LEADLINE_PG_BIN "
        f"to the folder that holds {name}."
    )


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or f'exit status {result.returncode}'}")


# --- backup ------------------------------------------------------------------------------------------


def backup(out: str | Path, *, database: Database | None = None, secret_key: str | None = None) -> dict:
    """Write the backup archive to ``out`` (nothing under that name until whole); return its manifest."""
    db = database or _configured()
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} already exists; choose a new file name (a backup never overwrites one).")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leadline-backup-", dir=out.parent) as tmp:
        data = Path(tmp) / DATA_FILE[db.vendor]
        facts = _sqlite_backup(db, data) if db.vendor == "sqlite" else _pg_backup(db, data)
        manifest = {
            "format": FORMAT,
            "leadline_version": leadline_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "vendor": db.vendor,
            "data_file": data.name,
            "sha256": _sha256(data),
            "bytes": data.stat().st_size,
            "key_fingerprint": key_fingerprint(secret_key),
            "key_note": "HMAC of a fixed label under the deployment's secret key (DJANGO_SECRET_KEY or "
            "var/secret_key). The key itself is not in this backup: keep it safe, apart from the backups.",
            **facts,
        }
        partial = Path(tmp) / "archive.partial"
        with tarfile.open(partial, "w:gz") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(data, arcname=data.name)
        partial.chmod(0o600)  # the whole of the program's records: readable by its owner only
        os.replace(partial, out)
    return manifest


def _sqlite_backup(db: Database, data: Path) -> dict[str, Any]:
    if not Path(db.name).is_file():
        raise BackupError(f"There is no database at {db.name}.")
    source = sqlite3.connect(db.name, timeout=30)  # read only; a WAL reader may need to write the -shm
    target = sqlite3.connect(data)
    try:
        source.backup(target)  # one step: a single read transaction, so one consistent instant (WAL included)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        facts = _sqlite_facts(target)
    finally:
        target.close()
        source.close()
    return facts


def _pg_backup(db: Database, data: Path) -> dict[str, Any]:
    """pg_dump inside a snapshot exported by a repeatable-read transaction that counts the rows itself, so
    the counts describe exactly what the dump holds while writes go on."""
    from psycopg import IsolationLevel

    pg_dump = _pg_binary("pg_dump")
    with db.pg_connect() as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            facts = _pg_facts(conn)
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={data}", "--no-password"],
                db.pg_environment(),
                "pg_dump",
            )
    return facts


# --- restore -----------------------------------------------------------------------------------------


def read_manifest(archive: str | Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Leadline backup ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive} is a backup of format {manifest.get('format')}; this Leadline reads {FORMAT}."
        )
    return manifest


def _known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


def restore(
    archive: str | Path,
    *,
    database: Database | None = None,
    secret_key: str | None = None,
    accept_other_key: bool = False,
) -> dict:
    """Restore ``archive`` into an empty database; return what was checked. Refuses before writing anything
    when the archive is damaged, of the other database kind, made under another secret key (unless
    ``accept_other_key``), made by a newer schema, or when the target is not empty."""
    db = database or _configured()
    manifest = read_manifest(archive)
    if manifest["vendor"] != db.vendor:
        raise BackupError(
            f"This is a {manifest['vendor']} backup and the target database is {db.vendor}: restore it into "
            f"{manifest['vendor']} (moving between the two is a migration, not a restore)."
        )
    ours = key_fingerprint(secret_key)
    other_key = manifest["key_fingerprint"] != ours
    if other_key and not accept_other_key:
        raise BackupError(
            f"The backup was made under another secret key (fingerprint {manifest['key_fingerprint']}; this "
            f"installation's is {ours}). Every pseudonymous person_key of the evaluation, every session and "
            f"every signed link derives from that key, so restoring under this one would silently change "
            f"them all. Set DJANGO_SECRET_KEY (or var/secret_key in the embedded mode) to the key the backup "
            f"was made with, or pass --accept-other-key to restore anyway and start a new series of person "
            f"keys."
        )
    unknown = sorted(set(manifest["migrations"]) - _known_migrations())
    if unknown:
        raise BackupError(
            f"The backup's schema is newer than this Leadline ({leadline_version()}; the backup was made by "
            f"{manifest['leadline_version']}): it has {len(unknown)} migrations this code does not know, "
            f"e.g. {', '.join(unknown[:3])}. Install that version or later, then restore."
        )
    with tempfile.TemporaryDirectory(prefix="leadline-restore-") as tmp:
        data = _extract(archive, manifest, Path(tmp))
        facts = _sqlite_restore(db, data) if db.vendor == "sqlite" else _pg_restore(db, data)
    _check_restored(manifest, facts)
    pending = sorted(_known_migrations() - set(manifest["migrations"]))
    return {
        "manifest": manifest,
        "tables": len(facts["tables"]),
        "rows": sum(facts["tables"].values()),
        "triggers": facts["triggers"],
        "other_key": other_key,
        "pending_migrations": pending,
    }


def _extract(archive: str | Path, manifest: dict, tmp: Path) -> Path:
    name = manifest["data_file"]
    if name not in DATA_FILE.values():
        raise BackupError(f"The backup names an unexpected data file {name!r}.")
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(name)
        if member is None:
            raise BackupError(f"The backup has no {name}: it is incomplete.")
        data = tmp / name
        with data.open("wb") as f:
            shutil.copyfileobj(member, f)
    if _sha256(data) != manifest["sha256"]:
        raise BackupError(
            "The backup's database does not match its checksum: the file is damaged. Use another."
        )
    return data


def _sqlite_restore(db: Database, data: Path) -> dict[str, Any]:
    target = Path(db.name)
    for extra in (Path(f"{target}-wal"), Path(f"{target}-journal")):
        if extra.exists() and extra.stat().st_size > 0:
            raise BackupError(
                f"{extra} exists: a program has the target database open or did not close it. Stop Leadline "
                f"(web server and worker) before restoring."
            )
    if target.exists() and target.stat().st_size > 0:
        conn = sqlite3.connect(target)
        try:
            objects = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
            ]
        finally:
            conn.close()
        if objects:
            raise BackupError(
                f"The target database {target} is not empty (it holds {len(objects)} tables, indexes or "
                f"triggers, e.g. {', '.join(sorted(objects)[:3])}). A restore goes into an empty database "
                f"only, so nothing is mixed with or overwritten; point DATABASE_URL at a new file, or move "
                f"this one away."
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restoring")
    staging.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    dest = sqlite3.connect(staging)
    try:
        source.backup(dest)
        facts = _sqlite_facts(dest)
    finally:
        dest.close()
        source.close()
    os.replace(staging, target)  # the target appears whole or not at all
    return facts


def _pg_restore(db: Database, data: Path) -> dict[str, Any]:
    pg_restore = _pg_binary("pg_restore")
    with db.pg_connect() as conn:
        objects = conn.execute(PG_OBJECTS).fetchone()[0]
        if objects:
            raise BackupError(
                f"The target database {db.name} is not empty (it holds {objects} tables, sequences, indexes "
                f"or functions). A restore goes into an empty database only, so nothing is mixed with or "
                f"overwritten: create a new one (createdb) and point DATABASE_URL at it."
            )
    _run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         "--no-password", f"--dbname={db.name}", str(data)],
        db.pg_environment(),
        "pg_restore",
    )  # fmt: skip
    with db.pg_connect() as conn:
        return _pg_facts(conn)


def _check_restored(manifest: dict, facts: dict[str, Any]) -> None:
    wrong = {
        t: (n, facts["tables"].get(t)) for t, n in manifest["tables"].items() if facts["tables"].get(t) != n
    }
    if wrong:
        sample = ", ".join(f"{t}: {got} of {n}" for t, (n, got) in sorted(wrong.items())[:3])
        raise BackupError(f"The restored database does not hold every row the backup counted ({sample}).")
    missing = sorted(set(manifest["triggers"]) - set(facts["triggers"]))
    if missing:
        raise BackupError(f"The restored database lacks triggers the backup had: {', '.join(missing)}.")


# --- the commands ------------------------------------------------------------------------------------


def command_backup(out: str) -> int:
    try:
        manifest = backup(out)
    except BackupError as exc:
        print(f"leadline backup: {exc} Nothing written.", file=sys.stderr)
        return 1
    rows = sum(manifest["tables"].values())
    print(
        f"leadline backup: {manifest['vendor']} database, {len(manifest['tables'])} tables, {rows:,} rows, "
        f"{len(manifest['migrations'])} migrations, Leadline {manifest['leadline_version']} -> {out}\n"
        f"  sha256 {manifest['sha256']}\n"
        f"  secret key fingerprint {manifest['key_fingerprint']} (the key is not in the backup: keep it "
        f"apart, safe)"
    )
    return 0


def command_restore(archive: str, *, accept_other_key: bool) -> int:
    try:
        report = restore(archive, accept_other_key=accept_other_key)
    except BackupError as exc:
        print(f"leadline restore: {exc}", file=sys.stderr)
        return 1
    m = report["manifest"]
    print(
        f"leadline restore: {report['rows']:,} rows in {report['tables']} tables from the backup of "
        f"{m['created_at']} (Leadline {m['leadline_version']}); every table's rows and the "
        f"{len(report['triggers'])} triggers checked."
    )
    if report["other_key"]:
        print(
            "  Restored under another secret key, as asked: person keys, sessions and signed links changed."
        )
    if report["pending_migrations"]:
        print(
            f"  This Leadline has {len(report['pending_migrations'])} newer migrations: run "
            f"`leadline manage migrate`."
        )
    return 0
