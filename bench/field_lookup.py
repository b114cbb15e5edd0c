"""The officer's field lookup as the application runs it: Django ORM, the ParticipantMatchKey table,
`leadline.participants.lookup.find_participant`, on SQLite (default) or PostgreSQL.

    python bench/field_lookup.py [--people 100000] [--lookups 1000] [--postgres]

Target (issue #3): p95 under 50 ms over 100,000 people; top-3 recall >= 95% (this measures top-1, the
answer the officer gets). bench/lookup.py measures the matching engine alone, in memory and in raw SQL.
With --postgres it uses a scratch database `leadline_bench_field_lookup` on 127.0.0.1 (created and dropped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="leadline-lookup-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    os.environ["LEADLINE_VAR_DIR"] = tmp
    if args.postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS leadline_bench_field_lookup")
            conn.execute("CREATE DATABASE leadline_bench_field_lookup")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/leadline_bench_field_lookup"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/lookup.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from leadline.core import clock
    from leadline.participants.lookup import find_participant
    from leadline.participants.matching import blocking_keys
    from leadline.participants.models import Participant, ParticipantMatchKey
    from leadline.participants.services import participant_key_counts_rebuild
    from leadline.participants.tests.test_matching import make_population, make_queries, make_strangers

    started = time.perf_counter()
    population = make_population(args.people)
    now = clock.now()
    Participant.objects.bulk_create(
        [
            Participant(id=p.key, given_name=p.given, family_name=p.family, date_of_birth=p.dob,
                        status="active", created_at=now, updated_at=now)
            for p in population
        ],
        batch_size=5000,
    )  # fmt: skip
    keys = [
        ParticipantMatchKey(participant_id=p.key, key=k)
        for p in population
        for k in sorted(blocking_keys(p.given, p.family, p.dob))
    ]
    ParticipantMatchKey.objects.bulk_create(keys, batch_size=20_000)
    participant_key_counts_rebuild()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{connection.vendor}: {len(population):,} participants, {len(keys):,} keys loaded in "
        f"{time.perf_counter() - started:.1f} s"
    )

    cases = make_queries(population, 40, seed=11)[: args.lookups]
    strangers = make_strangers(population, 200, seed=12)
    samples, found = [], 0
    for case in cases + strangers:
        t0 = time.perf_counter()
        match = find_participant(given=case.given, family=case.family, dob=case.dob)
        samples.append((time.perf_counter() - t0) * 1000)
        if case.target is not None and match is not None and match.pk == case.target:
            found += 1
    false_pos = sum(
        1 for case in strangers if find_participant(given=case.given, family=case.family, dob=case.dob)
    )
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(
        f"lookups: {len(samples)}  median {statistics.median(samples):.1f} ms  p95 {p95:.1f} ms  "
        f"max {samples[-1]:.1f} ms"
    )
    print(
        f"top-1 recall {found / len(cases):.3f} ({found}/{len(cases)}); "
        f"false positives on strangers {false_pos / len(strangers):.3f}"
    )
    if args.postgres:
        connection.close()
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS leadline_bench_field_lookup")


if __name__ == "__main__":
    main()
