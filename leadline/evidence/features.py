"""The data work of the engine, in SQL: ten million events become one row per person (and a few small
tables of sufficient statistics) inside the database that holds them — DuckDB by default, or the
PostgreSQL warehouse a state points the engine at. The SQL is the same for both (standard aggregates with
FILTER, date minus date in days); only the estimates are computed in Python, on what comes back.

Definitions (EVIDENCE-DATA.md, recidivism.py): day = event date minus index date; "post" is day >= 1;
the pre period is days -365..-1; follow-up ends at followup_end, cut at the as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import numpy as np
import pandas as pd

from leadline.evidence.inputs import EVENT_TYPES, Dataset, as_of_default

DID_DAYS = 183
PRE_DAYS = 365
LOCKED = ("jail_days", "prison_days")


class Database(Protocol):
    covariates: list[str]
    tables: set[str]

    def sql(self, query: str) -> pd.DataFrame: ...

    def close(self) -> None: ...

    def __contains__(self, name: str) -> bool: ...


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def cohort(cutoff: date) -> str:
    """The people in the evaluation at the cutoff, follow-up cut there (a CTE body)."""
    return (
        f"SELECT person_key, CASE WHEN {_q('group')} = 'lead' THEN 1 ELSE 0 END AS lead, index_date, "
        f"CASE WHEN followup_end > DATE '{cutoff.isoformat()}' THEN DATE '{cutoff.isoformat()}' "
        f"ELSE followup_end END AS fe FROM people WHERE index_date <= DATE '{cutoff.isoformat()}'"
    )


def person_features(db: Database, cutoff: date) -> pd.DataFrame:
    """One row per person: lead (0/1), fu (follow-up days), the covariates, the first post-index arrest
    (any, and within follow-up), arrests and felony charges in the 6 months before/after, each event
    type's post (within follow-up) and pre (365 days) totals, and the days locked up between the index
    and the first re-arrest (or the end of follow-up)."""
    day = "(e.date - p.index_date)"
    in_fu = "e.date <= p.fe"
    sums = []
    for kind in EVENT_TYPES:
        sums.append(
            f"SUM(e.quantity) FILTER (WHERE e.type = '{kind}' AND {day} >= 1 AND {in_fu}) AS post_{kind}"
        )
        sums.append(f"SUM(e.quantity) FILTER (WHERE e.type = '{kind}' AND {day} BETWEEN -{PRE_DAYS} AND -1) "
                    f"AS pre_{kind}")  # fmt: skip
    covs = "".join(f", c.{_q(c)}" for c in db.covariates)
    aggregates = ["first_arrest", "first_arrest_fu", "arrest_pre6", "felony_pre6", "felony_post6"] + [
        f"{period}_{kind}" for kind in EVENT_TYPES for period in ("post", "pre")
    ]
    cut = f"DATE '{cutoff.isoformat()}'"
    query = f"""
    WITH p AS MATERIALIZED ({cohort(cutoff)}),
    e AS MATERIALIZED (SELECT person_key, date, type, quantity FROM events WHERE date <= {cut}),
    a AS (
      SELECT e.person_key,
        MIN({day}) FILTER (WHERE e.type = 'arrest' AND {day} >= 1) AS first_arrest,
        MIN({day}) FILTER (WHERE e.type = 'arrest' AND {day} >= 1 AND {in_fu}) AS first_arrest_fu,
        MAX(CASE WHEN e.type = 'arrest' AND {day} BETWEEN -{DID_DAYS} AND -1 THEN 1 ELSE 0 END)
          AS arrest_pre6,
        MAX(CASE WHEN e.type = 'felony_charge' AND {day} BETWEEN -{DID_DAYS} AND -1 THEN 1 ELSE 0 END)
          AS felony_pre6,
        MAX(CASE WHEN e.type = 'felony_charge' AND {day} BETWEEN 1 AND {DID_DAYS} THEN 1 ELSE 0 END)
          AS felony_post6,
        {", ".join(sums)}
      FROM e JOIN p ON p.person_key = e.person_key
      GROUP BY e.person_key
    ),
    f AS MATERIALIZED (
      SELECT p.person_key, p.lead, (p.fe - p.index_date) AS fu, {", ".join(f"a.{c}" for c in aggregates)}
      FROM p LEFT JOIN a ON a.person_key = p.person_key
    ),
    l AS (
      SELECT e.person_key, SUM(e.quantity) AS locked
      FROM e JOIN p ON p.person_key = e.person_key JOIN f ON f.person_key = e.person_key
      WHERE e.type IN ('jail_days', 'prison_days') AND {day} >= 1
        AND {day} <= COALESCE(f.first_arrest_fu, f.fu)
      GROUP BY e.person_key
    )
    SELECT f.*, COALESCE(l.locked, 0) AS locked{covs}
    FROM f JOIN people c ON c.person_key = f.person_key LEFT JOIN l ON l.person_key = f.person_key
    ORDER BY c.index_date, c.person_key
    """
    frame = db.sql(query)
    for column in frame.columns:
        if column.startswith(("post_", "pre_")) or column in ("arrest_pre6", "felony_pre6", "felony_post6"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0).astype(float)
    for column in ("first_arrest", "first_arrest_fu", "fu", "lead", "locked"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class Features:
    """What every section of the results is computed from (evidence/sections.py): the loaded inputs,
    the cutoff, and ``people``, one row per person (``person_features``)."""

    data: Database
    cutoff: date
    people: pd.DataFrame

    @property
    def n(self) -> dict[str, int]:
        lead = self.people["lead"]
        return {"lead": int((lead == 1).sum()), "comparison": int((lead == 0).sum())}

    @property
    def both_groups(self) -> bool:
        """Whether there is someone in LEAD and someone in the comparison group."""
        n = self.n
        return bool(n["comparison"] and n["lead"])


def followup_years(f: pd.DataFrame) -> np.ndarray:
    return f["fu"].to_numpy(dtype=float) / 365.25


def first_within(f: pd.DataFrame, column: str, days: int) -> np.ndarray:
    """1 where the first post-index event in ``column`` falls within ``days`` (NaN = none)."""
    values = f[column].to_numpy(dtype=float)
    return (np.nan_to_num(values, nan=np.inf) <= days).astype(int)


def features_of(people: pd.DataFrame, events: pd.DataFrame, cutoff: Any = None) -> pd.DataFrame:
    """The per-person features of data frames (the reference tests): checked and built in SQL like files."""
    data = Dataset.from_frames({"people": people, "events": events})
    try:
        if cutoff is None:
            cutoff = as_of_default(data)
        return person_features(data, cutoff)
    finally:
        data.close()


def monthly_patterns(db: Database, cutoff: date, outcome: str) -> pd.DataFrame:
    """Each person's monthly rows reduced to their pattern — (n0, k0) months 0 and how many of them had
    the outcome, (m, k) follow-up months and how many had it — and how many people share it: all the
    monthly GEE needs, and equal to the rows themselves (tests.test_sufficient)."""
    col = _q(outcome)
    return db.sql(f"""
    WITH p AS ({cohort(cutoff)}),
    s AS (
      SELECT m.person_key,
        COUNT(*) FILTER (WHERE m.month = 0) AS n0, COALESCE(SUM({col}) FILTER (WHERE m.month = 0), 0) AS k0,
        COUNT(*) FILTER (WHERE m.month >= 1) AS m, COALESCE(SUM({col}) FILTER (WHERE m.month >= 1), 0) AS k
      FROM monthly m JOIN p ON p.person_key = m.person_key
      GROUP BY m.person_key
    )
    SELECT n0, k0, m, k, COUNT(*) AS people FROM s GROUP BY n0, k0, m, k ORDER BY n0, k0, m, k
    """).astype(float)


def encounters(db: Database, cutoff: date) -> pd.DataFrame:
    return db.sql(
        "SELECT race, outcome, charge_filed, detained FROM encounters "
        f"WHERE date <= DATE '{cutoff.isoformat()}'"
    )


def table(db: Database, name: str) -> pd.DataFrame | None:
    return db.sql(f"SELECT * FROM {name}") if name in db.tables else None


def counts(db: Database, cutoff: date) -> dict[str, Any]:
    row = db.sql(
        f"WITH p AS ({cohort(cutoff)}) SELECT SUM(lead) AS lead, COUNT(*) - SUM(lead) AS comparison FROM p"
    )
    return {k: int(row[k].iloc[0] or 0) for k in ("lead", "comparison")}
