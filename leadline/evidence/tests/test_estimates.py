"""Reference tests: synthetic data with planted effects, and each estimate must recover its truth.

Tolerances: every test fixes its seed, so it is deterministic; the tolerance is about three standard
errors of the estimate at the sample size used (stated per test), and the 95% interval must contain
the planted value. A slow-marked test checks the interval's coverage over repeated samples.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from leadline.evidence import rates, recidivism, survival
from leadline.evidence.features import features_of
from leadline.evidence.tests.synth import covariates, events_frame, expit, people_frame


def test_windows_count_only_people_followed_long_enough_and_arrests_after_the_index():
    people = people_frame(np.array([1, 1, 0, 0]), followup_days=np.array([400, 100, 800, 800]))
    events = pd.concat([
        # Lead: re-arrested on day 30 (the second has only 100 days of follow-up).
        events_frame(people, np.array([True, True, False, False]), 30),
        # The index arrest itself: not a re-arrest.
        events_frame(people, np.array([False, False, True, False]), 0),
        # Comparison: after 6 months, within 12.
        events_frame(people, np.array([False, False, False, True]), 300),
    ])  # fmt: skip
    w = recidivism.windows(features_of(people, events))
    assert w["6m"]["lead"] == {"n": 1, "events": 1, "rate": 1.0}  # the second lead person has 100 days only
    assert w["6m"]["comparison"] == {"n": 2, "events": 0, "rate": 0.0}
    assert w["12m"]["comparison"] == {"n": 2, "events": 1, "rate": 0.5}
    assert w["24m"]["lead"] == {"n": 0, "events": 0, "rate": None}


def _did_data(seed: int, n: int, odds_ratio: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    t = np.repeat([1, 0], n)
    people = people_frame(t)
    b0, b1, b2, b3 = -0.5, 0.3, 0.2, math.log(odds_ratio)
    pre = rng.random(2 * n) < expit(b0 + b1 * t)
    post = rng.random(2 * n) < expit(b0 + b1 * t + b2 + b3 * t)
    events = pd.concat([events_frame(people, pre, -90), events_frame(people, post, 60)])
    return people, events


def test_the_difference_in_differences_odds_ratio_recovers_the_planted_interaction():
    # n = 4,000 per group: SE(log OR) ~ 0.065, so 0.2 on the log scale is three standard errors.
    people, events = _did_data(seed=6, n=4000, odds_ratio=0.4)
    est = recidivism.did_or(features_of(people, events))
    assert est is not None and est["n"] == 8000
    assert abs(math.log(est["estimate"]) - math.log(0.4)) < 0.2
    assert est["ci_low"] < 0.4 < est["ci_high"] and est["p"] < 0.001


def test_propensity_weighting_fixes_confounded_assignment_where_the_naive_estimate_is_wrong():
    # People with more prior arrests are both more often diverted and more often re-arrested: the naive
    # odds ratio is biased toward harm. The planted effect is conditional (OR 0.5); the truth for the
    # ATT/ATE is the marginal odds ratio it implies in the treated/whole population, computed exactly.
    rng = np.random.default_rng(11)
    n = 20000
    x = rng.normal(size=n)
    t = (rng.random(n) < expit(1.2 * x)).astype(int)
    beta = math.log(0.5)
    y = rng.random(n) < expit(-1 + 1.0 * x + beta * t)
    people = people_frame(t, cov_prior_arrests=x)
    events = events_frame(people, y, 30)
    est = recidivism.propensity(features_of(people, events), covariates(people))

    def marginal_or(mask: np.ndarray) -> float:
        p1, p0 = expit(-1 + x[mask] + beta).mean(), expit(-1 + x[mask]).mean()
        return (p1 / (1 - p1)) / (p0 / (1 - p0))

    true_att, true_ate = marginal_or(t == 1), marginal_or(np.ones(n, dtype=bool))
    naive = (y[t == 1].mean() / (1 - y[t == 1].mean())) / (y[t == 0].mean() / (1 - y[t == 0].mean()))
    assert abs(math.log(naive) - math.log(true_att)) > 0.4  # the naive estimate is clearly wrong
    # n = 20,000: SE(log OR) ~ 0.04-0.06 after weighting; 0.15 is about three standard errors.
    assert abs(math.log(est["att_or"]["estimate"]) - math.log(true_att)) < 0.15
    assert abs(math.log(est["ate_or"]["estimate"]) - math.log(true_ate)) < 0.15
    assert est["att_or"]["ci_low"] < true_att < est["att_or"]["ci_high"]
    assert abs(est["att_or"]["balance"]["cov_prior_arrests"]) < 0.1  # balanced after weighting
    assert 0 < est["att_or"]["ess"] < (t == 0).sum()


def test_the_negative_binomial_rate_ratio_recovers_the_planted_ratio_with_unequal_exposure():
    rng = np.random.default_rng(3)
    n = 3000
    t = np.repeat([1, 0], n)
    days = rng.integers(200, 900, size=2 * n)
    mu = (days / 365.25) * 2.0 * np.where(t == 1, 0.6, 1.0)  # 2 bookings a year, IRR 0.6
    alpha = 0.5
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu))
    people = people_frame(t, followup_days=days)
    rows = np.repeat(np.arange(2 * n), y)
    events = pd.DataFrame({"person_key": people["person_key"].to_numpy()[rows],
                           "date": people["index_date"].to_numpy()[rows] + pd.to_timedelta(1, unit="D"),
                           "type": "booking", "quantity": 1.0})  # fmt: skip
    est = rates.rates(features_of(people, events))["booking"]
    # n = 6,000, alpha 0.5: SE(log IRR) ~ 0.03; 0.1 is about three standard errors.
    assert abs(math.log(est["irr"]) - math.log(0.6)) < 0.1
    assert est["ci_low"] < 0.6 < est["ci_high"]
    assert est["rate_comparison"] == pytest.approx(2.0, rel=0.08)
    assert est["rate_difference"] == pytest.approx(est["rate_lead"] - est["rate_comparison"])


def test_survival_recovers_the_hazard_ratio_and_the_medians():
    rng = np.random.default_rng(8)
    n = 3000
    t = np.repeat([1, 0], n)
    hazard = 1 / 300 * np.where(t == 1, 0.6, 1.0)
    time = np.ceil(rng.exponential(1 / hazard)).astype(int)
    follow = rng.integers(400, 1200, size=2 * n)
    arrested = time <= follow
    people = people_frame(t, followup_days=follow)
    events = events_frame(people, arrested, time)
    est = survival.survival(features_of(people, events))
    assert est is not None
    # n = 6,000 with ~65% events: SE(log HR) ~ 0.03; 0.1 is about three standard errors.
    assert abs(math.log(est["hazard_ratio"]["estimate"]) - math.log(0.6)) < 0.1
    assert est["logrank_p"] < 1e-6 and est["ph_check_p"] > 0.01  # proportional by construction
    assert est["median_days"]["comparison"] == pytest.approx(300 * math.log(2), rel=0.1)
    assert est["median_days"]["lead"] == pytest.approx(300 * math.log(2) / 0.6, rel=0.1)


def test_days_in_jail_are_not_days_at_risk():
    people = people_frame(np.array([1, 0]), followup_days=400)
    events = pd.concat([
        events_frame(people, np.array([True, True]), 100),  # both re-arrested on day 100
        events_frame(people, np.array([True, False]), 10, kind="jail_days", quantity=60.0),  # 60 days away
    ])  # fmt: skip

    est = survival.survival(features_of(people, events))
    assert est is not None
    assert est["median_days"] == {"lead": 40.0, "comparison": 100.0}


@pytest.mark.slow
def test_the_did_interval_covers_the_truth_about_95_percent_of_the_time():
    # 120 samples of 400 per group: the share covering should be 0.95 +/- 0.06 (three binomial SEs of a
    # proportion near 0.95 over 120 samples).
    covered = 0
    for seed in range(120):
        people, events = _did_data(seed=1000 + seed, n=400, odds_ratio=0.5)
        est = recidivism.did_or(features_of(people, events))
        assert est is not None
        covered += est["ci_low"] <= 0.5 <= est["ci_high"]
    assert abs(covered / 120 - 0.95) < 0.06
