"""Reference tests for costs, monthly outcomes, the disparity funnel and public suppression."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from leadline.evidence import costs, disparity, monthly, suppression
from leadline.evidence.features import features_of
from leadline.evidence.tests.synth import INDEX, expit, monthly_patterns_of, people_frame


def test_costs_price_events_per_person_year_and_take_the_difference_in_differences():
    rng = np.random.default_rng(4)
    n = 400
    t = np.repeat([1, 0], n)
    people = people_frame(t, followup_days=730)
    pre = rng.poisson(2, size=2 * n)
    post = rng.poisson(np.where(t == 1, 2, 6))  # over the two years after
    rows_pre, rows_post = np.repeat(np.arange(2 * n), pre), np.repeat(np.arange(2 * n), post)
    keys = people["person_key"].to_numpy()
    events = pd.DataFrame({
        "person_key": np.concatenate([keys[rows_pre], keys[rows_post]]),
        "date": np.concatenate([np.full(len(rows_pre), INDEX - pd.Timedelta(days=100)),
                                np.full(len(rows_post), INDEX + pd.Timedelta(days=200))]),
        "type": "booking", "quantity": 1.0,
    })  # fmt: skip
    unit_costs = pd.DataFrame({"item": ["booking", "program_month"], "dollars": [100.0, 50.0],
                               "dollar_year": [2024, 2024], "source": ["test", "test"]})  # fmt: skip
    c = costs.costs(features_of(people, events), unit_costs)
    years = 730 / 365.25
    pre_l, pre_c = 100 * pre[t == 1].mean(), 100 * pre[t == 0].mean()
    post_l, post_c = 100 * post[t == 1].sum() / (n * years), 100 * post[t == 0].sum() / (n * years)
    assert c["pre"] == {"lead": round(pre_l, 2), "comparison": round(pre_c, 2)}
    assert c["post"] == {"lead": round(post_l, 2), "comparison": round(post_c, 2)}
    assert c["did"] == round((post_l - pre_l) - (post_c - pre_c), 2)
    assert c["annual_total"] == {"lead": round(post_l + 600, 2), "comparison": round(post_c, 2)}
    assert c["savings"] == round(post_c - post_l - 600, 2)
    assert c["savings_pct"] == round(100 * (post_c - post_l - 600) / post_c, 2)
    # Planted: post 1 vs 3 bookings a year ($100 each), same pre: DiD about -$200 a year.
    assert c["did"] == pytest.approx(-200, abs=40)
    ci = c["bootstrap_ci"]["did"]
    assert ci["ci_low"] < c["did"] < ci["ci_high"] and ci["ci_high"] - ci["ci_low"] > 1
    assert c["bootstrap_ci"]["replicates"] == 1000


def test_monthly_odds_ratios_recover_the_planted_change_from_month_zero():
    rng = np.random.default_rng(12)
    n = 1500
    rows = []
    for i in range(n):
        for month in range(0, 7):
            p = expit(-1.4 + (math.log(2.5) if month >= 1 else 0.0))
            draws = rng.random(4)
            rows.append((f"p{i}", month, int(draws[0] < p), int(draws[1] < 0.3), int(draws[2] < 0.2),
                         int(draws[3] < 0.4)))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["person_key", "month", *monthly.MONTHLY])
    est = monthly.monthly(monthly_patterns_of(frame))
    # 1,500 people x 6 follow-up months: SE(log OR) ~ 0.07; 0.2 is about three standard errors.
    assert abs(math.log(est["housed_permanent"]["or"]) - math.log(2.5)) < 0.2
    assert est["housed_permanent"]["ci_low"] < 2.5 < est["housed_permanent"]["ci_high"]
    assert est["sheltered"]["ci_low"] < 1 < est["sheltered"]["ci_high"]  # no change planted
    assert est["housed_permanent"]["n"] == n


def _encounters(spec: dict[str, tuple[int, int, int, int]]) -> pd.DataFrame:
    """race -> (encounters, diverted, charges filed among the arrested, detained among the charged)."""
    rows = []
    for race, (enc, div, charged, detained) in spec.items():
        for i in range(enc):
            diverted = i < div
            charge = not diverted and i < div + charged
            rows.append({"encounter_key": f"{race}{i}", "date": INDEX, "race": race,
                         "outcome": "diverted" if diverted else "arrested", "charge_filed": int(charge),
                         "detained": int(charge and i < div + detained)})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_relative_rate_index_at_every_stage_with_its_interval():
    enc = _encounters({"White": (400, 200, 150, 60), "Black": (600, 180, 300, 150), "Asian": (30, 12, 10, 2)})
    pop = pd.DataFrame({"race": ["White", "Black", "Asian"], "residents": [200_000, 80_000, 6_000]})
    d = disparity.disparity(enc, pop)
    black = d["stages"]["encounter"]["groups"]["Black"]
    assert black["rate"] == pytest.approx(600 / 80_000 * 1000) and black["base"] == 80_000
    rri = (600 / 80_000) / (400 / 200_000)
    se = math.sqrt(1 / 600 - 1 / 80_000 + 1 / 400 - 1 / 200_000)
    assert black["rri"] == pytest.approx(rri)
    assert black["ci_low"] == pytest.approx(math.exp(math.log(rri) - 1.959963984540054 * se))
    assert black["significant"] is True and black["reportable"] is True
    diverted = d["stages"]["diverted"]["groups"]["Black"]
    assert (diverted["count"], diverted["base"]) == (180, 600)
    assert diverted["rri"] == pytest.approx((180 / 600) / (200 / 400))  # diverted less often: RRI 0.6
    charged = d["stages"]["charge_filed"]["groups"]["Black"]
    assert (charged["count"], charged["base"]) == (300, 420)  # per 100 arrested (not diverted)
    detained = d["stages"]["detained"]["groups"]["Black"]
    assert (detained["count"], detained["base"]) == (150, 300)  # per 100 charged
    assert d["stages"]["encounter"]["groups"]["Asian"]["reportable"] is False  # 30 < 50 cases
    assert d["stages"]["encounter"]["total"] == 1030 and d["reference"] == "White"


def test_public_output_hides_small_cells_and_what_would_give_them_away():
    # Asian: 7 diverted (a small cell); the only hidden cell of the stage, so the next-smallest (Other)
    # is hidden too, and at the next stage both groups' bases (built from the hidden cells) are hidden.
    enc = _encounters({"White": (400, 200, 150, 60), "Black": (600, 180, 300, 150), "Asian": (60, 7, 40, 20),
                       "Other": (120, 40, 50, 25)})  # fmt: skip
    pop = pd.DataFrame(
        {"race": ["White", "Black", "Asian", "Other"], "residents": [200_000, 80_000, 6_000, 9_000]}
    )
    windows = {"6m": {"lead": {"n": 100, "events": 95, "rate": 0.95},
                      "comparison": {"n": 50, "events": 4, "rate": 0.08}}}  # fmt: skip
    result = {"n": {"lead": 250, "comparison": 8}, "disparity": disparity.disparity(enc, pop),
              "recidivism": {"windows": windows}}  # fmt: skip
    public = suppression.suppress(result, threshold=10)
    div = public["disparity"]["stages"]["diverted"]["groups"]
    assert div["Asian"]["count"] is None and div["Asian"]["rri"] is None
    assert div["Other"]["count"] is None  # complementary: the stage total would reveal Asian's 7
    assert div["Black"]["count"] == 180 and div["Black"]["rri"] is not None
    charged = public["disparity"]["stages"]["charge_filed"]["groups"]
    assert charged["Asian"]["base"] is None and charged["Other"]["base"] is None  # built from hidden cells
    assert public["n"] == {"lead": 250, "comparison": None}
    w = public["recidivism"]["windows"]["6m"]
    assert w["lead"]["events"] is None  # 5 without an event: the complement is small
    assert w["comparison"]["events"] is None and w["comparison"]["rate"] is None

    # Nowhere in the public document is a count from 1 to 10.
    def counts(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in suppression.COUNT_KEYS and isinstance(v, int):
                    yield v
                yield from counts(v)

    assert all(not 1 <= c <= 10 for c in counts(public))
    assert json.loads(json.dumps(public))  # still plain JSON
