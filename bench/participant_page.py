"""Issue #17's target for the participant page: p95 under 150 ms as a case manager, with 10,000 participants
and 1,000,000 contacts (the header and its next step, every section, the first page of the timeline).

    python bench/participant_page.py [--participants 10000] [--contacts-per 100] [--repeat 50] [--postgres]

Fills a scratch database with bulk inserts (raw ``executemany`` in batches for the million contacts; this
measures reads): SQLite in ``var/bench/participant_page.sqlite3`` (made again each run), or with
``--postgres`` a schema of its own (``bench_participant_page``, dropped at the end) in the database ``test``
on 127.0.0.1:5432. Every participant gets ``--contacts-per`` contacts and outreach attempts spread over two
years (with places and summaries), 12 monthly statuses, 5 case notes (general, health, Part 2), 3 status
changes; every fifth a diversion matter. Then, through the Django test client in-process (server time, no
network; each request writes its audit rows, as a real one does), times a case manager's participant page, its
timeline section (first page, then "Older"), the page with its timeline inline (no JavaScript), and the
outreach worker's view of the same person. Prints median and p95 of the wall time and of this process's
CPU time (on a shared machine the wall time also counts the waiting for a core).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCHEMA = "bench_participant_page"
PG = "postgresql://postgres@127.0.0.1:5432/test"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--contacts-per", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres", action="store_true", help=f"a scratch schema in {PG}")
    args = parser.parse_args()
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    os.environ.update(DJANGO_SETTINGS_MODULE="config.test_settings", LEADLINE_VAR_DIR=str(var))
    if args.postgres:
        import psycopg

        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            conn.execute(f"CREATE SCHEMA {SCHEMA}")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/test"  # its schema: set on connect
    else:
        db = var / "participant_page.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.template.base import Template
    from django.test.utils import setup_test_environment

    server_render = Template._render
    setup_test_environment()  # ALLOWED_HOSTS for the test client, locmem mail
    # The test environment wraps every template render to record its context for assertions, which a real
    # server never does (bench/case_pages.py measured both): time the server's rendering.
    Template._render = server_render  # type: ignore[method-assign]
    if args.postgres:
        from django.db.backends.signals import connection_created

        def search_path(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
            with connection.cursor() as cursor:
                cursor.execute(f"SET search_path TO {SCHEMA}")

        connection_created.connect(search_path)
    call_command("migrate", verbosity=0)
    try:
        run(args)
    finally:
        if args.postgres:
            connection.close()
            import psycopg

            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def run(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from leadline.accounts.models import User
    from leadline.cases.models import CaseNote, MonthlyStatus
    from leadline.core import clock
    from leadline.demo.testing import make_world, verified_client
    from leadline.legal import clock as legal_clock
    from leadline.legal.models import Charge, LegalMatter
    from leadline.participants.models import Participant, StatusChange

    started = time.perf_counter()
    world = make_world()
    carmen = world["case_manager"]
    now = clock.now()
    per = 20
    User.objects.bulk_create(
        [User(username=f"cm{i:04d}", role="case_manager", first_name="Case", last_name=f"Manager{i:04d}")
         for i in range(args.participants // per - 1)]
    )  # fmt: skip
    managers = [carmen, *User.objects.filter(username__startswith="cm").order_by("pk")]
    statuses = ["active"] * 6 + ["engaged", "inactive", "referred", "exited"]
    Participant.objects.bulk_create(
        [Participant(given_name=f"Given{i}", family_name=f"Family{i:05d}", status=statuses[i % 10],
                     case_manager=managers[(i // per) % len(managers)], created_at=now - timedelta(days=800),
                     updated_at=now, last_known_whereabouts="Drop-in centre")
         for i in range(args.participants - Participant.objects.count())],
        batch_size=5000,
    )  # fmt: skip
    ids = list(Participant.objects.values_list("pk", flat=True))

    # A million contacts: raw executemany in batches, one transaction (the ORM's bulk_create builds a model
    # per row, several times slower for no gain here).
    kinds = ["in_person", "phone", "text", "outreach"]
    table = connection.ops.quote_name("cases_contact")  # Django's quoting of a fixed name: no input
    sql = (
        f"INSERT INTO {table} (participant_id, kind, reached, substantive, occurred_at, place, summary, "  # noqa: S608
        "logged_by_id, created_at, idempotency_key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    total = 0
    span = 730 * 24 * 60  # two years, in minutes
    with transaction.atomic(), connection.cursor() as cursor:
        batch: list[tuple] = []
        for pid in ids:
            for n in range(args.contacts_per):
                at = now - timedelta(minutes=(n * span // args.contacts_per) + pid % 600)
                batch.append((pid, kinds[n % 4], n % 4 != 3, n % 2 == 0, at, "Under the Court St bridge",
                              "Talked about the housing voucher", carmen.pk, at, f"b{pid}-{n}"))  # fmt: skip
            if len(batch) >= 20_000:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch = []
        cursor.executemany(sql, batch)
        total += len(batch)
    Participant.objects.update(
        last_contact_at=now - timedelta(days=1), last_reached_at=now - timedelta(days=1)
    )
    first = clock.today().replace(day=1)
    months = [(first - timedelta(days=31 * k)).replace(day=1) for k in range(1, 13)]
    MonthlyStatus.objects.bulk_create(
        [MonthlyStatus(participant_id=pid, month=m, housing="sheltered", employed="no",
                       income_or_benefits="yes", recorded_by_id=carmen.pk,
                       recorded_at=now - timedelta(days=k))
         for pid in ids for k, m in enumerate(months)],
        batch_size=10_000,
    )  # fmt: skip
    CaseNote.objects.bulk_create(
        [CaseNote(participant_id=pid, author_id=carmen.pk, body="Routine check-in at the drop-in centre.",
                  sensitivity=("general", "health", "substance_use")[n % 3],
                  created_at=now - timedelta(days=n * 40), idempotency_key=f"n{pid}-{n}")
         for pid in ids for n in range(5)],
        batch_size=10_000,
    )  # fmt: skip
    StatusChange.objects.bulk_create(
        [StatusChange(participant_id=pid, from_status=a, to_status=b, note="Bench", changed_by_id=carmen.pk,
                      changed_at=now - timedelta(days=d))
         for pid in ids for a, b, d in (("referred", "engaged", 700), ("engaged", "active", 650),
                                         ("active", "inactive", 300))]
        , batch_size=10_000,
    )  # fmt: skip
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
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {len(ids):,} participants, {total:,} contacts, {len(ids) * 12:,} monthly "
        f"statuses, {len(ids) * 5:,} notes, {len(ids) * 3:,} status changes, {len(matters):,} legal matters; "
        f"loaded in {time.perf_counter() - started:.0f} s"
    )

    def timed(label: str, client, path: str) -> None:
        assert client.get(path).status_code == 200  # warm-up
        samples, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(path)
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == 200, response.status_code

        def p95(xs: list[float]) -> float:
            return sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]

        print(
            f"  {label:<66} wall median {statistics.median(samples):6.1f} p95 {p95(samples):6.1f} ms"
            f" | CPU median {statistics.median(cpu):6.1f} p95 {p95(cpu):6.1f} ms"
        )

    cm = verified_client(carmen)
    target = Participant.objects.filter(case_manager=carmen, status="active").order_by("pk").last()
    assert target is not None
    html = cm.get(f"/participants/{target.pk}/timeline/").content.decode()
    older = re.search(r'hx-get="(/participants/\d+/timeline/\?before=[^"]+)"', html)
    assert older, "the first page of the timeline has an Older button"
    print(f"  (participant #{target.pk}: {target.contacts.count()} contacts)")
    timed(
        f"GET /participants/{{id}}/ (case manager, {args.contacts_per} contacts)",
        cm,
        f"/participants/{target.pk}/",
    )
    timed(
        "GET /participants/{id}/timeline/ (its section, first shown)",
        cm,
        f"/participants/{target.pk}/timeline/",
    )
    timed("GET /participants/{id}/timeline/?before= (the second page)", cm, older.group(1))
    timed(
        "GET /participants/{id}/?timeline=1 (the page and its timeline, no JS)",
        cm,
        f"/participants/{target.pk}/?timeline=1",
    )
    Participant.objects.filter(pk=target.pk).update(status="referred")  # outreach looks for referred people
    timed(
        "GET /participants/{id}/ (outreach worker)",
        verified_client(world["outreach_worker"]),
        f"/participants/{target.pk}/",
    )


if __name__ == "__main__":
    main()
