"""A synthetic evidence folder (EVIDENCE-DATA.md) at any scale, for the speed target of issue #6.

    python bench/evidence_data.py --people 1000000 --events 10000000 --out var/bench/evidence-1m
                                  [--seed 1] [--format parquet|csv] [--encounters 200000]

Writes people, events, monthly, encounters, population and unit_costs (Parquet by default, DATE
columns; CSV with YYYY-MM-DD dates with ``--format csv``) and prints what it wrote and how long it
took. Vectorised numpy; the files are written by DuckDB (no pyarrow needed), so 1M people / 10M events
take seconds and well under 1 GB.

What is planted (the ideas of leadline/evidence/synthetic.py and tests/synth.py, at scale):

* people: ~10% LEAD, index dates over 2019-2024, follow-up to the 2025-12-31 cutoff (about one in
  eight leave earlier: moved, died, lost); covariates cov_prior_arrests, cov_age, cov_prior_jail_days.
  Assignment is confounded: the chance of LEAD rises with prior arrests and jail days and falls with age,
  and the same covariates (through a shared frailty) raise everyone's event rates, so the naive
  comparison overstates the LEAD group's risk and the propensity weights have work to do.
* events: exactly ``--events`` rows of the 9 contract types within two years either side of the index
  (never after follow-up end). A comparison person's index arrest is on day 0 (when the budget allows
  it: at least 4 events per comparison person). The expected count of each (person, period, type) is
  frailty x exposure x base rate x effect; the rows are a multinomial draw of that intensity with the
  total fixed, i.e. independent Poisson counts conditioned on their sum. Everyone's post period is a
  little lower (regression to the mean); the LEAD group's post period has markedly fewer arrests (x0.6)
  and bookings (x0.55), and fewer charges, cases and jail days. Quantity is 1, or 1..60 days for
  jail_days / prison_days.
* monthly: the LEAD group, months 0..12 while followed; a person effect and a lift with each month after
  referral (housing most of all).
* encounters: a Monroe County-like funnel with a racial disparity planted at every stage (Black
  residents stopped more often, diverted less often, charged and detained more often); charge_filed only
  for arrests, detained only for charged.
* population: Monroe County-like residents by race (750,000); unit_costs: the four priced types and
  program_month, dollar_year 2024.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

EVENT_TYPES = (
    "arrest", "felony_charge", "charge", "case_filed", "booking", "jail_days", "prison_days",
    "ems_transport", "ed_visit",
)  # fmt: skip
# Events per person-year in the comparison group's pre period at frailty 1 (relative sizes; the total is
# then scaled to exactly --events).
BASE_RATE = np.array([1.0, 0.25, 0.9, 0.6, 0.8, 0.35, 0.05, 0.4, 0.8])
# Post-period multipliers: everyone (regression to the mean), and the LEAD group on top of that.
POST_ALL = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0])
LEAD_EFFECT = np.array([0.6, 0.7, 0.65, 0.7, 0.55, 0.7, 0.8, 0.9, 0.95])
ARREST = 0
DAYS_TYPES = (5, 6)  # jail_days, prison_days
WINDOW = 730  # events fall within two years either side of the index
FIRST_INDEX, LAST_INDEX, CUTOFF = date(2019, 1, 1), date(2024, 12, 31), date(2025, 12, 31)
EPOCH = date(1970, 1, 1)

PEOPLE_RACE = {"Black": 0.38, "White": 0.42, "Hispanic": 0.12, "Asian": 0.02, "Other": 0.03, "Unknown": 0.03}
# Monroe County, NY-like catchment (about 750,000 residents).
RESIDENTS = {"White": 515_000, "Black": 113_000, "Hispanic": 71_000, "Asian": 28_000, "Other": 23_000}
ENCOUNTER_RATE = {"White": 1.0, "Black": 3.6, "Hispanic": 1.8, "Asian": 0.6, "Other": 1.3}  # per resident
DIVERTED = {"White": 0.46, "Black": 0.33, "Hispanic": 0.38, "Asian": 0.45, "Other": 0.41, "Unknown": 0.42}
CHARGED = {"White": 0.66, "Black": 0.75, "Hispanic": 0.72, "Asian": 0.65, "Other": 0.70, "Unknown": 0.70}
DETAINED = {"White": 0.28, "Black": 0.38, "Hispanic": 0.33, "Asian": 0.27, "Other": 0.30, "Unknown": 0.30}
UNIT_COSTS = {"booking": 150.0, "jail_days": 120.0, "prison_days": 110.0, "case_filed": 1161.0,
              "program_month": 532.0}  # fmt: skip


def expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _ordinal(d: date) -> int:
    return (d - EPOCH).days


def _write(con: duckdb.DuckDBPyConnection, select: str, path: Path, fmt: str) -> None:
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    con.execute(f"COPY ({select}) TO '{path}' ({options})")


def people_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """People as numbers (person index, day ordinals); keys and dates are made as the files are written."""
    frailty = rng.gamma(2.0, 0.5, size=n)  # mean 1: some people are arrested far more often than others
    age = np.clip(np.round(rng.normal(36, 11, size=n)), 18, 75).astype(np.int16)
    prior_arrests = rng.poisson(1.6 * frailty * np.exp(-0.01 * (age - 36))).astype(np.int16)
    prior_jail = np.where(
        rng.random(n) < expit(-1.2 + 0.45 * prior_arrests),
        np.ceil(rng.exponential(6 + 3 * prior_arrests)),
        0,
    ).astype(np.int16)
    # Confounded assignment: LEAD takes people with more priors, more jail, and younger, aiming at ~10%.
    score = 0.28 * prior_arrests + 0.012 * prior_jail - 0.025 * (age - 36)
    lo, hi = -15.0, 5.0
    for _ in range(50):  # the intercept that makes the expected share 10%
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expit(mid + score).mean() < 0.10 else (lo, mid)
    lead = rng.random(n) < expit(lo + score)
    first, last = _ordinal(FIRST_INDEX), _ordinal(LAST_INDEX)
    index = rng.integers(first, last + 1, size=n).astype(np.int32)
    cutoff = _ordinal(CUTOFF)
    leaves = rng.random(n) < 0.12
    followup_end = np.where(
        leaves, np.minimum(index + np.floor(rng.exponential(500, size=n)).astype(np.int32), cutoff), cutoff
    ).astype(np.int32)
    index_year = (np.datetime64("1970-01-01") + index.astype("timedelta64[D]")).astype("datetime64[Y]")
    birth_year = index_year.astype(int) + 1970 - age
    # Risk from the covariates (via the frailty they share) and a little from age on its own.
    risk = frailty * np.exp(-0.012 * (age - 36)) * (1 + 0.004 * prior_jail)
    return pd.DataFrame({
        "pid": np.arange(n, dtype=np.int32),
        "lead": lead,
        "index": index,
        "followup_end": followup_end,
        "race": rng.choice(list(PEOPLE_RACE), size=n, p=list(PEOPLE_RACE.values())),
        "sex": rng.choice(["M", "F"], size=n, p=[0.72, 0.28]),
        "birth_year": birth_year.astype(np.int16),
        "cov_prior_arrests": prior_arrests,
        "cov_age": age,
        "cov_prior_jail_days": prior_jail,
        "risk": risk,
    })  # fmt: skip


def events_arrays(
    people: pd.DataFrame, total: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(person index, date ordinal, type code, quantity) of exactly ``total`` events, and how many of
    them are index arrests."""
    n = len(people)
    lead = people["lead"].to_numpy()
    index = people["index"].to_numpy()
    fu = (people["followup_end"].to_numpy() - index).astype(np.int64)
    post_days = np.minimum(fu, WINDOW)  # days 1..post_days after the index
    comparison = np.flatnonzero(~lead)
    index_arrests = len(comparison) if total >= 4 * len(comparison) else 0
    rest = total - index_arrests
    # Intensity of each (person, period) cell and the type mix of each (group, period).
    mixes = {
        (False, 0): BASE_RATE, (True, 0): BASE_RATE,
        (False, 1): BASE_RATE * POST_ALL, (True, 1): BASE_RATE * POST_ALL * LEAD_EFFECT,
    }  # fmt: skip
    risk = people["risk"].to_numpy()
    pre_intensity = risk * WINDOW / 365.25 * BASE_RATE.sum()
    post_intensity = risk * post_days / 365.25 * np.where(lead, mixes[True, 1].sum(), mixes[False, 1].sum())
    intensity = np.concatenate([pre_intensity, post_intensity])  # cells: pre of 0..n-1, then post
    # (The tiny shrink keeps the float sum of 2n shares under 1, which numpy checks; the last cell takes
    # the remainder.)
    counts = rng.multinomial(rest, intensity / (intensity.sum() * (1 + 1e-12)))
    cell = np.repeat(np.arange(2 * n, dtype=np.int64), counts)
    pid = (cell % n).astype(np.int32)
    post = cell >= n
    del cell, counts
    kind = np.empty(rest, dtype=np.int8)
    for (is_lead, period), mix in mixes.items():
        where = np.flatnonzero((lead[pid] == is_lead) & (post == bool(period)))
        kind[where] = rng.choice(len(EVENT_TYPES), size=len(where), p=mix / mix.sum())
    u = rng.random(rest)
    # Post: days 1..post_days after the index; pre: days -730..-1.
    offset = np.where(post, 1 + np.floor(u * post_days[pid]), -1 - np.floor(u * WINDOW)).astype(np.int32)
    del u, post
    day = index[pid] + offset
    del offset
    quantity = np.ones(rest, dtype=np.int16)
    days_rows = np.isin(kind, DAYS_TYPES)
    quantity[days_rows] = np.clip(np.ceil(rng.exponential(9.0, size=int(days_rows.sum()))), 1, 60)
    if index_arrests:
        pid = np.concatenate([pid, comparison.astype(np.int32)])
        day = np.concatenate([day, index[comparison]])
        kind = np.concatenate([kind, np.full(index_arrests, ARREST, dtype=np.int8)])
        quantity = np.concatenate([quantity, np.ones(index_arrests, dtype=np.int16)])
    order = np.argsort(day, kind="stable")  # an extract in date order
    return pid[order], day[order], kind[order], quantity[order], index_arrests


