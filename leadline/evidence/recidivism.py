"""Recidivism (EVIDENCE-DATA.md): re-arrest within each window, the difference-in-differences odds ratios
(any arrest, felony charges) and the propensity-weighted odds ratios (ATT, ATE) with their balance.

Windows are in days: 6 months = 183, 12 = 365, 24 = 730 (a month is 365.25 / 12 = 30.44 days; whole days
because events are dated by day). "Post" starts the day after the index date, so the index arrest of a
comparison person is never counted as a re-arrest.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from leadline.evidence.features import Features, first_within
from leadline.evidence.intervals import number, ratio

WINDOWS = {"6m": 183, "12m": 365, "24m": 730}
DID_DAYS = 183  # the person-period rows of the difference-in-differences: 6 months before, 6 after


def windows(f: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fu, lead = f["fu"].to_numpy(), f["lead"].to_numpy()
    for label, days in WINDOWS.items():
        eligible = fu >= days
        hit = first_within(f, "first_arrest", days)
        groups = {}
        for group, flag in (("lead", 1), ("comparison", 0)):
            mask = eligible & (lead == flag)
            n, k = int(mask.sum()), int(hit[mask].sum())
            groups[group] = {"n": n, "events": k, "rate": number(k / n) if n else None}
        out[label] = groups
    return out


def did_or(f: pd.DataFrame, kind: str = "arrest") -> dict[str, Any] | None:
    """Difference-in-differences odds ratio: person-period rows (the 6 months before the index, the 6
    after), logistic GEE with group x post, exchangeable correlation, robust (sandwich) errors; the
    estimate is exp(interaction). People need the whole 6 months after. Fitted on the four cells and
    each group's covariance of (before, after): the same estimate and robust interval as the fit on
    the rows (sufficient.did)."""
    from leadline.evidence.sufficient import did, wald_p  # lazy: loads scipy and statsmodels

    eligible = f[f["fu"] >= DID_DAYS]
    t = eligible["lead"].to_numpy(dtype=int)
    if len(set(t)) < 2:
        return None
    if kind == "arrest":
        pre, post = eligible["arrest_pre6"].to_numpy(), first_within(eligible, "first_arrest", DID_DAYS)
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

    from leadline.evidence.sufficient import wald_p, weighted_or  # lazy: loads scipy and statsmodels

    eligible = f[f["fu"] >= DID_DAYS]
    t = eligible["lead"].to_numpy(dtype=int)
    if not covs or len(set(t)) < 2:
        return {}
    y = first_within(eligible, "first_arrest", DID_DAYS)
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
        result["balance"] = {c: number(smd(Xc[:, i], t, w)) for i, c in enumerate(covs)}
        reweighted = w[t == 0] if estimand == "att_or" else w
        result["ess"] = number(reweighted.sum() ** 2 / (reweighted**2).sum())
        out[estimand] = result
    return out


def smd(x: np.ndarray, t: np.ndarray, w: np.ndarray) -> float:
    """Weighted standardized mean difference (treated minus comparison), over the pooled unweighted SD."""
    m1 = np.average(x[t == 1], weights=w[t == 1])
    m0 = np.average(x[t == 0], weights=w[t == 0])
    pooled = math.sqrt((x[t == 1].var(ddof=1) + x[t == 0].var(ddof=1)) / 2)
    return float((m1 - m0) / pooled) if pooled > 0 else 0.0


def section(data: Features) -> dict[str, Any]:
    """The section: every window, and each odds ratio the data allow."""
    f = data.people
    recidivism: dict[str, Any] = {"windows": windows(f)}
    did = did_or(f)
    if did is not None:
        recidivism["did_or"] = did
    recidivism.update(propensity(f, data.data.covariates))
    felony = did_or(f, kind="felony_charge")
    if felony is not None:
        recidivism["felony_did_or"] = felony
    return recidivism


def suppress_small(recidivism: dict[str, Any], small: Callable[[Any], bool]) -> None:
    """A window's group with few people shows nothing; one with few events (or few without) hides them."""
    for window in recidivism.get("windows", {}).values():
        for g in window.values():
            if small(g["n"]):
                g["n"] = g["events"] = g["rate"] = None
            elif small(g["events"]) or (g["n"] is not None and small(g["n"] - g["events"])):
                g["events"] = g["rate"] = None
