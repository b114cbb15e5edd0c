"""The proof the Speed section asks for: every model the engine fits on sufficient statistics gives the
estimate and the robust interval of the textbook fit on the raw rows (statsmodels, lifelines), on data
with the features that make it hard (correlated before/after, unequal weights, overdispersion, tied
times, unbalanced monthly clusters).

Tolerances: the closed forms agree with the iterative fits to their convergence tolerance (statsmodels
GEE stops at a score norm of 1e-6, lifelines' Newton at a step of 1e-7), so 1e-5 relative; NB2 is
compared with statsmodels' Newton fit (its default BFGS stops short of the maximum: a lower
log-likelihood, 2e-4 off on the estimate), 1e-6 on the estimate and 1e-4 on the standard error (ours
comes from central differences of the analytic gradient, statsmodels' from its analytic Hessian).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from leadline.evidence import costs
from leadline.evidence import sufficient as S

warnings.filterwarnings("ignore", category=RuntimeWarning)


def fitted(fit: tuple[float, float] | None) -> tuple[float, float]:
    assert fit is not None
    return fit


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def test_did_in_closed_form_is_the_exchangeable_gee_on_person_periods(rng):
    n = 3000
    t = (rng.random(n) < 0.4).astype(int)
    pre = (rng.random(n) < 0.3 + 0.1 * t).astype(int)
    post = (rng.random(n) < 0.2 + 0.3 * pre - 0.1 * t).astype(int)  # before and after correlated
    beta, se = fitted(S.did(t, pre, post))
    y = np.concatenate([pre, post])
    tt, after = np.concatenate([t, t]), np.repeat([0, 1], n)
    X = np.column_stack([np.ones(2 * n), tt, after, tt * after])
    fit = sm.GEE(y, X, groups=np.concatenate([np.arange(n)] * 2), family=sm.families.Binomial(),
                 cov_struct=sm.cov_struct.Exchangeable()).fit()  # fmt: skip
    assert beta == pytest.approx(fit.params[3], rel=1e-5)
    assert se == pytest.approx(fit.bse[3], rel=1e-5)


def test_the_weighted_odds_ratio_is_the_weighted_glm_with_hc0(rng):
    n = 3000
    t = (rng.random(n) < 0.4).astype(int)
    y = (rng.random(n) < 0.3 - 0.1 * t).astype(int)
    w = np.where(t == 1, 1.0, rng.uniform(0.2, 3, n))
    beta, se = fitted(S.weighted_or(y, t, w))
    fit = sm.GLM(y, sm.add_constant(t.astype(float)), family=sm.families.Binomial(), var_weights=w).fit(
        cov_type="HC0"
    )
    assert beta == pytest.approx(fit.params[1], rel=1e-8)
    assert se == pytest.approx(fit.bse[1], rel=1e-8)


def test_nb2_on_the_distinct_rows_is_nb2_on_every_person(rng):
    n = 3000
    t = (rng.random(n) < 0.4).astype(int)
    exposure = rng.integers(30, 900, n) / 365.25
    y = rng.negative_binomial(0.7, 0.7 / (0.7 + 0.8 * exposure * np.exp(-0.4 * t)))
    (ct, cy, ce), freq = S.compress(t, y, exposure)
    assert len(freq) < n  # it did compress
    beta, se = fitted(S.nb2(cy, ct, ce, freq))
    model = sm.NegativeBinomial(y, sm.add_constant(t.astype(float)), exposure=exposure, loglike_method="nb2")
    fit = model.fit(disp=0, method="newton", maxiter=100)  # statsmodels' default BFGS stops short of the MLE
    assert beta == pytest.approx(fit.params[1], rel=1e-6)
    assert se == pytest.approx(fit.bse[1], rel=1e-4)


def _survival(rng, n, tied):
    t = (rng.random(n) < 0.5).astype(int)
    if tied:
        time = np.maximum(rng.integers(1, 700, n) * np.where(t == 1, 1.3, 1.0), 0.5).round()
    else:
        time = rng.exponential(300, n) * np.where(t == 1, 1.3, 1.0) + 0.5
    event = rng.random(n) < 0.6
    return t, time, event


@pytest.mark.parametrize("tied", [True, False])
def test_cox_logrank_and_kaplan_meier_from_the_risk_table_are_lifelines_on_the_people(rng, tied):
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test

    t, time, event = _survival(rng, 3000, tied)
    table = S.RiskTable(time, event, t)
    beta, se = fitted(table.cox())
    cph = CoxPHFitter().fit(pd.DataFrame({"T": time, "E": event.astype(int), "lead": t}), "T", "E")
    assert beta == pytest.approx(cph.params_["lead"], rel=1e-5)
    assert se == pytest.approx(cph.standard_errors_["lead"], rel=1e-5)
    lr = logrank_test(time[t == 1], time[t == 0], event[t == 1], event[t == 0])
    assert table.logrank_p() == pytest.approx(lr.p_value, rel=1e-6)
    for group in (1, 0):
        km = KaplanMeierFitter().fit(time[t == group], event[t == group])
        median, points = table.km(group)
        assert median == km.median_survival_time_
        curve = km.survival_function_.iloc[:, 0]
        assert [p[0] for p in points] == list(curve.index)
        assert np.allclose([p[1] for p in points], curve.to_numpy())


def test_the_proportional_hazards_test_is_lifelines_when_no_event_times_tie(rng):
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    t, time, event = _survival(rng, 3000, tied=False)
    frame = pd.DataFrame({"T": time, "E": event.astype(int), "lead": t})
    cph = CoxPHFitter().fit(frame, "T", "E")
    table = S.RiskTable(time, event, t)
    beta, se = fitted(table.cox())
    ph = proportional_hazard_test(cph, frame, time_transform="rank")
    expected = float(np.asarray(ph.p_value).ravel()[0])
    assert table.ph_test_p(beta, se) == pytest.approx(expected, rel=1e-4)


def test_the_proportional_hazards_test_with_ties_uses_mid_ranks_and_stays_close(rng):
    # lifelines ranks tied events in row order (so its p-value depends on how the rows were sorted); we
    # give tied events their mid-rank. On day-level data the two stay within a few percent.
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    t, time, event = _survival(rng, 3000, tied=True)
    frame = pd.DataFrame({"T": time, "E": event.astype(int), "lead": t})
    cph = CoxPHFitter().fit(frame, "T", "E")
    table = S.RiskTable(time, event, t)
    beta, se = fitted(table.cox())
    ph = proportional_hazard_test(cph, frame, time_transform="rank")
    expected = float(np.asarray(ph.p_value).ravel()[0])
    p = table.ph_test_p(beta, se)
    assert p is not None and abs(np.log(p) - np.log(expected)) < 0.1


def test_monthly_gee_on_patterns_is_the_exchangeable_gee_on_person_months(rng):
    rows = []
    for person in range(800):  # unbalanced: each person has a different set of months, some no month 0
        months = rng.choice(np.arange(0, 13), size=rng.integers(1, 13), replace=False)
        base = rng.normal()
        for month in months:
            p = 1 / (1 + np.exp(-(base - 0.5 + 0.8 * (month >= 1))))
            rows.append((person, month, int(rng.random() < p)))
    frame = pd.DataFrame(rows, columns=["person", "month", "y"])
    post = (frame["month"] >= 1).astype(float).to_numpy()
    fit = sm.GEE(frame["y"].to_numpy(float), np.column_stack([np.ones(len(frame)), post]),
                 groups=frame["person"].to_numpy(), family=sm.families.Binomial(),
                 cov_struct=sm.cov_struct.Exchangeable()).fit()  # fmt: skip
    per_person = frame.assign(
        n0=frame["month"] == 0, k0=(frame["month"] == 0) & (frame["y"] == 1),
        m=frame["month"] >= 1, k=(frame["month"] >= 1) & (frame["y"] == 1),
    ).groupby("person")[["n0", "k0", "m", "k"]].sum()  # fmt: skip
    patterns = per_person.value_counts().reset_index()
    assert len(patterns) < 800
    beta, se = fitted(
        S.gee_monthly(patterns["n0"], patterns["k0"], patterns["m"], patterns["k"], patterns["count"])
    )
    assert beta == pytest.approx(fit.params[1], rel=1e-5)
    assert se == pytest.approx(fit.bse[1], rel=1e-5)


def test_the_large_group_bootstrap_matches_resampling_people(rng):
    # Just above the threshold, the sums drawn from their bootstrap distribution give the interval that
    # drawing people gives, within Monte Carlo error: 1,000 replicates put the 2.5th/97.5th percentiles
    # within about 0.1 standard deviations of where they would be; we allow 10% of the interval's width.
    n = costs.EXACT_BOOTSTRAP_MAX + 1
    x = np.column_stack([rng.gamma(0.3, 2000, n), rng.gamma(0.3, 1500, n), rng.uniform(0.5, 3, n)])
    normal = costs._resampled(x, np.random.default_rng(1))
    exact = np.empty_like(normal)
    draws = np.random.default_rng(2)
    exact[0] = n
    for b in range(costs.BOOTSTRAP):
        exact[1:, b] = x[draws.integers(0, n, size=n)].sum(axis=0)
    for stat in (lambda s: s[2] / s[3], lambda s: s[1] / s[0]):  # post per year, pre per person
        a, b = stat(normal), stat(exact)
        width = np.percentile(b, 97.5) - np.percentile(b, 2.5)
        for q in (2.5, 97.5):
            assert abs(np.percentile(a, q) - np.percentile(b, q)) < 0.1 * width
