"""Issue #17's target: the "needs you" inbox p95 under 100 ms (decision 0036).

    python bench/inbox.py [--participants 10000] [--caseload 60] [--repeat 50]

Builds a scratch SQLite database in a temp folder, filled with bulk inserts (this measures reads): the test
world's people and records, then case managers of 20 participants each up to ``--participants``, and the case
manager Carmen with ``--caseload`` people, every kind of her work present: referred people waiting for intake,
people not reached in two weeks, plan steps due, last month's status missing, consents ending within 30 days,
open accountings, diversion windows about to end and court dates this week; every participant with 20 contacts
and a year of monthly statuses, every fifth a legal matter. Then times, through the Django test client
in-process (server time, no network; every home page writes its audit rows): Carmen's home page (the inbox
and her caseload), the menu's count (`/inbox/count/`), the live section (`/inbox/urgent/`), and the
prosecutor's home page (notices to confirm, new charges to decide).
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--caseload", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--queries", action="store_true", help="print each query of one home page, slowest first"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the case manager's home page instead"
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="leadline-inbox-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.test_settings",
        LEADLINE_VAR_DIR=tmp,
        DATABASE_URL=f"sqlite:///{tmp}/inbox.sqlite3",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.template.base import Template
    from django.test.utils import setup_test_environment

    server_render = Template._render
    setup_test_environment()  # ALLOWED_HOSTS for the test client, locmem mail
    Template._render = server_render  # type: ignore[method-assign]  # no context recording: as a real server
    call_command("migrate", verbosity=0)
    run(args)


def build(args: argparse.Namespace) -> tuple[object, dict[str, int]]:
    from leadline.accounts.models import User
    from leadline.cases.models import Contact, MonthlyStatus, PlanGoal, PlanItem
    from leadline.consents.models import AccountingRequest, Consent
    from leadline.core import clock
    from leadline.demo.testing import make_world
    from leadline.legal import clock as legal_clock
    from leadline.legal.models import CourtDate, LegalMatter, NewCharge
    from leadline.participants.models import Participant

    world = make_world()
    carmen = world["case_manager"]
    now, today = clock.now(), clock.today()
    per = 20
    others = args.participants - args.caseload
    User.objects.bulk_create(
        [User(username=f"cm{i:04d}", role="case_manager", first_name="Case", last_name=f"Manager{i:04d}")
         for i in range(others // per)]
    )  # fmt: skip
    managers = list(User.objects.filter(username__startswith="cm").order_by("pk"))
    statuses = ["active"] * 6 + ["engaged", "inactive", "referred", "exited"]
    old = now - timedelta(days=120)
    mine_before = Participant.objects.filter(case_manager=carmen).count()
    Participant.objects.bulk_create(
        [Participant(given_name=f"Given{i}", family_name=f"Family{i:05d}", status=statuses[i % 10],
                     case_manager=carmen if i < args.caseload - mine_before else managers[i % len(managers)],
                     created_at=old, updated_at=old,
                     # Most were reached this week; every fourth is two weeks overdue.
                     last_reached_at=now - timedelta(days=20 if i % 4 == 0 else 2))
         for i in range(args.participants - Participant.objects.count())],
        batch_size=5000,
    )  # fmt: skip
    ids = list(Participant.objects.values_list("pk", flat=True))
    mine = list(Participant.objects.filter(case_manager=carmen).values_list("pk", flat=True))
    Contact.objects.bulk_create(
        [Contact(participant_id=pid, kind="phone", reached=True, substantive=n % 2 == 0,
                 occurred_at=now - timedelta(days=2 + n * 7), logged_by_id=carmen.pk, created_at=now,
                 idempotency_key=f"b{pid}-{n}")
         for pid in ids for n in range(20)],
        batch_size=20_000,
    )  # fmt: skip
    first = today.replace(day=1)
    months = [(first - timedelta(days=31 * k)).replace(day=1) for k in range(1, 13)]
    MonthlyStatus.objects.bulk_create(
        [MonthlyStatus(participant_id=pid, month=m, housing="sheltered", employed="no",
                       income_or_benefits="yes", recorded_by_id=carmen.pk, recorded_at=now)
         # Every third of Carmen's people still misses last month's.
         for pid in ids for k, m in enumerate(months) if not (k == 0 and pid in mine and pid % 3 == 0)],
        batch_size=20_000,
    )  # fmt: skip
    # Everyone has a plan; a step due soon for each of Carmen's people, and for every tenth of the others.
    goals = PlanGoal.objects.bulk_create(
        [PlanGoal(participant_id=pid, domain="housing", text="A place of my own", created_by_id=carmen.pk,
                  created_at=old, idempotency_key=f"g{pid}")
         for pid in ids],
        batch_size=10_000,
    )  # fmt: skip
    PlanItem.objects.bulk_create(
        [PlanItem(goal_id=g.pk, action="Call the housing office", owner="case_manager",
                  due_on=today + timedelta(days=(g.participant_id % 5) - 1), created_by_id=carmen.pk,
                  created_at=old, idempotency_key=f"i{g.pk}")
         for g in goals if g.participant_id in mine or g.participant_id % 10 == 0],
        batch_size=10_000,
    )  # fmt: skip
    Consent.objects.bulk_create(
        [Consent(participant_id=pid, kind="officer_feedback", recipient="The referring officer",
                 information="Engaged", purpose="Feedback", wording_version="1", method="verbal",
                 given_at=old, recorded_by_id=carmen.pk, expires_on=today + timedelta(days=pid % 60))
         for pid in ids if pid != world.mine.pk],
        batch_size=10_000,
    )  # fmt: skip
    AccountingRequest.objects.bulk_create(
        [AccountingRequest(participant_id=pid, requested_by_name="The participant", received_on=today,
                           period_start=today - timedelta(days=365), period_end=today,
                           due_on=today + timedelta(days=60), recorded_by_id=carmen.pk, recorded_at=now,
                           idempotency_key=f"a{pid}")
         for pid in ids[::25]],
        batch_size=10_000,
    )  # fmt: skip
    matters = LegalMatter.objects.bulk_create(
        [LegalMatter(participant_id=pid, incident_at=now - timedelta(days=pid % 30),
                     mode="expunge_after_participation", window_days=30, contacts_needed=1, created_at=now,
                     deadline_at=legal_clock.deadline(now - timedelta(days=pid % 30), 30, "America/New_York"))
         for pid in ids[::5]],
        batch_size=5000,
    )  # fmt: skip
    CourtDate.objects.bulk_create(
        [CourtDate(participant_id=pid, at=now + timedelta(days=pid % 14, hours=1), court="City Court",
                   source="entered", entered_by_id=world["prosecutor"].pk, created_at=now)
         for pid in ids[::7]],
        batch_size=5000,
    )  # fmt: skip
    NewCharge.objects.bulk_create(
        [NewCharge(participant_id=m.participant_id, statute="PL 220.03", occurred_on=today, source="imported",
                   flagged_by_id=world["prosecutor"].pk, flagged_at=now)
         for m in matters[::10]],
        batch_size=5000,
    )  # fmt: skip
    counts = {"participants": len(ids), "caseload": len(mine), "matters": len(matters)}
    return world, counts


def run(args: argparse.Namespace) -> None:
    from leadline.demo.testing import verified_client
    from leadline.web.inbox import inbox_for

    started = time.perf_counter()
    world, counts = build(args)
    carmen = world["case_manager"]
    inbox = inbox_for(carmen)
    print(
        f"sqlite: {counts['participants']:,} participants, Carmen's caseload {counts['caseload']}, "
        f"{counts['matters']:,} legal matters; loaded in {time.perf_counter() - started:.0f} s"
    )
    print("  Carmen's inbox: " + ", ".join(f"{s.kind} {s.count}" for s in inbox.sections if s.count))

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
        print(f"  {label:<62} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")

    cm = verified_client(carmen)
    from leadline.accounts import policy
    from leadline.core.inbox import sources_for

    for source in sources_for(carmen, policy.can):
        t0 = time.perf_counter()
        for _ in range(10):
            source.items(carmen, 10)
        t1 = time.perf_counter()
        for _ in range(10):
            source.count(carmen)
        t2 = time.perf_counter()
        print(f"    {source.kind:<22} items {(t1 - t0) * 100:6.1f} ms   count {(t2 - t1) * 100:6.1f} ms")
    if args.queries:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cm.get("/")
        with CaptureQueriesContext(connection) as queries:
            cm.get("/")
        for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:12]:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
        print(f"  {len(queries)} queries")
    if args.profile:
        import cProfile
        import pstats

        cm.get("/")
        with cProfile.Profile() as prof:
            for _ in range(5):
                cm.get("/")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        pstats.Stats(prof).print_callers("_bind|_reverse_with_prefix|base.py:462|_fetch_all")
        return
    timed("GET / (case manager: the inbox + caseload)", cm, "/")
    timed("GET /inbox/count/ (the menu's count)", cm, "/inbox/count/")
    timed("GET /inbox/urgent/ (the live section)", cm, "/inbox/urgent/")
    # For scale: a page this work did not touch, on the same machine at the same moment.
    pm = verified_client(world["program_manager"])
    timed("GET /participants/ (program manager, first page; reference)", pm, "/participants/")
    timed("GET / (prosecutor: notices, new charges)", verified_client(world["prosecutor"]), "/")
    timed("GET /inbox/count/ (prosecutor)", verified_client(world["prosecutor"]), "/inbox/count/")


if __name__ == "__main__":
    main()
