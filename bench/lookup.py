"""How fast and how good is the person lookup ("Is this person in LEAD?") at 100,000 people?

    python bench/lookup.py [--people 100000] [--lookups 2000] [--strangers 500] [--seed 20250601]
                           [--sqlite] [--postgres postgres://postgres@127.0.0.1:5432/postgres]

Builds a synthetic population with realistic name frequencies (the generator of
leadline/participants/tests/test_matching.py), builds the in-memory ``MatchIndex`` (prints the build
time), then runs ``--lookups`` labelled lookups of mixed difficulty (typos, nicknames, swapped order,
partial compound surnames, accents, hyphens, date-of-birth typos, common names, aliases, combinations,
no date of birth) and ``--strangers`` lookups of people who are not in the population. Prints median,
p95 and max milliseconds per lookup (server time inside the process), top-3 recall per kind and the
false-positive rate on strangers. The target is p95 < 50 ms and recall >= 0.95.

``--sqlite`` and ``--postgres URL`` also time the database form of the same lookup: the blocking keys
of every person in a table ``match_key(key, person_id)``, a ``GROUP BY person_id`` over the query's keys
for the 500 best candidates, their rows, then ``score_candidates`` (which may count a ``token_key``'s
rows when a date of birth is missing). ``--postgres`` creates and drops a
scratch database ``leadline_bench_lookup`` on that server.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leadline.participants.matching import (  # noqa: E402
    MAX_CANDIDATES,
    Match,
    MatchIndex,
    PersonRecord,
    blocking_keys,
    score_candidates,
)
from leadline.participants.tests.test_matching import (  # noqa: E402
    Case,
    Person,
    make_population,
    make_queries,
    make_strangers,
)

Lookup = Callable[[str, str, date | None], list[Match]]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _run(lookup: Lookup, cases: list[Case]) -> tuple[list[float], list[bool], list[int]]:
    timings: list[float] = []
    found: list[bool] = []
    returned: list[int] = []
    for case in cases:
        started = time.perf_counter()
        matches = lookup(case.given, case.family, case.dob)
        timings.append((time.perf_counter() - started) * 1000)
        found.append(any(m.key == case.target for m in matches))
        returned.append(len(matches))
    return timings, found, returned


def _latency_line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<22} median {statistics.median(values):6.2f} ms"
        f"   p95 {_percentile(values, 0.95):6.2f} ms   max {max(values):6.2f} ms"
    )


def _report(label: str, lookup: Lookup, cases: list[Case], strangers: list[Case], *, detail: bool) -> None:
    timings, found, _ = _run(lookup, cases)
    stranger_timings, _, returned = _run(lookup, strangers)
    print(f"\n[{label}] {len(cases)} labelled + {len(strangers)} stranger lookups")
    print(_latency_line("labelled", timings))
    print(_latency_line("strangers", stranger_timings))
    print(_latency_line("all", timings + stranger_timings))
    recall = sum(found) / len(found)
    false_positives = sum(1 for n in returned if n)
    print(f"  top-3 recall {recall:.3f} ({sum(found)}/{len(found)})")
    print(f"  false-positive rate on strangers {false_positives / len(strangers):.3f}")
    if not detail:
        return
    per_kind: dict[str, list[int]] = {}
    for case, ok in zip(cases, found, strict=True):
        tally = per_kind.setdefault(case.kind, [0, 0])
        tally[0] += ok
        tally[1] += 1
    for kind, (hits, total) in sorted(per_kind.items()):
        print(f"    {kind:<20} {hits:4d}/{total:<4d} {hits / total:.3f}")
    _, _, returned = _run(lookup, [replace(c, dob=None) for c in strangers])
    false_positives = sum(1 for n in returned if n)
    rate = false_positives / len(strangers)
    print(f"  the same strangers without a date of birth: false-positive rate {rate:.3f}")


# ------------------------------------------------------------------------------------ database form


def _key_rows(population: list[Person]) -> Iterator[tuple[str, int]]:
    for p in population:
        for key in blocking_keys(p.given, p.family, p.dob, p.aliases):
            yield key, p.key


def _person_rows(population: list[Person]) -> Iterator[tuple[int, str, str, str, str | None]]:
    for p in population:
        yield p.key, p.given, p.family, "\n".join(p.aliases), p.dob.isoformat() if p.dob else None


def _record(row: Sequence[Any]) -> PersonRecord:
    key, given, family, aliases, dob = row
    if isinstance(dob, str):
        dob = date.fromisoformat(dob)
    return PersonRecord(key, given, family, aliases.split("\n") if aliases else [], dob)


class _Database:
    """The blocking table and the lookup, for one DB-API connection (sqlite3 or psycopg)."""

    def __init__(self, connection: Any, *, postgres: bool) -> None:
        self.db = connection
        self.postgres = postgres
        self.population = 0

    def _in(self, column: str, values: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        if self.postgres:
            return f"{column} = ANY(%s)", [list(values)]
        return f"{column} IN ({','.join('?' * len(values))})", values

    def load(self, population: list[Person]) -> None:
        cur = self.db.cursor()
        dob_type = "date" if self.postgres else "text"
        columns = f"id integer PRIMARY KEY, given text, family text, aliases text, dob {dob_type}"
        cur.execute(f"CREATE TABLE person ({columns})")
        cur.execute("CREATE TABLE match_key (key text NOT NULL, person_id integer NOT NULL)")
        if self.postgres:
            with cur.copy("COPY person (id, given, family, aliases, dob) FROM STDIN") as copy:
                for row in _person_rows(population):
                    copy.write_row(row)
            with cur.copy("COPY match_key (key, person_id) FROM STDIN") as copy:
                for key_row in _key_rows(population):
                    copy.write_row(key_row)
        else:
            cur.executemany("INSERT INTO person VALUES (?, ?, ?, ?, ?)", _person_rows(population))
            cur.executemany("INSERT INTO match_key VALUES (?, ?)", _key_rows(population))
        cur.execute("CREATE INDEX match_key_key ON match_key (key, person_id)")
        self.db.commit()
        if self.postgres:  # as autovacuum would: statistics, and the visibility map for index-only scans
            self.db.autocommit = True
            cur.execute("VACUUM (ANALYZE) match_key")
            cur.execute("VACUUM (ANALYZE) person")
            cur.execute("CHECKPOINT")  # flush the load now rather than during the timed lookups
            self.db.autocommit = False
        else:
            cur.execute("ANALYZE")
            self.db.commit()
        self.population = len(population)

    def lookup(self, given: str, family: str, dob: date | None) -> list[Match]:
        keys = sorted(blocking_keys(given, family, dob, query=True))
        if not keys:
            return []
        cur = self.db.cursor()
        where, params = self._in("key", keys)
        percent = "%%" if self.postgres else "%"
        cur.execute(
            f"SELECT person_id, SUM(CASE WHEN key LIKE 'd:{percent}' THEN 3 ELSE 1 END) AS hits"  # noqa: S608
            f" FROM match_key WHERE {where} GROUP BY person_id ORDER BY hits DESC LIMIT {MAX_CANDIDATES}",
            params,
        )
        ids = [row[0] for row in cur.fetchall()]
        if not ids:
            return []
        where, params = self._in("id", ids)
        cur.execute(f"SELECT id, given, family, aliases, dob FROM person WHERE {where}", params)  # noqa: S608
        records = [_record(row) for row in cur.fetchall()]
        counts: dict[str, int] = {}
        marker = "%s" if self.postgres else "?"

        def name_count(key: str) -> int:
            if key not in counts:
                cur.execute(f"SELECT COUNT(*) FROM match_key WHERE key = {marker}", [key])  # noqa: S608
                counts[key] = cur.fetchone()[0]
            return counts[key]

        return score_candidates(
            given, family, dob, records, population=self.population, name_count=name_count
        )


def _database_report(
    label: str, connection: Any, population: list[Person], cases: list[Case], strangers: list[Case]
) -> None:
    database = _Database(connection, postgres=label == "postgres")
    started = time.perf_counter()
    database.load(population)
    print(f"\n[{label}] blocking table loaded and indexed in {time.perf_counter() - started:.1f} s")
    database.lookup("warm", "up", None)
    _report(label, database.lookup, cases, strangers, detail=False)


def _postgres(url: str, population: list[Person], cases: list[Case], strangers: list[Case]) -> None:
    import psycopg

    name = "leadline_bench_lookup"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        scratch = psycopg.conninfo.make_conninfo(url, dbname=name)
        with psycopg.connect(scratch) as connection:
            _database_report("postgres", connection, population, cases, strangers)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--strangers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()

    started = time.perf_counter()
    population = make_population(args.people, seed=args.seed)
    print(f"population: {len(population):,} people generated in {time.perf_counter() - started:.1f} s")

    gc.collect()
    started = time.perf_counter()
    index = MatchIndex.build(p.record() for p in population)
    build_s = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"index: built in {build_s:.1f} s, {index.block_count:,} blocks, peak RSS {rss_mb:.0f} MB")

    draws_per_round = len(make_queries(population[:2000], 1, seed=1))
    cases = make_queries(population, -(-args.lookups // draws_per_round), seed=args.seed + 1)[: args.lookups]
    strangers = make_strangers(population, args.strangers, seed=args.seed + 2)
    index.search("warm", "up", None)
    _report("in memory", index.search, cases, strangers, detail=True)

    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="leadline-bench-") as tmp:
            connection = sqlite3.connect(Path(tmp) / "lookup.sqlite3")
            try:
                _database_report("sqlite", connection, population, cases, strangers)
            finally:
                connection.close()
    if args.postgres:
        _postgres(args.postgres, population, cases, strangers)


if __name__ == "__main__":
    main()
