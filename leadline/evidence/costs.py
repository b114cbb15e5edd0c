"""Costs (EVIDENCE-DATA.md): criminal-justice and health costs per person-year, pre and post, priced by
the site's unit costs, with the program's cost, the savings and their bootstrap intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadline.evidence.features import Features, followup_years, table
from leadline.evidence.inputs import EVENT_TYPES
from leadline.evidence.intervals import number

# Illustrative defaults for a site that supplies no unit-cost table (shared/research, section B.6): every
# figure a site publishes should come from its own versioned table.
DEFAULT_UNIT_COSTS = {
    "booking": 150.0, "jail_days": 120.0, "prison_days": 110.0, "case_filed": 1161.0, "program_month": 532.0,
}  # fmt: skip
BOOTSTRAP = 1000


def _cents(x: Any) -> float | None:
    value = number(x)
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
        "savings_pct": number(round(100 * point["savings"] / annual["comparison"], 2))
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


def section(data: Features) -> dict[str, Any] | None:
    """The section, when both groups have people with follow-up."""
    if not data.both_groups:
        return None
    return costs(data.people, table(data.data, "unit_costs")) or None
