"""Costs, monthly outcomes and the disparity funnel (EVIDENCE-DATA.md), and small-cell suppression for
`--public`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from leadline.evidence.inputs import EVENT_TYPES
from leadline.evidence.models import Z, _num, followup_years, ratio

# Illustrative defaults for a site that supplies no unit-cost table (shared/research, section B.6): every
# figure a site publishes should come from its own versioned table.
DEFAULT_UNIT_COSTS = {
    "booking": 150.0, "jail_days": 120.0, "prison_days": 110.0, "case_filed": 1161.0, "program_month": 532.0,
}  # fmt: skip
BOOTSTRAP = 1000


def _cents(x: Any) -> float | None:
    value = _num(x)
    return None if value is None else round(value, 2)


def costs(f: pd.DataFrame, unit_costs: pd.DataFrame | None, seed: int = 20240601) -> dict[str, Any]:
    """Criminal-justice and health costs per person-year, pre (the 365 days before the index) and post
    (after the index to follow-up end), priced by the unit-cost table; difference-in-differences of the
    change; the annual total with the program's cost (program_month x 12) for LEAD; savings; and
    percentile bootstrap intervals (1,000 resamples of people within each group, see ``_resampled``)."""
    prices = dict(DEFAULT_UNIT_COSTS)
    if unit_costs is not None and len(unit_costs):
        prices = {
            **{k: 0.0 for k in prices},
            **dict(zip(unit_costs["item"], unit_costs["dollars"], strict=True)),
        }
    pre_cost = np.zeros(len(f))
    post_cost = np.zeros(len(f))
    for kind in EVENT_TYPES:
        price = float(prices.get(kind, 0.0))
        if price:
            pre_cost += f[f"pre_{kind}"].to_numpy(dtype=float) * price
            post_cost += f[f"post_{kind}"].to_numpy(dtype=float) * price
    years = followup_years(f)
    keep = years > 0
    lead = f["lead"].to_numpy(dtype=int)[keep] == 1
    pre, post, years = pre_cost[keep], post_cost[keep], years[keep]
    program = prices.get("program_month", 0.0) * 12
    if lead.all() or not lead.any():
        return {}

    def summary(sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """From each group's (n, Σpre, Σpost, Σyears) — scalars, or one per bootstrap replicate."""
        out = {}
        for name in ("lead", "comparison"):
            n, pre_sum, post_sum, year_sum = sums[name]
            out[f"pre_{name}"] = pre_sum / n  # the pre period is one year for everyone
            out[f"post_{name}"] = post_sum / year_sum
        out["did"] = (out["post_lead"] - out["pre_lead"]) - (out["post_comparison"] - out["pre_comparison"])
        out["savings"] = out["post_comparison"] - (out["post_lead"] + program)
        return out

    columns = np.column_stack([pre, post, years])
    groups = {"lead": columns[lead], "comparison": columns[~lead]}
    point = summary({g: np.array([len(x), *x.sum(axis=0)]) for g, x in groups.items()})
    rng = np.random.default_rng(seed)
    replicates = summary({g: _resampled(x, rng) for g, x in groups.items()})
    draws = {"did": replicates["did"], "savings": replicates["savings"]}
    annual = {"lead": point["post_lead"] + program, "comparison": point["post_comparison"]}
    return {
        "pre": {"lead": _cents(point["pre_lead"]), "comparison": _cents(point["pre_comparison"])},
        "post": {"lead": _cents(point["post_lead"]), "comparison": _cents(point["post_comparison"])},
        "change": {
            "lead": _cents(point["post_lead"] - point["pre_lead"]),
            "comparison": _cents(point["post_comparison"] - point["pre_comparison"]),
        },
        "did": _cents(point["did"]),
        "annual_total": {"lead": _cents(annual["lead"]), "comparison": _cents(annual["comparison"])},
        "savings": _cents(point["savings"]),
        "savings_pct": _num(round(100 * point["savings"] / annual["comparison"], 2))
        if annual["comparison"]
        else None,
        "bootstrap_ci": {
            name: {
                "ci_low": _cents(float(np.percentile(values, 2.5))),
                "ci_high": _cents(float(np.percentile(values, 97.5))),
            }
            for name, values in draws.items()
        }
        | {"replicates": BOOTSTRAP},
    }


EXACT_BOOTSTRAP_MAX = 20_000


