"""Disparity (EVIDENCE-DATA.md): the Relative Rate Index of each group against the reference group at
each stage of the funnel, from eligible encounter to detention."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from leadline.evidence.features import Features, encounters, table
from leadline.evidence.intervals import Z, number


def disparity(encounters: pd.DataFrame, population: pd.DataFrame | None, reference: str = "White",
              min_share: float = 0.01, min_cases: int = 50) -> dict[str, Any]:  # fmt: skip
    """The Relative Rate Index against the reference group at each stage of the funnel (OJJDP's DMC
    method): encounters per 1,000 residents; diverted per 100 eligible encounters; charges filed per 100
    encounters that were not diverted (the arrests); detained per 100 charged. Interval
    exp(ln RRI +/- 1.96 sqrt(1/a - 1/n1 + 1/c - 1/n2)); significant when it excludes 1; reportable when
    the group is at least ``min_share`` of the population and has at least ``min_cases`` at the stage."""
    races = sorted(set(encounters["race"]) | (set(population["race"]) if population is not None else set()))
    residents = (
        dict(zip(population["race"], population["residents"], strict=True)) if population is not None else {}
    )
    total_residents = sum(residents.values())
    e = encounters
    stages: dict[str, tuple[pd.Series, pd.Series | None, float]] = {
        "encounter": (e.groupby("race").size(), None, 1000.0),
        "diverted": (e[e["outcome"] == "diverted"].groupby("race").size(), e.groupby("race").size(), 100.0),
        "charge_filed": (e[e["charge_filed"] == 1].groupby("race").size(),
                         e[e["outcome"] == "arrested"].groupby("race").size(), 100.0),
        "detained": (e[e["detained"] == 1].groupby("race").size(),
                     e[e["charge_filed"] == 1].groupby("race").size(), 100.0),
    }  # fmt: skip
    out: dict[str, Any] = {"reference": reference, "stages": {}}
    for stage, (counts, bases, per) in stages.items():
        groups: dict[str, Any] = {}
        rates: dict[str, tuple[float, float, float]] = {}
        for race in races:
            a = float(counts.get(race, 0))
            n = float(residents.get(race, 0)) if bases is None else float(bases.get(race, 0))
            rate = a / n * per if n > 0 and (bases is not None or residents) else None
            groups[race] = {"count": int(a), "base": int(n) if (bases is not None or residents) else None,
                            "rate": number(rate)}  # fmt: skip
            rates[race] = (a, n, rate if rate is not None else math.nan)
        ref = rates.get(reference)
        for race, g in groups.items():
            a, n, rate = rates[race]
            g.update(rri=None, ci_low=None, ci_high=None, significant=None)
            if (
                ref is not None
                and ref[2]
                and ref[0] > 0
                and a > 0
                and not math.isnan(rate)
                and not math.isnan(ref[2])
            ):
                c, n2 = ref[0], ref[1]
                rri = rate / ref[2]
                var = 1 / a - 1 / n + 1 / c - 1 / n2
                se = math.sqrt(max(var, 0.0))
                lo, hi = math.exp(math.log(rri) - Z * se), math.exp(math.log(rri) + Z * se)
                g.update(rri=number(rri), ci_low=number(lo), ci_high=number(hi),
                         significant=bool(lo > 1 or hi < 1))  # fmt: skip
            share = residents.get(race, 0) / total_residents if total_residents else None
            g["reportable"] = bool((share is None or share >= min_share) and a >= min_cases)
        out["stages"][stage] = {"total": int(sum(v[0] for v in rates.values())), "groups": groups}
    return out


def section(data: Features) -> dict[str, Any] | None:
    """The section, when the ``encounters`` file was given."""
    if "encounters" not in data.data:
        return None
    return disparity(encounters(data.data, data.cutoff), table(data.data, "population"))


RATIO_KEYS = ("rate", "rri", "ci_low", "ci_high", "significant")


def suppress_small(disparity: dict[str, Any], small: Callable[[Any], bool]) -> None:
    """Stage by stage: hide a group's count when it, or its complement (base minus count), is small; a
    stage with a single hidden group hides the next-smallest too (the total would give it away); a
    group hidden at one stage has its base hidden at the next (the base there is built from the cell
    hidden here); and a hidden reference group hides every ratio of its stage."""
    if not disparity:
        return
    carried: set[str] = set()
    for stage in disparity["stages"].values():
        groups = stage["groups"]
        hidden = {
            r
            for r, g in groups.items()
            if small(g["count"]) or (g["base"] is not None and small(g["base"] - g["count"]))
        }
        visible = sorted((g["count"], r) for r, g in groups.items() if r not in hidden and g["count"])
        if len(hidden) == 1 and visible:
            hidden.add(visible[0][1])
        for race in carried:
            if race in groups:
                groups[race]["base"] = None
                groups[race].update(dict.fromkeys(RATIO_KEYS))
        for race in hidden:
            groups[race]["count"] = None
            groups[race].update(dict.fromkeys(RATIO_KEYS))
            groups[race]["reportable"] = False
        if disparity["reference"] in hidden | carried:
            for g in groups.values():
                g.update(dict.fromkeys(("rri", "ci_low", "ci_high", "significant")))
        carried = hidden
        if small(stage["total"]):
            stage["total"] = None
