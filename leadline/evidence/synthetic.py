"""A synthetic evaluation folder for the demo site (issue #6: "the pages show a plausible program on
first run"): a LEAD cohort and a comparison cohort with administrative events, monthly status, eligible
encounters, the catchment's population and a unit-cost table — invented people, fixed seed, effects
of the size the Seattle evaluations reported (shared/research/lead-evaluation-methods.md, A1–A3).

Nothing here is real. The demo labels every page built on it as synthetic.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

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
    # The planted effects, of the size the Seattle evaluations reported (A1-A3): LEAD's hazard of re-arrest
    # is 0.55 times the comparison group's (an odds ratio of re-arrest near Seattle's 0.42, and a hazard
    # ratio near its 0.6), and its remaining arrests cost less time locked up (the liaison prosecutor
    # coordinates: Seattle's 39 fewer jail days a year and 88% lower odds of prison). The comparison group
    # are frequent arrestees (Santa Fe's baseline: about two arrests and 38 jail days a person-year).
    base_hazard = 1 / 290  # about 1.75 arrests a year without LEAD, at the cohort's priors
    effect = {"hazard": 0.55, "jail": (0.5, 2, 22), "prison": 0.05, "felony": 0.17}
    usual = {"hazard": 1.0, "jail": (0.75, 5, 55), "prison": 0.3, "felony": 0.12}

    def arrest(key: str, day: date, planted: dict[str, Any]) -> None:
        """One arrest and what follows it: a booking, a case filed (60%), a jail stay, sometimes a felony
        charge and, after some felonies, a prison term."""
        rows.append((key, day.isoformat(), "arrest", 1.0))
        rows.append((key, day.isoformat(), "booking", 1.0))
        if rng.random() < 0.6:
            rows.append((key, day.isoformat(), "case_filed", 1.0))
        share, shortest, longest = planted["jail"]
        if rng.random() < share:
            rows.append((key, day.isoformat(), "jail_days", float(rng.integers(shortest, longest))))
        if rng.random() < planted["felony"]:
            rows.append((key, day.isoformat(), "felony_charge", 1.0))
            if rng.random() < planted["prison"]:
                rows.append((key, day.isoformat(), "prison_days", float(rng.integers(180, 540))))

    for i in range(n):
        planted = effect if lead[i] else usual
        risk = base_hazard * np.exp(0.12 * priors[i]) * planted["hazard"]
        # Pre period: the year before the index, the same for both groups (nobody was in LEAD yet).
        for _ in range(rng.poisson(365 * base_hazard * np.exp(0.12 * priors[i]))):
            arrest(keys[i], index[i] - timedelta(days=int(rng.integers(1, 365))), usual)
        # Post period: re-arrests as a Poisson process.
        t = 0.0
        horizon = (followup[i] - index[i]).days
        while True:
            t += rng.exponential(1 / risk)
            if t > horizon:
                break
            arrest(keys[i], index[i] + timedelta(days=int(t) + 1), planted)
    pd.DataFrame(rows, columns=["person_key", "date", "type", "quantity"]).to_csv(
        folder / "events.csv", index=False
    )

    # Monthly status: each follow-up month's odds against the month before referral rise over the first
    # six months to the planted ratio (Seattle, A3: sheltered more than twice as likely, permanent housing
    # +89%, employment +46%, income or benefits +33% in the odds per month).
    planted_or = {"housed_permanent": 2.1, "sheltered": 2.5, "employed": 1.55, "income_any": 1.4}
    baseline = {"housed_permanent": -2.2, "sheltered": -1.0, "employed": -2.0, "income_any": -0.6}
    monthly = []
    for i in map(int, np.flatnonzero(lead == 1)):
        months = min(18, (as_of - index[i]).days // 30)
        for m in range(0, months + 1):
            ramp = min(m, 6) / 6
            monthly.append((keys[i], m, *(
                int(rng.random() < _expit(np.array(baseline[k] + np.log(planted_or[k]) * ramp)))
                for k in planted_or
            )))  # fmt: skip
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