def _resampled(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """BOOTSTRAP replicates of a group's (n, Σpre, Σpost, Σyears), people drawn with replacement.
    Up to EXACT_BOOTSTRAP_MAX people they are drawn one by one; above it (where drawing a million
    people a thousand times would take most of the run) each replicate's three sums are drawn from their
    exact bootstrap distribution's mean and covariance (n times the people's), which the central limit
    theorem makes normal at that size: every statistic is still computed from the drawn sums, so the
    ratios keep their skew. tests/test_sufficient compares the two at the threshold."""
    n = len(x)
    if n <= EXACT_BOOTSTRAP_MAX:
        sums = np.empty((BOOTSTRAP, 3))
        for b in range(BOOTSTRAP):
            sums[b] = x[rng.integers(0, n, size=n)].sum(axis=0)
    else:
        mean = x.mean(axis=0)
        cov = np.cov(x, rowvar=False, bias=True)
        sums = rng.multivariate_normal(n * mean, n * cov, size=BOOTSTRAP, method="eigh")
    return np.vstack([np.full(BOOTSTRAP, float(n)), sums.T])


MONTHLY = ("housed_permanent", "sheltered", "employed", "income_any")


def monthly(patterns: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Within-person monthly odds ratios: each follow-up month against month 0 (the month before
    referral), logistic GEE grouped by person, exchangeable correlation, robust errors — fitted on each
    outcome's patterns (features.monthly_patterns, sufficient.gee_monthly)."""
    from leadline.evidence.sufficient import gee_monthly, wald_p

    out: dict[str, Any] = {}
    for outcome in MONTHLY:
        pat = patterns.get(outcome)
        if pat is None or pat.empty:
            continue
        f = pat["people"].to_numpy()
        rows0, rows1 = (f * pat["n0"]).sum(), (f * pat["m"]).sum()
        events = (f * (pat["k0"] + pat["k"])).sum()
        if rows0 == 0 or rows1 == 0 or events == 0 or events == rows0 + rows1:
            continue
        fit = gee_monthly(pat["n0"], pat["k0"], pat["m"], pat["k"], f)
        if fit is None:
            continue
        est = ratio(fit[0], fit[1], wald_p(*fit), int(f.sum()))
        out[outcome] = {"or": est["estimate"], "ci_low": est["ci_low"], "ci_high": est["ci_high"],
                        "p": est["p"], "n": est["n"]}  # fmt: skip
    return out


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
                            "rate": _num(rate)}  # fmt: skip
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
                g.update(rri=_num(rri), ci_low=_num(lo), ci_high=_num(hi), significant=bool(lo > 1 or hi < 1))
            share = residents.get(race, 0) / total_residents if total_residents else None
            g["reportable"] = bool((share is None or share >= min_share) and a >= min_cases)
        out["stages"][stage] = {"total": int(sum(v[0] for v in rates.values())), "groups": groups}
    return out


def suppress(result: dict[str, Any], threshold: int = 10) -> dict[str, Any]:
    """Small cells for public output (PRODUCT §4 rule 8): no count from 1 to ``threshold``, and nothing
    from which one can be derived — a rate or ratio built on a suppressed cell is null, a complement
    (base minus count) in range suppresses its count, and where a total would reveal a single
    suppressed cell the next-smallest cell is suppressed too (complementary suppression)."""
    import copy

    out = copy.deepcopy(result)

    def small(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool) and 1 <= x <= threshold

    for name, value in out.get("n", {}).items():
        if small(value):
            out["n"][name] = None
    for window in out.get("recidivism", {}).get("windows", {}).values():
        for g in window.values():
            if small(g["n"]):
                g["n"] = g["events"] = g["rate"] = None
            elif small(g["events"]) or (g["n"] is not None and small(g["n"] - g["events"])):
                g["events"] = g["rate"] = None
    _suppress_funnel(out.get("disparity"), small)
    if "survival" in out:
        out["survival"].pop("curves", None)  # a curve's last steps can count a handful of people
    _safety_net(out, small)
    # An addition to the contract (allowed): what was hidden, so a report can say so whatever the site's
    # threshold is by the time it is read.
    out["suppression"] = {"threshold": threshold}
    return out


RATIO_KEYS = ("rate", "rri", "ci_low", "ci_high", "significant")


def _suppress_funnel(disparity: dict[str, Any] | None, small: Any) -> None:
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


COUNT_KEYS = ("n", "events", "count", "base", "total")


def _safety_net(node: Any, small: Any) -> None:
    """Whatever the sections above missed: an estimate built on 1..threshold people shows no number, and
    no count-like key anywhere carries a small value."""
    if isinstance(node, dict):
        if small(node.get("n")) and isinstance(node.get("n"), int):
            for key, value in node.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    node[key] = None
        for key, value in node.items():
            if key in COUNT_KEYS and isinstance(value, int) and not isinstance(value, bool) and small(value):
                node[key] = None
            else:
                _safety_net(value, small)
    elif isinstance(node, list):
        for item in node:
            _safety_net(item, small)
