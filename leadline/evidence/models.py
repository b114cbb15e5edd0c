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


def _days(people: pd.DataFrame, events: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Events of one type joined to their person's index date, with days since the index."""
    joined = events[events["type"] == kind].merge(
        people[["person_key", "index_date", "followup_end"]], on="person_key", how="inner"
    )
    joined["day"] = (joined["date"] - joined["index_date"]).dt.days
    return joined


def any_between(people: pd.DataFrame, events: pd.DataFrame, kind: str, lo: int, hi: int) -> pd.Series:
    """Per person (people's order): 1 when an event of ``kind`` falls on day lo..hi after the index
    (inclusive; negative days are before it), else 0."""
    hits = _days(people, events, kind)
    hits = hits[(hits["day"] >= lo) & (hits["day"] <= hi)]
    return people["person_key"].isin(hits["person_key"]).astype(int)


def followup_days(people: pd.DataFrame) -> pd.Series:
    return (people["followup_end"] - people["index_date"]).dt.days


def windows(people: pd.DataFrame, events: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fu = followup_days(people)
    for label, days in WINDOWS.items():
        eligible = people[fu >= days]
        hit = any_between(eligible, events, "arrest", 1, days)
        groups = {}
        for group in ("lead", "comparison"):
            mask = (eligible["group"] == group).to_numpy()
            n, k = int(mask.sum()), int(hit[mask].sum())
            groups[group] = {"n": n, "events": k, "rate": _num(k / n) if n else None}
        out[label] = groups
    return out


def did_or(people: pd.DataFrame, events: pd.DataFrame, kind: str = "arrest") -> dict[str, Any] | None:
    """Difference-in-differences odds ratio: person-period rows (the 6 months before the index, the 6
    after), logistic GEE with group x post, exchangeable correlation, robust (sandwich) errors; the
    estimate is exp(interaction). People need the whole 6 months after."""
    import statsmodels.api as sm

    eligible = people[followup_days(people) >= DID_DAYS].reset_index(drop=True)
    if eligible["group"].nunique() < 2:
        return None
    pre = any_between(eligible, events, kind, -DID_DAYS, -1)
    post = any_between(eligible, events, kind, 1, DID_DAYS)
    lead = (eligible["group"] == "lead").astype(int).to_numpy()
    n = len(eligible)
    y = np.concatenate([pre.to_numpy(), post.to_numpy()])
    t = np.concatenate([lead, lead])
    after = np.concatenate([np.zeros(n), np.ones(n)])
    X = np.column_stack([np.ones(2 * n), t, after, t * after])
    groups = np.concatenate([np.arange(n), np.arange(n)])
    if y.min() == y.max():
        return None  # nobody (or everybody) had the event: no odds ratio to estimate
    model = sm.GEE(
        y, X, groups=groups, family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit()
    return ratio(fit.params[3], fit.bse[3], fit.pvalues[3], n)


def propensity(people: pd.DataFrame, events: pd.DataFrame) -> dict[str, Any]:
    """ATT and ATE odds ratios of any arrest in the first 6 months after the index, weighted by a logistic
    propensity model on every cov_* column; balance as the standardized mean difference of each covariate
    after weighting, and the effective sample size of the reweighted group(s)."""
    import statsmodels.api as sm

    covs = [c for c in people.columns if c.startswith("cov_")]
    eligible = people[followup_days(people) >= DID_DAYS].reset_index(drop=True)
    if not covs or eligible["group"].nunique() < 2:
        return {}
    y = any_between(eligible, events, "arrest", 1, DID_DAYS).to_numpy()
    t = (eligible["group"] == "lead").astype(int).to_numpy()
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
        X = sm.add_constant(t.astype(float), has_constant="add")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=w).fit(cov_type="HC0")
        result = ratio(fit.params[1], fit.bse[1], fit.pvalues[1], len(y))
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


def rates(people: pd.DataFrame, events: pd.DataFrame) -> dict[str, Any]:
    """Post-period counts (index exclusive to follow-up end) per person-year of exposure; the incidence
    rate ratio from a negative binomial (NB2) model with log exposure as offset. For *_days the quantity
    is the number of days."""
    import statsmodels.api as sm

    exposure = followup_days(people).to_numpy() / 365.25
    keep = exposure > 0
    people, exposure = people[keep].reset_index(drop=True), exposure[keep]
    t = (people["group"] == "lead").astype(int).to_numpy()
    out: dict[str, Any] = {}
    if len(set(t)) < 2:
        return out
    for kind in RATE_TYPES:
        hits = _days(people, events, kind)
        hits = hits[(hits["day"] >= 1) & (hits["date"] <= hits["followup_end"])]
        counts = hits.groupby("person_key")["quantity"].sum()
        y = people["person_key"].map(counts).fillna(0).to_numpy(dtype=float)
        rate_lead = y[t == 1].sum() / exposure[t == 1].sum()
        rate_comp = y[t == 0].sum() / exposure[t == 0].sum()
        row: dict[str, Any] = {
            "irr": None, "ci_low": None, "ci_high": None, "rate_lead": _num(rate_lead),
            "rate_comparison": _num(rate_comp), "rate_difference": _num(rate_lead - rate_comp), "n": len(y),
        }  # fmt: skip
        if y.sum() > 0 and y[t == 1].sum() > 0 and y[t == 0].sum() > 0:
            X = sm.add_constant(t.astype(float), has_constant="add")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = sm.NegativeBinomial(y, X, exposure=exposure, loglike_method="nb2").fit(
                    disp=0, maxiter=200
                )
            est = ratio(fit.params[1], fit.bse[1], fit.pvalues[1], len(y))
            row.update(irr=est["estimate"], ci_low=est["ci_low"], ci_high=est["ci_high"], p=est["p"])
        out[kind] = row
    return out


def survival(people: pd.DataFrame, events: pd.DataFrame) -> dict[str, Any] | None:
    """Days at risk from the index to the first re-arrest, censored at follow-up end; days in jail or
    prison in between are not at risk. Kaplan-Meier medians, the log-rank test, and a Cox hazard ratio
    with the proportional-hazards test (Schoenfeld residuals, rank time)."""
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test, proportional_hazard_test

    if people["group"].nunique() < 2:
        return None
    arrests = _days(people, events, "arrest")
    arrests = arrests[(arrests["day"] >= 1) & (arrests["date"] <= arrests["followup_end"])]
    first = arrests.groupby("person_key")["day"].min()
    fu = followup_days(people).to_numpy(dtype=float)
    first_day = people["person_key"].map(first).to_numpy(dtype=float)
    event = ~np.isnan(first_day)
    end = np.where(event, first_day, fu)
    locked = pd.concat([_days(people, events, k) for k in ("jail_days", "prison_days")])
    if len(locked):
        locked = locked.merge(pd.DataFrame({"person_key": people["person_key"], "end": end}), on="person_key")
        locked = locked[(locked["day"] >= 1) & (locked["day"] <= locked["end"])]
        away = locked.groupby("person_key")["quantity"].sum()
        end = end - people["person_key"].map(away).fillna(0).to_numpy(dtype=float)
    frame = pd.DataFrame({"T": np.maximum(end, 0.5), "E": event.astype(int),
                          "lead": (people["group"] == "lead").astype(int).to_numpy()})  # fmt: skip
    if frame["E"].sum() == 0:
        return None
    medians: dict[str, Any] = {}
    curves: dict[str, list[list[float]]] = {}
    for group, flag in (("lead", 1), ("comparison", 0)):
        part = frame[frame["lead"] == flag]
        km = KaplanMeierFitter().fit(part["T"], part["E"])
        medians[group] = _num(km.median_survival_time_)
        curve = km.survival_function_.iloc[:, 0]
        step = max(1, len(curve) // 60)  # at most about 60 points: enough to draw, not a list of people
        points = [
            [float(t), round(float(v), 4)]
            for t, v in zip(curve.index[::step], curve.to_numpy()[::step], strict=True)
        ]
        curves[group] = points
    lr = logrank_test(frame.loc[frame["lead"] == 1, "T"], frame.loc[frame["lead"] == 0, "T"],
                      frame.loc[frame["lead"] == 1, "E"], frame.loc[frame["lead"] == 0, "E"])  # fmt: skip
    with warnings.catch_warnings():  # a tiny or separated sample: the interval says so, the log need not
        warnings.simplefilter("ignore")
        cph = CoxPHFitter().fit(frame, duration_col="T", event_col="E")
    beta, se = float(cph.params_["lead"]), float(cph.standard_errors_["lead"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ph = proportional_hazard_test(cph, frame, time_transform="rank")
    hr = ratio(beta, se, float(cph.summary.loc["lead", "p"]), len(frame))
    return {
        "hazard_ratio": {k: hr[k] for k in ("estimate", "ci_low", "ci_high", "p", "n")},
        "median_days": medians,
        "logrank_p": _num(lr.p_value),
        "ph_check_p": _num(float(np.asarray(ph.p_value).ravel()[0])),
        # An addition to the contract (allowed): the Kaplan-Meier curves, thinned, for the charts.
        "curves": curves,
    }
