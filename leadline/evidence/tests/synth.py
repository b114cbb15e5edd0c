"""Synthetic evaluation data with planted effects, for the reference tests (and, later, the demo)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

INDEX = pd.Timestamp("2024-01-01")


def people_frame(
    group: np.ndarray, followup_days: np.ndarray | int = 800, **covs: np.ndarray
) -> pd.DataFrame:
    n = len(group)
    frame = pd.DataFrame({
        "person_key": [f"p{i:06d}" for i in range(n)],
        "group": np.where(group == 1, "lead", "comparison"),
        "index_date": INDEX,
        "followup_end": INDEX + pd.to_timedelta(np.broadcast_to(followup_days, n), unit="D"),
        "race": "Unknown",
    })  # fmt: skip
    for name, values in covs.items():
        frame[name] = values.astype(float)
    return frame


def events_frame(people: pd.DataFrame, who: np.ndarray, day: np.ndarray | int, kind: str = "arrest",
                 quantity: np.ndarray | float = 1.0) -> pd.DataFrame:  # fmt: skip
    keys = people["person_key"].to_numpy()[who]
    days = np.broadcast_to(day, len(who))[who] if np.ndim(day) else np.full(int(who.sum()), day)
    qty = np.broadcast_to(quantity, len(who))[who] if np.ndim(quantity) else np.full(int(who.sum()), quantity)
    return pd.DataFrame({
        "person_key": keys, "date": INDEX + pd.to_timedelta(days, unit="D"), "type": kind, "quantity": qty,
    })  # fmt: skip


def expit(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def covariates(people: pd.DataFrame) -> list[str]:
    return [c for c in people.columns if c.startswith("cov_")]


def monthly_patterns_of(monthly: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each outcome's monthly patterns, built in SQL like the engine's (everyone indexed on INDEX)."""
    from leadline.evidence.features import monthly_patterns as patterns
    from leadline.evidence.inputs import Dataset
    from leadline.evidence.monthly import MONTHLY

    keys = monthly["person_key"].drop_duplicates().to_numpy()
    people = people_frame(np.ones(len(keys), dtype=int))
    people["person_key"] = keys
    data = Dataset.from_frames({"people": people, "events": _no_events(), "monthly": monthly})
    try:
        cutoff = (INDEX + pd.Timedelta(days=800)).date()
        return {outcome: patterns(data, cutoff, outcome) for outcome in MONTHLY}
    finally:
        data.close()


def _no_events() -> pd.DataFrame:
    return pd.DataFrame({"person_key": pd.Series(dtype=str), "date": pd.Series(dtype="datetime64[ns]"),
                         "type": pd.Series(dtype=str), "quantity": pd.Series(dtype=float)})  # fmt: skip
