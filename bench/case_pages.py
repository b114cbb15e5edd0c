"""Issue #4's target: with 10,000 participants and 1,000,000 contacts on PostgreSQL, the caseload page and
a participant's page each under 150 ms p95 (the query counts are asserted in the tests).

    python bench/case_pages.py [--postgres] [--participants 10000] [--contacts-per 100] [--repeat 30]

Builds a scratch database (SQLite in a temp folder, or `leadline_bench_case_pages` on 127.0.0.1, created
and dropped), fills it with bulk inserts (this measures reads): 500 case managers with 20 participants
each, every participant with `--contacts-per` contacts, 12 monthly statuses and 5 case notes. Then times,
through the Django test client in-process (server time, no network; every request writes its audit rows):
the program manager's caseloads page, a case manager's home page (their day), a participant's page, the
outreach list, and (issue #5, every fifth participant holding a diversion matter) the prosecutor's legal
workspace.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = "leadline_bench_case_pages"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--contacts-per", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the participant page instead")
    parser.add_argument(
        "--instrumented", action="store_true",
        help="keep the test client's template instrumentation (how the earlier figures were taken)",
    )  # fmt: skip
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="leadline-cases-")
    os.environ.update(DJANGO_SETTINGS_MODULE="config.test_settings", LEADLINE_VAR_DIR=tmp)
    if args.postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
            conn.execute(f"CREATE DATABASE {SCRATCH}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{SCRATCH}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/cases.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.template.base import Template
    from django.test.utils import setup_test_environment

    server_render = Template._render
    setup_test_environment()  # ALLOWED_HOSTS for the test client, locmem mail
    if not args.instrumented:
        # The test environment also wraps every template render to record its context for assertions,
        # which a real server never does (and which costs more than the page itself on a form-heavy page).
        Template._render = server_render  # type: ignore[method-assign]
    call_command("migrate", verbosity=0)
    try:
        run(args)
    finally:
        if args.postgres:
            connection.close()
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")


def run(args: argparse.Namespace) -> None:
    from django.db import connection

    from leadline.accounts.models import User
    from leadline.cases.models import CaseNote, Contact, MonthlyStatus
    from leadline.core import clock
    from leadline.demo.testing import make_world, verified_client
    from leadline.participants.models import Participant

    started = time.perf_counter()
    world = make_world()
    now = clock.now()
    per = 20
    managers = User.objects.bulk_create(
        [User(username=f"cm{i:04d}", role="case_manager", first_name="Case", last_name=f"Manager{i:04d}")
         for i in range(args.participants // per - 1)]
    )  # fmt: skip
    managers = [world["case_manager"], *User.objects.filter(username__startswith="cm").order_by("pk")]
    statuses = ["active"] * 6 + ["engaged", "inactive", "referred", "exited"]
    Participant.objects.bulk_create(
        [Participant(given_name=f"Given{i}", family_name=f"Family{i:05d}", status=statuses[i % 10],
                     case_manager=managers[(i // per) % len(managers)], created_at=now, updated_at=now)
         for i in range(args.participants - Participant.objects.count())],
        batch_size=5000,
    )  # fmt: skip
    ids = list(Participant.objects.values_list("pk", flat=True))
    chunk: list[Contact] = []
    total = 0
    kinds = ["in_person", "phone", "text", "outreach"]
    for pid in ids:
        for n in range(args.contacts_per):
            chunk.append(Contact(
                participant_id=pid, kind=kinds[n % 4], reached=n % 4 != 3, substantive=n % 2 == 0,
                occurred_at=now - timedelta(days=n * 3, hours=pid % 24), place="Drop-in centre",
                summary="Check-in", logged_by_id=world["case_manager"].pk, created_at=now,
                idempotency_key=f"b{pid}-{n}",
            ))  # fmt: skip
        if len(chunk) >= 50_000:
            Contact.objects.bulk_create(chunk, batch_size=10_000)
            total += len(chunk)
            chunk = []
    Contact.objects.bulk_create(chunk, batch_size=10_000)
    total += len(chunk)
    # What contact_log keeps on each participant (the bulk insert bypasses it): contact n=0 is the latest,
    # and it reached them.
    for hour in range(24):
        latest = now - timedelta(hours=hour)
        Participant.objects.filter(pk__in=[pid for pid in ids if pid % 24 == hour]).update(
            last_contact_at=latest, last_reached_at=latest
        )
    first = clock.today().replace(day=1)
    months = [(first - timedelta(days=31 * k)).replace(day=1) for k in range(1, 13)]
    MonthlyStatus.objects.bulk_create(
        [MonthlyStatus(participant_id=pid, month=m, housing="sheltered", employed="no",
                       income_or_benefits="yes", recorded_by_id=world["case_manager"].pk, recorded_at=now)
         for pid in ids for m in months],
        batch_size=10_000,
    )  # fmt: skip
    CaseNote.objects.bulk_create(
        [CaseNote(participant_id=pid, author_id=world["case_manager"].pk, body="Routine check-in.",
                  sensitivity="general", created_at=now, idempotency_key=f"n{pid}-{n}")
         for pid in ids for n in range(5)],
        batch_size=10_000,
    )  # fmt: skip
    # Issue #5: every fifth participant holds a diversion matter, its window somewhere in its 30 days.
    from leadline.legal import clock as legal_clock
    from leadline.legal.models import Charge, LegalMatter

    matters = LegalMatter.objects.bulk_create(
        [LegalMatter(participant_id=pid, incident_at=now - timedelta(days=pid % 30),
                     mode="expunge_after_participation", window_days=30, contacts_needed=1, created_at=now,
                     deadline_at=legal_clock.deadline(now - timedelta(days=pid % 30), 30, "America/New_York"))
         for pid in ids[::5]],
        batch_size=5000,
    )  # fmt: skip
    Charge.objects.bulk_create(
        [Charge(matter_id=m.pk, statute="PL 220.03", description="Possession, 7th") for m in matters],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {len(ids):,} participants, {len(managers)} case managers, {total:,} contacts, "
        f"{len(ids) * 12:,} monthly statuses, {len(ids) * 5:,} notes, {len(matters):,} legal matters; "
        f"loaded in {time.perf_counter() - started:.0f} s"
    )

    def timed(label: str, client, path: str) -> None:
        assert client.get(path).status_code == 200  # warm-up
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        samples.sort()
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(f"  {label:<58} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")

    pm = verified_client(world["program_manager"])
    cm = verified_client(world["case_manager"])
    outreach = verified_client(world["outreach_worker"])
    target = Participant.objects.filter(case_manager=world["case_manager"], status="active").first()
    assert target is not None
    if args.profile:
        import cProfile
        import pstats

        path = f"/participants/{target.pk}/"
        cm.get(path)
        with cProfile.Profile() as prof:
            for _ in range(args.repeat):
                cm.get(path)
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(25)
        stats.print_callers("widgets.py:.*\\(render\\)")
        return
    timed("GET /participants/caseloads/ (program manager, every caseload)", pm, "/participants/caseloads/")
    timed("GET / (case manager: the inbox + caseload)", cm, "/")
    timed(
        f"GET /participants/{{id}}/ (case manager, {args.contacts_per} contacts)",
        cm,
        f"/participants/{target.pk}/",
    )
    timed(
        "GET /participants/outreach/ (outreach worker, all people to find)",
        outreach,
        "/participants/outreach/",
    )
    timed(
        f"GET /legal/ (prosecutor: {len(matters):,} holds, 50 a page)",
        verified_client(world["prosecutor"]),
        "/legal/",
    )


if __name__ == "__main__":
    main()
