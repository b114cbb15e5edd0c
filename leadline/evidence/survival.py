"""Survival (EVIDENCE-DATA.md): days to the first re-arrest — Kaplan-Meier medians and curves, the
log-rank test, the Cox hazard ratio and its proportional-hazards check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from leadline.evidence.features import Features
from leadline.evidence.intervals import number, ratio


def survival(f: pd.DataFrame) -> dict[str, Any] | None:
    """Days at risk from the index to the first re-arrest, censored at follow-up end; days in jail or
    prison in between are not at risk. Kaplan-Meier medians, the log-rank test, and a Cox hazard ratio
    (Efron ties) with the proportional-hazards test (scaled Schoenfeld residuals against rank time) —
    all from the risk table at each distinct time (sufficient.RiskTable)."""
    from leadline.evidence.sufficient import RiskTable, wald_p  # lazy: loads scipy and statsmodels

    lead = f["lead"].to_numpy(dtype=int)
    if len(set(lead)) < 2:
        return None
    first = f["first_arrest_fu"].to_numpy(dtype=float)
    event = ~np.isnan(first)
    end = np.where(event, first, f["fu"].to_numpy(dtype=float)) - f["locked"].to_numpy(dtype=float)
    time = np.maximum(end, 0.5)
    if event.sum() == 0:
        return None
    table = RiskTable(time, event, lead)
    medians: dict[str, Any] = {}
    curves: dict[str, list[list[float]]] = {}
    for group, flag in (("lead", 1), ("comparison", 0)):
        median, points = table.km(flag)
        medians[group] = number(median) if median is not None else None
        step = max(1, len(points) // 60)  # at most about 60 points: enough to draw, not a list of people
        curves[group] = [[t, round(s, 4)] for t, s in points[::step]]
    cox = table.cox()
    if cox is not None and abs(cox[0]) < 20:
        beta, se = cox
        hr = ratio(beta, se, wald_p(beta, se), len(f))
        ph = table.ph_test_p(beta, se)
    else:  # separation (one group has every event before the other's first): no finite hazard ratio
        hr, ph = {"estimate": None, "ci_low": None, "ci_high": None, "p": None, "n": len(f)}, None
    return {
        "hazard_ratio": {k: hr[k] for k in ("estimate", "ci_low", "ci_high", "p", "n")},
        "median_days": medians,
        "logrank_p": number(table.logrank_p()),
        "ph_check_p": number(ph),
        # An addition to the contract (allowed): the Kaplan-Meier curves, thinned, for the charts.
        "curves": curves,
    }


def section(data: Features) -> dict[str, Any] | None:
    """The section, when both groups have people and someone was re-arrested."""
    return survival(data.people) if data.both_groups else None


def suppress_small(survival: dict[str, Any], small: Callable[[Any], bool]) -> None:
    """No curves in the public copy: a curve's last steps can count a handful of people."""
    survival.pop("curves", None)