def monthly_frame(people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    leads = people[people["lead"]]
    months_followed = np.minimum(12, (leads["followup_end"] - leads["index"]).to_numpy() // 30)
    reps = months_followed + 1
    pid = np.repeat(leads["pid"].to_numpy(), reps)
    start = np.repeat(np.cumsum(reps) - reps, reps)
    month = np.arange(len(pid)) - start
    lift = np.minimum(month, 12).astype(float)
    n = len(leads)
    out = pd.DataFrame({"pid": pid, "month": month.astype(np.int16)})
    for name, base, per_month, spread in (
        ("housed_permanent", -2.0, 0.14, 1.2), ("sheltered", -1.2, 0.05, 1.0),
        ("employed", -2.3, 0.04, 1.1), ("income_any", -0.5, 0.09, 1.0),
    ):  # fmt: skip
        person = np.repeat(rng.normal(0, spread, size=n), reps)
        out[name] = (rng.random(len(pid)) < expit(base + person + per_month * lift)).astype(np.int8)
    return out


def encounters_frame(count: int, rng: np.random.Generator) -> pd.DataFrame:
    races = [*RESIDENTS, "Unknown"]
    weight = np.array([RESIDENTS[r] * ENCOUNTER_RATE[r] for r in RESIDENTS])
    weight = np.append(weight, weight.sum() * 0.01)  # about 1% of encounters with race unrecorded
    race = rng.choice(races, size=count, p=weight / weight.sum())
    p_divert = pd.Series(race).map(DIVERTED).to_numpy()
    p_charge = pd.Series(race).map(CHARGED).to_numpy()
    p_detain = pd.Series(race).map(DETAINED).to_numpy()
    diverted = rng.random(count) < p_divert
    charged = ~diverted & (rng.random(count) < p_charge)
    detained = charged & (rng.random(count) < p_detain)
    first = _ordinal(date(2024, 1, 1))
    return pd.DataFrame({
        "k": np.arange(count),
        "day": rng.integers(first, _ordinal(CUTOFF) + 1, size=count).astype(np.int32),
        "race": race,
        "outcome": np.where(diverted, "diverted", "arrested"),
        "charge_filed": charged.astype(np.int8),
        "detained": detained.astype(np.int8),
    })  # fmt: skip


def generate(
    people_n: int, events_n: int, out: Path, seed: int = 1, fmt: str = "parquet", encounters_n: int = 200_000
) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.*"):
        if old.stem in ("people", "events", "monthly", "encounters", "population", "unit_costs"):
            old.unlink()  # a folder holds one format: never a stale .csv beside a fresh .parquet
    rng = np.random.default_rng(seed)
    width = max(7, len(str(people_n)))
    key = f"'P' || lpad(CAST(pid AS VARCHAR), {width}, '0')"
    as_date = "DATE '1970-01-01' + {} "
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    suffix = "." + fmt
    written: dict[str, int] = {}

    people = people_frame(people_n, rng)
    con.register("people_df", people)
    group = """CASE WHEN lead THEN 'lead' ELSE 'comparison' END"""
    _write(con, f"""
        SELECT {key} AS person_key, {group} AS "group", {as_date.format('"index"')} AS index_date,
               {as_date.format("followup_end")} AS followup_end, race, sex, birth_year,
               cov_prior_arrests, cov_age, cov_prior_jail_days
        FROM people_df ORDER BY pid""", out / f"people{suffix}", fmt)  # fmt: skip  # noqa: S608
    written["people"] = people_n

    pid, day, kind, quantity, index_arrests = events_arrays(people, events_n, rng)
    events = pd.DataFrame({"pid": pid, "day": day, "kind": kind, "quantity": quantity})
    del pid, day, kind, quantity
    con.register("events_df", events)
    types = "[" + ", ".join(f"'{t}'" for t in EVENT_TYPES) + "]"
    _write(con, f"""
        SELECT {key} AS person_key, {as_date.format("day")} AS date, ({types})[kind + 1] AS type, quantity
        FROM events_df""", out / f"events{suffix}", fmt)  # fmt: skip  # noqa: S608
    written["events"] = len(events)
    written["events: index arrests"] = index_arrests
    by_type = np.bincount(events["kind"].to_numpy(), minlength=len(EVENT_TYPES))
    con.unregister("events_df")
    del events

    monthly = monthly_frame(people, rng)
    con.register("monthly_df", monthly)
    _write(con, f"""
        SELECT {key} AS person_key, month, housed_permanent, sheltered, employed, income_any
        FROM monthly_df""", out / f"monthly{suffix}", fmt)  # fmt: skip  # noqa: S608
    written["monthly"] = len(monthly)

    encounters = encounters_frame(encounters_n, rng)
    con.register("encounters_df", encounters)
    _write(con, f"""
        SELECT 'E' || lpad(CAST(k AS VARCHAR), 7, '0') AS encounter_key, {as_date.format("day")} AS date,
               race, outcome, charge_filed, detained
        FROM encounters_df ORDER BY day, k""", out / f"encounters{suffix}", fmt)  # fmt: skip  # noqa: S608
    written["encounters"] = len(encounters)

    population = pd.DataFrame({"race": list(RESIDENTS), "residents": list(RESIDENTS.values())})
    con.register("population_df", population)
    _write(con, "SELECT * FROM population_df", out / f"population{suffix}", fmt)
    written["population"] = len(population)
    unit_costs = pd.DataFrame({
        "item": list(UNIT_COSTS), "dollars": list(UNIT_COSTS.values()), "dollar_year": 2024,
        "source": "synthetic benchmark (bench/evidence_data.py): illustrative 2024 dollars",
    })  # fmt: skip
    con.register("unit_costs_df", unit_costs)
    _write(con, "SELECT * FROM unit_costs_df", out / f"unit_costs{suffix}", fmt)
    written["unit_costs"] = len(unit_costs)
    con.close()
    lead = int(people["lead"].sum())
    written["people: lead"] = lead
    written["people: comparison"] = people_n - lead
    for code, name in enumerate(EVENT_TYPES):
        written[f"events: {name}"] = int(by_type[code])
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=Path("var/bench/evidence-1m"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--encounters", type=int, default=200_000, help="rows of encounters")
    args = parser.parse_args()
    if args.people < 10 or args.events < 0:
        parser.error("--people must be at least 10 and --events not negative")
    started = time.perf_counter()
    written = generate(args.people, args.events, args.out, args.seed, args.format, args.encounters)
    elapsed = time.perf_counter() - started
    print(f"wrote {args.out}/ ({args.format}, seed {args.seed}):")
    for name, rows in written.items():
        size = ""
        path = args.out / f"{name}.{args.format}"
        if path.exists():
            size = f"  {path.stat().st_size / 1e6:9.1f} MB"
        print(f"  {name:<24} {rows:>12,}{size}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.1f} s, peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
