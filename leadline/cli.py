"""The `leadline` command (also `python -m leadline`).

leadline run [--port N]      the whole embedded system: migrate, seed the demo, web server + task worker
leadline seed-demo           create or refresh the demo site and print its logins
leadline manage ARGS...      any Django management command
leadline evaluate --data DIR --out results.json [--as-of YYYY-MM-DD] [--public]
                             the evidence engine on a folder of extracts (EVIDENCE-DATA.md)
leadline prepare --mapping mapping.json --out DIR
                             partners' extracts mapped to that folder, with a validation report
leadline backup --out FILE    the database and what must travel with it (docs/operations.md)
leadline restore FILE [--accept-other-key]
                             a backup into an empty database, checked row by row
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

# Every import of Leadline below sits inside its command: the settings must be chosen and django.setup()
# run first (and `leadline evaluate` must not load Django at all).
ROOT = Path(__file__).resolve().parent.parent


def _django(settings: str = "config.settings") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def _manage(*args: str, **options: Any) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


def cmd_run(ns: argparse.Namespace) -> int:
    # The embedded demo: SQLite, DEBUG on (so the seeded demo users may skip MFA, visibly).
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("LEADLINE_ENV", "embedded")
    port = str(ns.port or os.environ.get("PORT") or "8000")
    host = os.environ.get("LEADLINE_BIND", "127.0.0.1")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    os.environ.setdefault("LEADLINE_PUBLIC_URL", f"http://{shown}:{port}")  # links in the demo's emails
    _django()
    from django.conf import settings

    from leadline.demo.seed import DEMO_PASSWORD, seed_demo

    if settings.PRODUCTION:
        print("leadline run is the embedded demo; in production run a WSGI server and "
              "`manage.py leadline_worker`.")  # fmt: skip
        return 2
    _manage("migrate", "--no-input", verbosity=0)
    users = seed_demo()
    print(f"\nLeadline demo: {settings.DATABASES['default']['NAME']}")
    print(f"Open http://{shown}:{port}/ and sign in as:")
    print(f"  {'username':<9} {'role':<18} password")
    for du in users:
        print(f"  {du.username:<9} {(du.role.value if du.role else '(no role)'):<18} {DEMO_PASSWORD}")
    print(
        "Demo accounts skip two-factor sign-in only because DEBUG is on; real accounts always need it.\n",
        flush=True,
    )
    env = dict(os.environ)
    from leadline.core.supervisor import Supervisor

    # The task worker is supervised: when it stops (a crash, a database error it could not wait out), it is
    # started again after 1, 2, 4 ... 30 s, each time said on the console (decision 0031).
    worker = Supervisor([sys.executable, str(ROOT / "manage.py"), "leadline_worker"], env=env,
                        log=lambda line: print(line, file=sys.stderr, flush=True))  # fmt: skip
    worker.start()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"{host}:{port}", "--noreload"], env=env
    )

    def stop(*_args: object) -> None:
        worker.stopping.set()
        if server.poll() is None:
            server.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        stop()
        worker.stop(timeout=10)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return code


def cmd_seed_demo(ns: argparse.Namespace) -> int:
    _django()
    _manage("migrate", "--no-input", verbosity=0)
    _manage("seed_demo")
    return 0


def cmd_manage(ns: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["leadline manage", *ns.args])
    return 0


def cmd_evaluate(ns: argparse.Namespace) -> int:
    """The evidence engine needs no database and no Django: an outside evaluator runs it on a folder."""
    from datetime import date

    from leadline.evidence.engine import run
    from leadline.evidence.inputs import InputError

    try:
        as_of = date.fromisoformat(ns.as_of) if ns.as_of else None
    except ValueError:
        print("leadline evaluate: --as-of must be a date as YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        result = run(ns.data, ns.out, as_of=as_of, public=ns.public, threshold=ns.threshold)
    except InputError as exc:
        print(f"leadline evaluate: {exc}; nothing written.", file=sys.stderr)
        return 1
    sections = ", ".join(k for k in result if k not in ("as_of", "n"))
    n = result["n"]  # with --public a small group prints as None
    print(f"leadline evaluate: {n['lead']} LEAD and {n['comparison']} comparison people, as of "
          f"{result['as_of']}: {sections} -> {ns.out}")  # fmt: skip
    return 0


def cmd_prepare(ns: argparse.Namespace) -> int:
    from leadline.evidence.prepare import MappingError, prepare

    try:
        report = prepare(ns.mapping, ns.out, chunk=ns.chunk_rows, database_url=ns.database_url)
    except MappingError as exc:
        print(f"leadline prepare: {exc}", file=sys.stderr)
        return 1
    for name, r in report.items():
        print(f"{name}: {r['read']:,} read, {r['kept']:,} kept, {r['rejected']:,} rejected")
        for reason, n in sorted(r["reasons"].items(), key=lambda kv: -kv[1])[:5]:
            print(f"    {n:,} × {reason}")
    print(f"Report: {Path(ns.out) / 'validation-report.json'}; rejected rows: {Path(ns.out) / 'rejected'}")
    return 0


def cmd_backup(ns: argparse.Namespace) -> int:
    _django()
    from leadline.core.backup import command_backup

    return command_backup(ns.out)


def cmd_restore(ns: argparse.Namespace) -> int:
    _django()
    from leadline.core.backup import command_restore

    return command_restore(ns.archive, accept_other_key=ns.accept_other_key)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(prog="leadline", description="Leadline: run a LEAD program.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the embedded system with the demo site")
    run.add_argument("--port", type=int, default=None, help="port (default: $PORT or 8000)")
    run.set_defaults(func=cmd_run)
    seed = sub.add_parser("seed-demo", help="create or refresh the demo site")
    seed.set_defaults(func=cmd_seed_demo)
    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    evaluate = sub.add_parser(
        "evaluate", help="compute the evidence (EVIDENCE-DATA.md) from a folder of files"
    )
    evaluate.add_argument(
        "--data",
        required=True,
        help="folder with people, events, ... (.csv or .parquet), or a PostgreSQL warehouse holding those "
        "tables: postgres://user@host:5432/db?schema=NAME (connect as a role that may only read)",
    )
    evaluate.add_argument("--out", required=True, help="the results JSON to write")
    evaluate.add_argument("--as-of", dest="as_of", help="data cutoff, YYYY-MM-DD (default: latest follow-up)")
    evaluate.add_argument("--public", action="store_true", help="suppress small cells for publication")
    evaluate.add_argument(
        "--threshold", type=int, default=10, help="with --public: largest count hidden (10)"
    )
    evaluate.set_defaults(func=cmd_evaluate)
    prep = sub.add_parser(
        "prepare",
        help="map partners' extracts to the evidence contract, with a report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Map partners' extracts (CSV or Parquet files, or PostgreSQL tables and queries) to\n"
        "the evidence contract in chunks, with a validation report and the rejected rows; an\n"
        "interrupted run resumes where it stopped.",
        epilog="""mapping.json, one entry per contract file (people and events required):
  {"people": {"source": "raw/cohort.csv", "date_format": "%m/%d/%Y",
              "columns": {"person_key": "ID", "group": "COHORT", ...},
              "values": {"group": {"L": "lead", "C": "comparison"}}, "constants": {...}},
   "events": {"source": {"postgres": "warehouse.arrest_events", "order_by": "event_id"},
              "columns": {...}}}
