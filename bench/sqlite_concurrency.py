"""The embedded SQLite database under concurrent writers (issue #15 item 10).

    python bench/sqlite_concurrency.py [--writers 16] [--each 15] [--config both|before|now]

N writer processes (like a multi-process web server, or the web server beside the task worker), each an
officer with a signed-in, MFA-verified Django test client, each submitting ``--each`` arrest-diversion
referrals through the real form view at once: the whole middleware stack, the referral and its audit row,
and the session update written in the response. Against one file-based SQLite database per run.

For each configuration it prints the responses by status, the errors (a "database is locked" answered as
500, or as the static 503 page where the app catches database errors), and what the database holds
afterwards for every form sent: saved exactly once and answered with the redirect (right); not saved and
answered with an error (honest failure); saved but answered with an error (the response lied: the officer
was told 400/500 for a referral that exists); saved twice (never).

``before`` is the configuration as it was before item 10 (WAL, busy_timeout 5 s, immediate transactions,
Django's own session store); ``now`` is config/settings.py as it stands. Each run is a fresh database.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BEFORE = """
from config.test_settings import *  # noqa: F403
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
    "transaction_mode": "IMMEDIATE",
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
"""
NOW = "from config.test_settings import *  # noqa: F403\n"


def _writer(client, offence_pk: int, each: int, out: str, gate) -> None:
    """One officer sending ``each`` referrals back to back; writes what it sent and heard to ``out``."""
    from django.db import connections

    sent = []
    gate.wait()
    for _ in range(each):
        key = uuid.uuid4().hex
        form = {
            "door": "arrest_diversion", "given_name": "Load", "family_name": key[:8],
            "date_of_birth": "1990-01-01", "offence": offence_pk, "drug_quantity_grams": "0.5",
            "person_agrees": "yes", "aggrieved_party": "none_present", "idempotency_key": key,
        }  # fmt: skip
        t0 = time.perf_counter()
        response = client.post("/referrals/new/", form)
        elapsed = (time.perf_counter() - t0) * 1000
        error = ""
        if getattr(response, "exc_info", None):
            _, exc, tb = response.exc_info
            frames = traceback.extract_tb(tb)
            ours = [f for f in frames if "/leadline/" in f.filename or "sessions" in f.filename]
            where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno} {ours[-1].name}" if ours else ""
            error = f"{type(exc).__name__}: {exc}{where}"
        elif response.status_code != 302:
            names = [t.name for t in getattr(response, "templates", []) if t.name]
            error = f"{response.status_code} rendered {names[0] if names else 'no template'}"
        sent.append({"key": key, "status": response.status_code, "error": error, "ms": elapsed})
    connections.close_all()
    Path(out).write_text(json.dumps({"sent": sent}), encoding="utf-8")


def run_one(config: str, writers: int, each: int) -> dict:
    """One configuration, in this process (called through a subprocess per configuration)."""
    tmp = tempfile.mkdtemp(prefix=f"leadline-sqlite-{config}-")
    Path(tmp, "bench_settings.py").write_text(BEFORE if config == "before" else NOW, encoding="utf-8")
    sys.path.insert(0, tmp)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench_settings",
        LEADLINE_VAR_DIR=tmp,
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from leadline.accounts.models import Agency
    from leadline.demo.seed import seed_demo
    from leadline.demo.testing import UserFactory, verified_client
    from leadline.referrals.models import Referral
    from leadline.sites.models import EligibleOffence

    seed_demo()
    offence = EligibleOffence.objects.get(statute="PL 220.03")
    precinct = Agency.objects.get(name="Clinton Section")
    clients = [
        verified_client(
            UserFactory.create(username=f"w{i}", role="officer", agency=precinct.parent, precinct=precinct),
            raise_request_exception=False,
        )
        for i in range(writers)
    ]
    connections.close_all()  # each forked writer opens its own connection
    ctx = multiprocessing.get_context("fork")
    gate = ctx.Barrier(writers)
    outs = [str(Path(tmp, f"writer{i}.json")) for i in range(writers)]
    procs = [
        ctx.Process(target=_writer, args=(c, offence.pk, each, out, gate))
        for c, out in zip(clients, outs, strict=True)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - started
    sent = []
    for out in outs:
        sent += json.loads(Path(out).read_text(encoding="utf-8"))["sent"]
    saved = Counter(
        Referral.objects.filter(idempotency_key__in=[s["key"] for s in sent]).values_list(
            "idempotency_key", flat=True
        )
    )
    outcome = Counter()
    for s in sent:
        n, ok = saved[s["key"]], s["status"] == 302
        outcome["saved twice"] += n > 1
        outcome["right (302, saved once)"] += ok and n == 1
        outcome["honest failure (error, not saved)"] += not ok and n == 0
        outcome["lied (error, but saved)"] += not ok and n == 1
        outcome["lied (302, not saved)"] += ok and n == 0
    times = sorted(s["ms"] for s in sent)
    return {
        "config": config,
        "options": settings.DATABASES["default"].get("OPTIONS", {}),
        "session_engine": settings.SESSION_ENGINE,
        "writers": writers,
        "each": each,
        "wall_s": round(wall, 1),
        "statuses": dict(Counter(str(s["status"]) for s in sent)),
        "locked_errors": sum("database is locked" in s["error"] for s in sent),
        "errors": dict(Counter(s["error"] for s in sent if s["error"])),
        "outcome": dict(outcome),
        "p50_ms": round(times[len(times) // 2], 1),
        "max_ms": round(times[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=16, help="concurrent writer processes")
    parser.add_argument("--each", type=int, default=15, help="referrals each writer sends")
    parser.add_argument("--config", choices=["both", "before", "now"], default="both")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one run, for the parent
    args = parser.parse_args()
    if args.json:
        print(json.dumps(run_one(args.config, args.writers, args.each)))
        return
    configs = ["before", "now"] if args.config == "both" else [args.config]
    for config in configs:
        # A process per configuration: Django's settings are read once per process.
        out = subprocess.run(  # noqa: S603 (this very script, with our own arguments)
            [sys.executable, __file__, "--json", "--config", config,
             "--writers", str(args.writers), "--each", str(args.each)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"== {config}: {r['writers']} writers x {r['each']} referrals in {r['wall_s']} s")
        print(f"   OPTIONS {r['options']}")
        print(f"   sessions {r['session_engine']}")
        print(f"   responses {r['statuses']}; median {r['p50_ms']} ms, max {r['max_ms']} ms")
        failed = sum(n for status, n in r["statuses"].items() if status != "302")
        print(f"   failed requests: {failed}, of which raised 'database is locked': {r['locked_errors']}")
        for error, n in r["errors"].items():
            print(f"     {n} x {error}")
        for name, n in sorted(r["outcome"].items()):
            print(f"   {name:<36} {n}")


if __name__ == "__main__":
    main()
