"""The server-drawn charts (issue #6): their geometry for given figures, and what they do with a value that
is missing — suppressed in the public copy, or not computable — which is never drawn, only named."""

from __future__ import annotations

import math
from typing import Any

from leadline.evaluation import charts


def drawn(chart: dict[str, Any] | None) -> dict[str, Any]:
    assert chart is not None
    return chart


COSTS: dict[str, Any] = {
    "pre": {"lead": 200.0, "comparison": 100.0},
    "post": {"lead": 400.0, "comparison": 1600.0},
    "annual_total": {"lead": 6784.0, "comparison": 1600.0},
    "savings": -5184.0,
    "bootstrap_ci": {"savings": {"ci_low": -5400.5, "ci_high": -4990.25}},
}


def test_the_cost_chart_draws_grouped_bars_in_proportion_with_their_dollar_labels():
    chart = drawn(charts.costs(COSTS))
    assert [len(s["bars"]) for s in chart["sections"]] == [2, 2, 2]
    bars = [b for s in chart["sections"] for b in s["bars"]]
    longest = max(b["w"] for b in bars)
    total_lead = chart["sections"][2]["bars"][0]
    assert total_lead["w"] == longest and total_lead["value"] == "$6,784.00"  # the largest fills the scale
    pre_lead, pre_comparison = chart["sections"][0]["bars"]
    assert math.isclose(pre_lead["w"], 2 * pre_comparison["w"], abs_tol=0.2)
    assert all(b["x"] == chart["x0"] and b["value_x"] >= b["x"] + b["w"] for b in bars)
    assert all(b["x"] + b["w"] + 60 <= chart["width"] for b in bars)  # room for the label inside the view box
    ys = [b["y"] for b in bars]
    assert ys == sorted(ys) and len(set(ys)) == 6  # no two bars on top of each other
    assert "$6,784.00" in chart["desc"] and "$1,600.00" in chart["desc"]
    assert "−$5,184.00" in chart["desc"] and "−$5,400.50" in chart["desc"]  # savings, bootstrap interval
    assert chart["title"] and chart["height"] > ys[-1]


def test_a_suppressed_cost_is_named_and_never_drawn():
    section = {**COSTS, "post": {"lead": None, "comparison": 1600.0}, "savings": None}
    chart = drawn(charts.costs(section))
    post_lead = chart["sections"][1]["bars"][0]
    assert post_lead["drawn"] is False and post_lead["w"] == 0 and post_lead["value"] == "suppressed"
    assert "LEAD suppressed" in chart["desc"] and "Savings" not in chart["desc"]
    assert charts.costs(None) is None and charts.costs({}) is None


STAGE: dict[str, Any] = {
    "total": 900,
    "groups": {
        "Black": {"count": 400, "rri": 2.0, "ci_low": 1.5, "ci_high": 3.0, "significant": True,
                  "reportable": True},
        "Asian": {"count": None, "rri": None, "ci_low": None, "ci_high": None, "significant": None,
                  "reportable": False},  # suppressed
        "Other": {"count": 60, "rri": 0.5, "ci_low": 0.25, "ci_high": 1.2, "significant": False,
                  "reportable": False},  # too few to judge
        "White": {"count": 440, "rri": 1.0, "ci_low": 0.9, "ci_high": 1.1, "significant": False,
                  "reportable": True},
    },
}  # fmt: skip


def test_the_funnel_draws_each_groups_index_on_a_log_scale_with_the_reference_labelled():
    chart = drawn(charts.funnel(STAGE, reference="White", label="Diverted", unreportable=True))
    rows = {r["label"].split(":")[0]: r for r in chart["rows"]}
    assert set(rows) == {"Black", "Asian", "Other", "White (reference)"}
    black, white, other = rows["Black"], rows["White (reference)"], rows["Other"]
    assert white["x"] == chart["one"]  # the reference sits on the line at 1
    assert math.isclose(black["x"] - chart["one"], chart["one"] - other["x"], abs_tol=0.2)  # 2 and 1/2
    assert black["x1"] < black["x"] < black["x2"] and black["label"] == "Black: 2.00 (1.50–3.00)"
    assert other["hollow"] is True and "too few to judge" in other["label"]
    assert rows["Asian"]["drawn"] is False and rows["Asian"]["label"] == "Asian: not shown"
    assert "Not shown: Asian (not shown)." in chart["desc"]
    assert "Black 2.00 (interval 1.50 to 3.00)" in chart["desc"] and "White (reference) 1.00" in chart["desc"]
    assert "Diverted" in chart["title"]
    assert {t["label"] for t in chart["ticks"]} >= {"0.5", "1", "2"}
    assert all(0 <= t["x"] <= chart["width"] for t in chart["ticks"])
    ys = [r["text_y"] for r in chart["rows"]]
    assert ys == sorted(ys) and chart["height"] > ys[-1]


def test_the_public_funnel_leaves_out_the_groups_too_small_to_judge():
    chart = drawn(charts.funnel(STAGE, reference="White", label="Diverted", unreportable=False))
    other = next(r for r in chart["rows"] if r["label"].startswith("Other"))
    assert other["drawn"] is False and other["label"] == "Other: too few to judge"
    assert "0.50" not in chart["desc"] and "Other (too few to judge)" in chart["desc"]


def test_a_funnel_stage_whose_reference_is_hidden_draws_nothing():
    hidden = {"total": None, "groups": {g: {**v, "rri": None, "ci_low": None, "ci_high": None}
                                        for g, v in STAGE["groups"].items()}}  # fmt: skip
    chart = drawn(charts.funnel(hidden, reference="White", label="Detained", unreportable=True))
    assert not any(r["drawn"] for r in chart["rows"]) and "none to show" in chart["desc"]
    assert charts.funnel({"groups": {}}, reference="White", label="x", unreportable=True) is None


def test_the_monthly_chart_draws_the_odds_ratios_and_widens_its_scale_for_large_ones():
    chart = drawn(charts.monthly([
        ("Permanent housing", {"or": 2.94, "ci_low": 1.98, "ci_high": 4.36}),
        ("Sheltered", {"or": 16.85, "ci_low": 12.99, "ci_high": 21.86}),
        ("Employed", {"or": None, "ci_low": None, "ci_high": None}),
        ("Income", {"or": 0.0, "ci_low": 0.0, "ci_high": 1.0}),  # not on a log scale: named, not drawn
    ]))  # fmt: skip
    housing, sheltered, employed, income = chart["rows"]
    assert housing["drawn"] and sheltered["drawn"] and not employed["drawn"] and not income["drawn"]
    assert chart["one"] < housing["x"] < sheltered["x"] < sheltered["x2"] <= chart["width"] - charts.RIGHT
    assert "16" in {t["label"] for t in chart["ticks"]}
    assert "Sheltered 16.85 (interval 12.99 to 21.86)" in chart["desc"]
    assert "Employed not shown" in chart["desc"]
    assert charts.monthly([]) is None