A source is a file (relative to the mapping), {"postgres": "schema.table", "order_by": ...},
{"postgres_query": "SELECT ...", "order_by": ...} or {"duckdb": "SELECT ...", "order_by": ...};
order_by (a column or a list, together unique) keeps the order stable so a run resumes at the
right row. PostgreSQL is read through a server-side cursor in a read-only transaction; a
postgres_query runs with the connection's privileges, so connect as a role that may only read.
More: leadline/evidence/prepare.py and docs/decisions/0019-evidence-engine.md.""",
    )
    prep.add_argument("--mapping", required=True, help="the mapping JSON (file sources relative to it)")
    prep.add_argument("--out", required=True, help="the folder for the contract files (resumable)")
    prep.add_argument("--chunk-rows", dest="chunk_rows", type=int, default=100_000, help="rows per chunk")
    prep.add_argument(
        "--database-url",
        dest="database_url",
        metavar="URL",
        help="the PostgreSQL warehouse, postgres://user@host:5432/db (default: $LEADLINE_WAREHOUSE_URL, "
        "better than this option: a command line is visible to other users; a password may also come "
        "from PGPASSWORD or ~/.pgpass, and is never shown)",
    )
    prep.set_defaults(func=cmd_prepare)
    bkp = sub.add_parser("backup", help="back up the database, with what must travel with it (operations.md)")
    bkp.add_argument("--out", required=True, help="the backup file to write (never overwritten)")
    bkp.set_defaults(func=cmd_backup)
    rst = sub.add_parser("restore", help="restore a backup into an empty database (operations.md)")
    rst.add_argument("archive", help="a file written by `leadline backup`")
    rst.add_argument(
        "--accept-other-key",
        dest="accept_other_key",
        action="store_true",
        help="restore a backup made under another secret key (every person key changes)",
    )
    rst.set_defaults(func=cmd_restore)
    ns = parser.parse_args(argv)
    return int(ns.func(ns) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
