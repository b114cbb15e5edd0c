"""The estimates of EVIDENCE-DATA.md, each with its n, estimate and 95% interval.

Windows are in days: 6 months = 183, 12 = 365, 24 = 730 (a month is 365.25 / 12 = 30.44 days; whole days
because events are dated by day). "Post" starts the day after the index date, so the index arrest of a
comparison person is never counted as a re-arrest.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

WINDOWS = {"6m": 183, "12m": 365, "24m": 730}
PRE_DAYS = 365
DID_DAYS = 183  # the person-period rows of the difference-in-differences: 6 months before, 6 after
Z = 1.959963984540054


def _num(x: Any) -> float | None:
    """A plain number for JSON (None for NaN/inf)."""
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _exp(x: float) -> float:
    return math.exp(x) if x < 700 else math.inf  # a diverged fit (separation) gives no number, not a crash


def ratio(beta: float, se: float, p: float | None, n: int) -> dict[str, Any]:
    return {
        "estimate": _num(_exp(beta)), "ci_low": _num(_exp(beta - Z * se)),
        "ci_high": _num(_exp(beta + Z * se)), "p": _num(p), "n": int(n),
    }  # fmt: skip


def followup_years(f: pd.DataFrame) -> np.ndarray:
    return f["fu"].to_numpy(dtype=float) / 365.25


def features_of(people: pd.DataFrame, events: pd.DataFrame, cutoff: Any = None) -> pd.DataFrame:
    """The per-person features of data frames (the reference tests): checked and built in SQL like files."""
    from leadline.evidence.features import person_features
    from leadline.evidence.inputs import Dataset

    data = Dataset.from_frames({"people": people, "events": events})
    try:
        if cutoff is None:
            from leadline.evidence.inputs import as_of_default

            cutoff = as_of_default(data)
        return person_features(data, cutoff)
    finally:
        data.close()


def _hit(f: pd.DataFrame, column: str, days: int) -> np.ndarray:
    """1 where the first post-index event in ``column`` falls within ``days`` (NaN = none)."""
    values = f[column].to_numpy(dtype=float)
    return (np.nan_to_num(values, nan=np.inf) <= days).astype(int)


def windows(f: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fu, lead = f["fu"].to_numpy(), f["lead"].to_numpy()
    for label, days in WINDOWS.items():
        eligible = fu >= days
        hit = _hit(f, "first_arrest", days)
        groups = {}
        for group, flag in (("lead", 1), ("comparison", 0)):
            mask = eligible & (lead == flag)
            n, k = int(mask.sum()), int(hit[mask].sum())
            groups[group] = {"n": n, "events": k, "rate": _num(k / n) if n else None}
        out[label] = groups
    return out


def did_or(f: pd.DataFrame, kind: str = "arrest") -> dict[str, Any] | None:
    """Difference-in-differences odds ratio: person-period rows (the 6 months before the index, the 6
    after), logistic GEE with group x post, exchangeable correlation, robust (sandwich) errors; the
    estimate is exp(interaction). People need the whole 6 months after. Fitted on the four cells and
    each group's covariance of (before, after): the same estimate and robust interval as the fit on
    the rows (sufficient.did)."""
    from leadline.evidence.sufficient import did, wald_p

    eligible = f[f["fu"] >= DID_DAYS]
    t = eligible["lead"].to_numpy(dtype=int)
    if len(set(t)) < 2:
        return None
    if kind == "arrest":
        pre, post = eligible["arrest_pre6"].to_numpy(), _hit(eligible, "first_arrest", DID_DAYS)
    else:
        pre, post = eligible["felony_pre6"].to_numpy(), eligible["felony_post6"].to_numpy()
    y = np.concatenate([pre, post])
    if y.min() == y.max():
        return None  # nobody (or everybody) had the event: no odds ratio to estimate
    fit = did(t, pre, post)
    if fit is None:
        return None
    beta, se = fit
    return ratio(beta, se, wald_p(beta, se), len(t))


def propensity(f: pd.DataFrame, covs: list[str]) -> dict[str, Any]:
    """ATT and ATE odds ratios of any arrest in the first 6 months after the index, weighted by a logistic
    propensity model on every cov_* column; balance as the standardized mean difference of each covariate
    after weighting, and the effective sample size of the reweighted group(s). The propensity model is
    fitted on the people; the weighted outcome model on its weighted sums (sufficient.weighted_or)."""
    import statsmodels.api as sm

    from leadline.evidence.sufficient import wald_p, weighted_or

    eligible = f[f["fu"] >= DID_DAYS]
    t = eligible["lead"].to_numpy(dtype=int)
    if not covs or len(set(t)) < 2:
        return {}
    y = _hit(eligible, "first_arrest", DID_DAYS)
    Xc = eligible[covs].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ps = sm.Logit(t, sm.add_constant(Xc, has_constant="add")).fit(disp=0).predict()
    ps = np.clip(ps, 1e-6, 1 - 1e-6)
    out: dict[str, Any] = {}
    for estimand, w in (
        ("att_or", np.where(t == 1, 1.0, ps / (1 - ps))),
        ("ate_or", np.where(t == 1, 1 / ps, 1 / (1 - ps))),
    ):
        if y.min() == y.max():
            continue
        fit = weighted_or(y, t, w)
        if fit is None:
            continue
        beta, se = fit
        result = ratio(beta, se, wald_p(beta, se), len(y))
        result["balance"] = {c: _num(smd(Xc[:, i], t, w)) for i, c in enumerate(covs)}
        reweighted = w[t == 0] if estimand == "att_or" else w
        result["ess"] = _num(reweighted.sum() ** 2 / (reweighted**2).sum())
        out[estimand] = result
    return out


def smd(x: np.ndarray, t: np.ndarray, w: np.ndarray) -> float:
    """Weighted standardized mean difference (treated minus comparison), over the pooled unweighted SD."""
    m1 = np.average(x[t == 1], weights=w[t == 1])
    m0 = np.average(x[t == 0], weights=w[t == 0])
    pooled = math.sqrt((x[t == 1].var(ddof=1) + x[t == 0].var(ddof=1)) / 2)
    return float((m1 - m0) / pooled) if pooled > 0 else 0.0


RATE_TYPES = ("booking", "jail_days", "prison_days", "case_filed")


def rates(f: pd.DataFrame) -> dict[str, Any]:
    """Post-period counts (index exclusive to follow-up end) per person-year of exposure; the incidence
    rate ratio from a negative binomial (NB2) model with log exposure as offset, fitted on the distinct
    (group, count, exposure) rows weighted by how many people share each (sufficient.nb2). For *_days
    the quantity is the number of days."""
    from leadline.evidence.sufficient import compress, nb2, wald_p

    exposure = followup_years(f)
    keep = exposure > 0
    f, exposure = f[keep], exposure[keep]
    t = f["lead"].to_numpy(dtype=int)
    out: dict[str, Any] = {}
    if len(set(t)) < 2:
        return out
    for kind in RATE_TYPES:
        y = f[f"post_{kind}"].to_numpy(dtype=float)
        rate_lead = y[t == 1].sum() / exposure[t == 1].sum()
        rate_comp = y[t == 0].sum() / exposure[t == 0].sum()
        row: dict[str, Any] = {
            "irr": None, "ci_low": None, "ci_high": None, "rate_lead": _num(rate_lead),
            "rate_comparison": _num(rate_comp), "rate_difference": _num(rate_lead - rate_comp), "n": len(y),
        }  # fmt: skip
        if y.sum() > 0 and y[t == 1].sum() > 0 and y[t == 0].sum() > 0:
            (ct, cy, ce), freq = compress(t, y, f["fu"].to_numpy(dtype=float))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = nb2(cy, ct, ce / 365.25, freq)
            if fit is not None:
                est = ratio(fit[0], fit[1], wald_p(*fit), len(y))
                row.update(irr=est["estimate"], ci_low=est["ci_low"], ci_high=est["ci_high"], p=est["p"])
        out[kind] = row
    return out


def survival(f: pd.DataFrame) -> dict[str, Any] | None:
    """Days at risk from the index to the first re-arrest, censored at follow-up end; days in jail or
    prison in between are not at risk. Kaplan-Meier medians, the log-rank test, and a Cox hazard ratio
    (Efron ties) with the proportional-hazards test (scaled Schoenfeld residuals against rank time) —
    all from the risk table at each distinct time (sufficient.RiskTable)."""
    from leadline.evidence.sufficient import RiskTable, wald_p

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
        medians[group] = _num(median) if median is not None else None
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
        "logrank_p": _num(table.logrank_p()),
        "ph_check_p": _num(ph),
        # An addition to the contract (allowed): the Kaplan-Meier curves, thinned, for the charts.
        "curves": curves,
    }
