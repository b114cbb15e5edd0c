"""Issue #17 item 6: the operations dashboard and its grant-report exports, 10,000 participants.

    python bench/dashboard.py [--postgres] [--participants 10000] [--contacts-per 20] [--repeat 30]

Builds a scratch database (SQLite in a temp folder, or `leadline_bench_dashboard` on 127.0.0.1, created and
dropped), fills it with bulk inserts: 500 case managers with 20 participants each, created over the last year
with two status changes each, `--contacts-per` contacts each over the last 90 days, a referral and a hand-off
for every participant over the last year, 3 plan steps each. Then times, through the Django test client
in-process (server time, no network): the dashboard for this month and this quarter, and this quarter's
participants and contacts exports as CSV and XLSX (each export writes its audit rows, one per participant).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRATCH = "leadline_bench_dashboard"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--contacts-per", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="leadline-dash-")
    os.environ.update(DJANGO_SETTINGS_MODULE="config.test_settings", LEADLINE_VAR_DIR=tmp)
    if args.postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
            conn.execute(f"CREATE DATABASE {SCRATCH}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{SCRATCH}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/dash.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.template.base import Template
    from django.test.utils import setup_test_environment

    server_render = Template._render
    setup_test_environment()
    Template._render = server_render  # type: ignore[method-assign]  # no test instrumentation (case_pages.py)
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
    from leadline.cases.models import Contact, PlanGoal, PlanItem
    from leadline.core import clock
    from leadline.demo.testing import make_small_world, verified_client
    from leadline.participants.models import Participant, StatusChange
    from leadline.referrals.models import Handoff, Referral
    from leadline.sites.models import PolicyVersion

    started = time.perf_counter()
    world = make_small_world()
    now = clock.now()
    per = 20
    User.objects.bulk_create(
        [
            User(username=f"cm{i:04d}", role="case_manager", first_name="Case", last_name=f"Manager{i:04d}")
            for i in range(args.participants // per - 1)
        ]
    )
    managers = [world["case_manager"], *User.objects.filter(username__startswith="cm").order_by("pk")]
    final = ["active"] * 5 + ["engaged", "inactive", "inactive", "referred", "exited"]
    people = Participant.objects.bulk_create(
        [
            Participant(
                given_name=f"Given{i}",
                family_name=f"Family{i:05d}",
                status=final[i % 10],
                case_manager=managers[(i // per) % len(managers)],
                created_at=now - timedelta(days=i % 365),
                updated_at=now,
                engaged_at=None if final[i % 10] == "referred" else now - timedelta(days=i % 300),
                last_reached_at=now - timedelta(days=i % 30),
                last_contact_at=now - timedelta(days=i % 30),
            )
            for i in range(args.participants)
        ],
        batch_size=5000,
    )
    ids = list(Participant.objects.values_list("pk", flat=True))
    moves = []
    for n, pid in enumerate(ids):
        last = final[n % 10]
        if last == "referred":
            continue
        born = now - timedelta(days=n % 365)
        moves.append(
            StatusChange(
                participant_id=pid,
                from_status="referred",
                to_status="engaged",
                note="b",
                changed_at=born + timedelta(days=2),
            )
        )
        if last != "engaged":
            moves.append(
                StatusChange(
                    participant_id=pid,
                    from_status="engaged",
                    to_status=last,
                    note="b",
                    changed_at=born + timedelta(days=(n % 365) // 2 + 3),
                )
            )
    StatusChange.objects.bulk_create(moves, batch_size=10_000)
    kinds = ["in_person", "phone", "text", "outreach"]
    Contact.objects.bulk_create(
        (
            Contact(
                participant_id=pid,
                kind=kinds[n % 4],
                reached=n % 4 != 3,
                occurred_at=now - timedelta(days=(n * 4 + pid) % 90, hours=pid % 24),
                place="Drop-in",
                summary="Check-in",
                logged_by_id=world["case_manager"].pk,
                created_at=now,
                idempotency_key=f"b{pid}-{n}",
            )
            for pid in ids
            for n in range(args.contacts_per)
        ),
        batch_size=10_000,
    )
    version = PolicyVersion.objects.order_by("pk").first()
    doors = ["arrest_diversion", "social_contact", "community"]
    referrals = Referral.objects.bulk_create(
        [
            Referral(
                door=doors[n % 3],
                status="eligible",
                policy_version=version,
                referred_by=world["officer"],
                precinct=world["officer"].precinct,
                given_name="G",
                family_name="F",
                participant_id=pid,
                occurred_at=now - timedelta(days=n % 365),
                person_agrees=True,
                aggrieved_party="none_present",
                idempotency_key=f"r{pid}",
                created_at=now - timedelta(days=n % 365),
            )
            for n, pid in enumerate(ids)
        ],
        batch_size=5000,
    )
    Handoff.objects.bulk_create(
        [
            Handoff(
                referral_id=r.pk,
                status="arrived",
                requested_by=world["officer"],
                callback_phone="1",
                requested_at=r.created_at,
                arrived_at=r.created_at + timedelta(minutes=10 + n % 50),
            )
            for n, r in enumerate(referrals)
        ],
        batch_size=5000,
    )
    goals = PlanGoal.objects.bulk_create(
        [
            PlanGoal(
                participant_id=pid,
                domain="housing",
                text="A room",
                created_by=world["case_manager"],
                created_at=now,
                idempotency_key=f"g{pid}",
            )
            for pid in ids
        ],
        batch_size=5000,
    )
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                goal_id=g.pk,
                action="Step",
                owner="together",
                due_on=clock.today() + timedelta(days=k * 7 - 7),
                created_by=world["case_manager"],
                created_at=now,
                idempotency_key=f"i{g.pk}-{k}",
            )
            for g in goals
            for k in range(3)
        ],
        batch_size=10_000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {len(people):,} participants, {len(managers)} case managers, "
        f"{len(moves):,} status changes, {len(ids) * args.contacts_per:,} contacts, "
        f"{len(referrals):,} referrals and hand-offs; "
        f"loaded in {time.perf_counter() - started:.0f} s"
    )

    def timed(label: str, client, path: str, repeat: int) -> None:
        response = client.get(path)  # warm-up
        assert response.status_code == 200, response.status_code
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        samples.sort()
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        size = len(response.content)
        print(f"  {label:<52} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   {size:>9,} B")

    pm = verified_client(world["program_manager"])
    timed("GET /operations/ (this month)", pm, "/operations/", args.repeat)
    timed("GET /operations/?period=quarter", pm, "/operations/?period=quarter", args.repeat)
    first = clock.today() - timedelta(days=365)
    year = f"period=custom&start={max(first, date(2000, 1, 1)).isoformat()}&end={clock.today().isoformat()}"
    timed("GET /operations/ (a year, 53 weeks)", pm, f"/operations/?{year}", args.repeat)
    # A quarter of participants (everyone in LEAD in it); four days of contacts (about 9,000: under the
    # 10,000-row bound of an export, where a month of this data is not).
    four = clock.today() - timedelta(days=3)
    days = f"period=custom&start={four.isoformat()}&end={clock.today().isoformat()}"
    for kind, label, query in (("participants", "quarter", "period=quarter"), ("contacts", "4 days", days)):
        for fmt in ("csv", "xlsx"):
            timed(
                f"GET /operations/export/{kind}.{fmt} ({label})",
                pm,
                f"/operations/export/{kind}.{fmt}?{query}",
                max(3, args.repeat // 6),
            )


if __name__ == "__main__":
    main()
