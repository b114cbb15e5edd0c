"""Referral + LEAD-line request under 20 officers at once (issue #3: p95 under 100 ms server time).

    python bench/referral_load.py [--officers 20] [--each 25] [--postgres]

In-process: 20 threads, each an officer with a signed-in, MFA-verified Django test client, each submitting
``--each`` arrest-diversion referrals through the real form view and calling the LEAD line for each (the
page to the on-call case manager, the audit rows, the SMS hand-off on commit — locmem here). The time is
the view's time in this process (no network, no browser), i.e. server time, with 20 requests contending for
one process and one database — a single app-server worker. With ``--think 0`` every officer fires
back to back (a burst: queueing for the one process dominates); ``--think 2`` gives each officer about two
seconds between actions, closer to twenty officers working at once.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--each", type=int, default=25)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds an officer spends between two actions (0: every officer fires back to back)",
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="leadline-load-")
    os.environ.update(DJANGO_SETTINGS_MODULE="config.test_settings", LEADLINE_VAR_DIR=tmp)
    scratch = "leadline_bench_referral_load"
    if args.postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {scratch}")
            conn.execute(f"CREATE DATABASE {scratch}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{scratch}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/load.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from leadline.accounts.models import Agency
    from leadline.demo.seed import seed_demo
    from leadline.demo.testing import UserFactory, verified_client
    from leadline.sites.models import EligibleOffence

    seed_demo()
    offence = EligibleOffence.objects.get(statute="PL 220.03")
    precinct = Agency.objects.get(name="Clinton Section")
    officers = [
        UserFactory.create(username=f"load{i}", role="officer", agency=precinct.parent, precinct=precinct)
        for i in range(args.officers)
    ]
    clients = [verified_client(o) for o in officers]
    connections.close_all()
    times: dict[str, list[float]] = {"referral": [], "handoff": []}
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(args.officers)

    def officer(client) -> None:
        start_gate.wait()
        try:
            for _ in range(args.each):
                if args.think:
                    time.sleep(random.uniform(0.5, 1.5) * args.think)  # the officer fills in the form
                form = {
                    "door": "arrest_diversion", "given_name": "Load",
                    "family_name": uuid.uuid4().hex[:8],
                    "date_of_birth": "1990-01-01", "offence": offence.pk, "drug_quantity_grams": "0.5",
                    "person_agrees": "yes", "aggrieved_party": "none_present",
                    "idempotency_key": uuid.uuid4().hex,
                }  # fmt: skip
                t0 = time.perf_counter()
                response = client.post("/referrals/new/", form)
                t1 = time.perf_counter()
                if response.status_code != 302:
                    errors.append(f"referral {response.status_code}")
                    continue
                referral_url = response["Location"]
                if args.think:
                    time.sleep(random.uniform(0.5, 1.5) * args.think)  # reads the decision, taps the button
                t2 = time.perf_counter()
                handoff = client.post(f"{referral_url}handoff/", {"callback_phone": "+15855550100"})
                t3 = time.perf_counter()
                if handoff.status_code != 302:
                    errors.append(f"handoff {handoff.status_code}")
                with lock:
                    times["referral"].append((t1 - t0) * 1000)
                    times["handoff"].append((t3 - t2) * 1000)
        finally:
            connection.close()

    threads = [threading.Thread(target=officer, args=(c,)) for c in clients]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    print(
        f"{connection.vendor}: {args.officers} officers x {args.each} referrals + LEAD-line calls "
        f"in {wall:.1f} s; errors: {len(errors)} {sorted(set(errors))[:3]}"
    )
    for name, samples in times.items():
        samples.sort()
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(
            f"  POST {name:<9} n={len(samples):4d}  median {statistics.median(samples):6.1f} ms  "
            f"p95 {p95:6.1f} ms  max {samples[-1]:6.1f} ms"
        )
    if args.postgres:
        connections.close_all()
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {scratch}")


if __name__ == "__main__":
    main()
