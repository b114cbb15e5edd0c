"""A synthetic evaluation folder for the demo site (issue #6: "the pages show a plausible program on
first run"): a LEAD cohort and a comparison cohort with administrative events, monthly status, eligible
encounters, the catchment's population and a unit-cost table — invented people, fixed seed, effects
of the size the Seattle evaluations reported (shared/research/lead-evaluation-methods.md, A1–A3).

Nothing here is real. The demo labels every page built on it as synthetic.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

RACES = ["Black", "White", "Hispanic", "Asian", "Other"]
RESIDENTS = {"Black": 84_000, "White": 152_000, "Hispanic": 44_000, "Asian": 9_000, "Other": 11_000}


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def write(
    folder: Path | str, as_of: date, n_lead: int = 320, n_comparison: int = 300, seed: int = 2024
) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = n_lead + n_comparison
    lead = np.r_[np.ones(n_lead, dtype=int), np.zeros(n_comparison, dtype=int)]
    priors = rng.poisson(np.where(lead == 1, 3.2, 2.6))  # diverted people had somewhat more prior arrests
    start = as_of - timedelta(days=900)
    index = np.array([start + timedelta(days=int(d)) for d in rng.integers(0, 720, size=n)])
    followup = np.array([as_of for _ in range(n)])
    race = rng.choice(RACES, size=n, p=[0.52, 0.30, 0.12, 0.02, 0.04])
    keys = [f"demo{i:05d}" for i in range(n)]
    pd.DataFrame({
        "person_key": keys, "group": np.where(lead == 1, "lead", "comparison"),
        "index_date": [d.isoformat() for d in index], "followup_end": [d.isoformat() for d in followup],
        "race": race, "sex": rng.choice(["F", "M"], size=n, p=[0.39, 0.61]),
        "birth_year": rng.integers(1960, 2003, size=n), "cov_prior_arrests": priors,
    }).to_csv(folder / "people.csv", index=False)  # fmt: skip

    rows: list[tuple[str, str, str, float]] = []
    base_hazard = 1 / 420  # a re-arrest about every 14 months without LEAD
    for i in range(n):
        risk = base_hazard * np.exp(0.12 * priors[i]) * (0.55 if lead[i] else 1.0)
        # Pre period: arrests in the year before the index.
        for _ in range(rng.poisson(365 * base_hazard * np.exp(0.12 * priors[i]))):
            day = index[i] - timedelta(days=int(rng.integers(1, 365)))
            rows.append((keys[i], day.isoformat(), "arrest", 1.0))
            rows.append((keys[i], day.isoformat(), "booking", 1.0))
        # Post period: re-arrests as a Poisson process, each with a booking, some jail days and a case.
        t = 0.0
        horizon = (followup[i] - index[i]).days
        while True:
            t += rng.exponential(1 / risk)
            if t > horizon:
                break
            day = index[i] + timedelta(days=int(t) + 1)
            rows.append((keys[i], day.isoformat(), "arrest", 1.0))
            rows.append((keys[i], day.isoformat(), "booking", 1.0))
            if rng.random() < 0.6:
                rows.append((keys[i], day.isoformat(), "case_filed", 1.0))
            if rng.random() < 0.4:
                rows.append((keys[i], day.isoformat(), "jail_days", float(rng.integers(1, 20))))
            if rng.random() < 0.12:
                rows.append((keys[i], day.isoformat(), "felony_charge", 1.0))
    pd.DataFrame(rows, columns=["person_key", "date", "type", "quantity"]).to_csv(
        folder / "events.csv", index=False
    )

    monthly = []
    for i in map(int, np.flatnonzero(lead == 1)):
        months = min(18, (as_of - index[i]).days // 30)
        for m in range(0, months + 1):
            lift = 0.0 if m == 0 else 0.05 * min(m, 12)
            monthly.append((keys[i], m, int(rng.random() < _expit(np.array(-2.2 + 1.1 * lift * 12 / 6))),
                            int(rng.random() < _expit(np.array(-1.0 + lift * 10))),
                            int(rng.random() < _expit(np.array(-2.0 + lift * 5))),
                            int(rng.random() < _expit(np.array(-0.6 + lift * 4)))))  # fmt: skip
    columns = ["person_key", "month", "housed_permanent", "sheltered", "employed", "income_any"]
    pd.DataFrame(monthly, columns=columns).to_csv(folder / "monthly.csv", index=False)

    encounters = []
    divert = {"Black": 0.34, "White": 0.48, "Hispanic": 0.40, "Asian": 0.45, "Other": 0.42}
    rate = {"Black": 0.036, "White": 0.012, "Hispanic": 0.02, "Asian": 0.008, "Other": 0.015}
    k = 0
    for group, residents in RESIDENTS.items():
        for _ in range(rng.poisson(residents * rate[group])):
            diverted = rng.random() < divert[group]
            charged = (not diverted) and rng.random() < 0.7
            day = as_of - timedelta(days=int(rng.integers(1, 365)))
            encounters.append((f"enc{k:06d}", day.isoformat(), group, "diverted" if diverted else "arrested",
                               int(charged), int(charged and rng.random() < 0.35)))  # fmt: skip
            k += 1
    pd.DataFrame(encounters, columns=["encounter_key", "date", "race", "outcome", "charge_filed", "detained"]
                 ).to_csv(folder / "encounters.csv", index=False)  # fmt: skip
    pd.DataFrame({"race": list(RESIDENTS), "residents": list(RESIDENTS.values())}).to_csv(
        folder / "population.csv", index=False
    )
    pd.DataFrame({
        "item": ["booking", "jail_days", "prison_days", "case_filed", "program_month"],
        "dollars": [150, 120, 110, 1161, 532], "dollar_year": [2024] * 5,
        "source": ["illustrative (demo)"] * 5,
    }).to_csv(folder / "unit_costs.csv", index=False)  # fmt: skip
    return folder
