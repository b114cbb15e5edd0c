"""The server-drawn charts (issues #6 and #17): what they say and where they put it. Every label is checked by
geometry: its measured box must not touch another label, a mark, a bar, a curve or a reference line, in
either layout and either language; a value that is missing (suppressed, or not computable) is never drawn,
only named."""

from __future__ import annotations

import math
import random
import re
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from leadline.evaluation import charts
from leadline.evaluation.scene import (
    FONT,
    NARROW,
    PAD,
    WIDE,
    Box,
    Chart,
    Circle,
    Line,
    Poly,
    Rect,
    Scene,
    Text,
)
from leadline.evaluation.tests.test_charts_every_language import geometry


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def drawn(chart: Chart | None) -> Chart:
    assert chart is not None
    return chart


def texts(scene: Scene, role: str | None = None) -> list[Text]:
    return [t for t in scene.texts if role is None or t.role == role]


def _crosses(segment: tuple[tuple[float, float], tuple[float, float]], box: Box) -> bool:
    """Liang–Barsky: does the segment pass through the box's inside?"""
    (x0, y0), (x1, y1) = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True


def collisions(scene: Scene) -> list[str]:
    """Every label that touches another label or a shape, and anything outside the view box."""
    problems = []
    labels = scene.texts
    for i, text in enumerate(labels):
        box = text.box()
        if box.x0 < 0 or box.y0 < 0 or box.x1 > scene.width or box.y1 > scene.height:
            problems.append(f"{text.text!r} outside the view box {box}")
        for other in labels[i + 1 :]:
            if box.overlaps(other.box()):
                problems.append(f"{text.text!r} on {other.text!r}")
        for shape in scene.items:
            if isinstance(shape, Line | Poly):
                if any(_crosses(s, box) for s in shape.segments):
                    problems.append(f"{text.text!r} on a {shape.role or shape.kind}")
            elif isinstance(shape, Circle | Rect) and box.overlaps(shape.box()):
                problems.append(f"{text.text!r} on a {shape.role}")
    for shape in scene.items:
        points = (
            [(shape.x1, shape.y1), (shape.x2, shape.y2)] if isinstance(shape, Line)
            else shape.points if isinstance(shape, Poly) else []
        )  # fmt: skip
        if any(not (0 <= x <= scene.width and 0 <= y <= scene.height) for x, y in points):
            problems.append(f"a {shape.role or shape.kind} outside the view box")
    return problems


EFFECTS: list[dict[str, Any]] = [
    {"key": "did_or", "method": "did", "estimate": 0.62, "ci_low": 0.48, "ci_high": 0.8, "n": 400},
    {"key": "att_or", "method": "att", "estimate": 0.7, "ci_low": 0.5, "ci_high": 0.95, "n": 400},
    {"key": "ate_or", "method": "ate", "estimate": 1.0, "ci_low": 0.55, "ci_high": 1.9, "n": 400},
    {"key": "felony_did_or", "method": "felony", "estimate": None, "ci_low": None, "ci_high": None},
]
COSTS: dict[str, Any] = {
    "pre": {"lead": 200.0, "comparison": 100.0},
    "post": {"lead": 400.0, "comparison": 1600.0},
    "annual_total": {"lead": 6784.0, "comparison": 1600.0},
    "savings": -5184.0,
    "bootstrap_ci": {"savings": {"ci_low": -5400.5, "ci_high": -4990.25}},
}
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
MONTHLY: list[tuple[str, dict[str, Any]]] = [
    ("Permanent housing", {"or": 2.94, "ci_low": 1.98, "ci_high": 4.36}),
    ("Sheltered", {"or": 16.85, "ci_low": 12.99, "ci_high": 21.86}),
    ("Employed", {"or": None, "ci_low": None, "ci_high": None}),
    ("Income", {"or": 0.0, "ci_low": 0.0, "ci_high": 1.0}),  # not on a log scale: named, not drawn
]


def curve(rate: float, *, days: int = 700, band: bool = False) -> list[list[float]]:
    points = []
    for t in range(0, days, 12):
        s = math.exp(-rate * t)
        points.append([t, s, max(0.0, s - 0.06), min(1.0, s + 0.06)] if band else [t, s])
    return points


def every_chart() -> list[tuple[str, Chart]]:
    return [
        ("effects", drawn(charts.forest(EFFECTS))),
        ("funnel", drawn(charts.funnel(STAGE, reference="White", label="Diverted", unreportable=True))),
        (
            "public funnel",
            drawn(charts.funnel(STAGE, reference="White", label="Diverted", unreportable=False)),
        ),
        ("monthly", drawn(charts.monthly(MONTHLY))),
        ("survival", drawn(charts.km({"lead": curve(0.0008), "comparison": curve(0.0016)}))),
        (
            "survival with bands",
            drawn(charts.km({"lead": curve(0.0008, band=True), "comparison": curve(0.002, band=True)})),
        ),
        ("costs", drawn(charts.costs(COSTS))),
    ]


# Forest plots ------------------------------------------------------------------------------------------


def test_every_forest_row_is_labelled_and_ends_with_its_estimate_and_interval():
    chart = drawn(charts.forest(EFFECTS))
    for scene in chart.scenes:
        labels = " ".join(t.text for t in texts(scene, "row-label"))
        assert labels.count("Any re-arrest within 6 months") == 2
        assert "Any re-arrest, 6 months after against 6 months before" in labels
        assert "Felony charge, 6 months after against 6 months before" in labels
        notes = " ".join(t.text for t in texts(scene, "row-note"))
        assert "propensity-weighted" in notes and "difference in differences" in notes
        values = texts(scene, "row-value")
        assert [v.text for v in values] == ["0.62 (0.48–0.80)", "0.70 (0.50–0.95)", "1.00 (0.55–1.90)"]
        marks = [i for i in scene.items if isinstance(i, Circle)]
        assert len(marks) == 3  # the felony row has no estimate: named, not drawn
        for value, mark in zip(values, marks, strict=True):
            assert value.anchor == "end" and value.x == scene.width - PAD  # at the row's end
            assert abs(value.y - 0.35 * FONT - mark.cy) < 1  # on the row of its mark
            assert value.box().x0 > mark.box().x1  # after the mark
        assert "not shown" in notes  # the missing row says why
        null = [i for i in scene.items if isinstance(i, Line) and i.role == "null"]
        ones = {line.x1 for line in null}
        assert len(ones) == 1 and all(line.x1 == line.x2 for line in null)  # vertical, at one x
        assert marks[2].cx == ones.pop()  # the estimate 1.00 sits on the line at 1
        (nothing,) = texts(scene, "null-label")
        assert nothing.text == "no difference" and abs(nothing.x - null[0].x1) < 1
        ticks = [t.text for t in texts(scene, "tick")]
        assert "1" in ticks and "0.5" in ticks and "2" in ticks
        caption = " ".join(t.text for t in texts(scene, "caption"))
        assert "Odds ratio, LEAD against the comparison group" in caption and "left of 1" in caption
        assert collisions(scene) == []
    assert "Any re-arrest within 6 months, propensity-weighted, on participants (ATT): 0.70 (0.50–0.95)" in (
        chart.desc
    )


def test_on_a_phone_the_line_at_1_stops_where_a_label_runs_across_it():
    scene = drawn(charts.forest(EFFECTS)).narrow
    null = [i for i in scene.items if isinstance(i, Line) and i.role == "null"]
    assert len(null) > 1  # broken: one piece per row's band, the last reaching the axis
    labels = texts(scene, "row-label") + texts(scene, "row-note")
    assert any(t.box().x0 < null[0].x1 < t.box().x1 for t in labels)  # labels do run across x = 1
    assert not any(_crosses(s, t.box()) for line in null for s in line.segments for t in labels)
    assert (
        drawn(charts.forest(EFFECTS)).wide.items
        and len(
            [i for i in drawn(charts.forest(EFFECTS)).wide.items if isinstance(i, Line) and i.role == "null"]
        )
        == 1
    )  # wide: the labels are in their own column, the line runs unbroken


# No label on anything ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_label_sits_on_another_label_a_mark_a_curve_or_a_reference_line(language):
    with translation.override(language):
        for name, chart in every_chart():
            for scene in chart.scenes:
                assert collisions(scene) == [], f"{name}, {scene.layout}, {language}"


def test_no_label_sits_on_anything_whatever_the_figures():
    """Random estimates, intervals and curves (a fixed seed: the same cases every run)."""
    rng = random.Random(17)
    for _ in range(40):
        effects = []
        for method in ("did", "att", "ate", "felony"):
            estimate = math.exp(rng.uniform(-2.5, 2.5))
            low, high = estimate / math.exp(rng.uniform(0, 1.5)), estimate * math.exp(rng.uniform(0, 1.5))
            effects.append({"method": method, "estimate": estimate, "ci_low": low, "ci_high": high})
        curves = {}
        for group in ("lead", "comparison"):
            days = sorted(rng.uniform(1, 1200) for _ in range(30))
            shares = sorted((rng.uniform(0, 1) for _ in range(30)), reverse=True)
            curves[group] = [[0.0, 1.0, 1.0, 1.0]] + [
                [t, s, max(0, s - 0.1), min(1, s + 0.1)] for t, s in zip(days, shares, strict=True)
            ]
        for chart in (drawn(charts.forest(effects)), drawn(charts.km(curves))):
            for scene in chart.scenes:
                assert collisions(scene) == [], (chart.kind, scene.layout, effects)


def test_the_collision_check_finds_a_label_on_a_line():
    """The check above would fail if a label were put on the line at 1 (the bug of issue #17)."""
    scene = drawn(charts.forest(EFFECTS)).narrow
    line = next(i for i in scene.items if isinstance(i, Line) and i.role == "null")
    scene.add(Text(line.x1 - 10, (line.y1 + line.y2) / 2, "on the line"))
    assert any("on the line" in p and "null" in p for p in collisions(scene))


# Survival ----------------------------------------------------------------------------------------------


def test_the_survival_chart_has_axes_with_units_ticks_a_legend_and_a_text_alternative():
    chart = drawn(charts.km({"lead": curve(0.0008), "comparison": curve(0.0016)}))
    for scene in chart.scenes:
        words = [t.text for t in scene.texts]
        assert "Share not re-arrested" in words and {"0%", "50%", "100%"} <= set(words)
        caption = " ".join(t.text for t in texts(scene, "caption"))
        assert caption.startswith("Days since referral")  # the unit of the horizontal axis
        days = [int(t.text) for t in texts(scene, "tick") if t.text.isdigit()]
        assert days[0] == 0 and days == sorted(days) and len(days) >= 3 and days[-1] <= 700
        assert {t.text for t in texts(scene, "legend")} == {
            "LEAD (solid line)",
            "Comparison group (dashed line)",
        }
        curves = [i for i in scene.items if isinstance(i, Poly) and i.role == "curve"]
        assert {c.key for c in curves} == {"lead", "comparison"}
        for c in curves:  # a step line: every segment horizontal or vertical, never rising
            assert all(a[0] == b[0] or a[1] == b[1] for a, b in c.segments)
            assert all(b[1] >= a[1] for a, b in c.segments)
        assert not [i for i in scene.items if isinstance(i, Poly) and i.role == "band"]
        assert collisions(scene) == []
    rows = chart.extra["table"]
    assert rows and all(set(r) == {"day", "lead", "comparison"} for r in rows)
    day = int(rows[0]["day"])
    assert rows[0]["lead"] == f"{round(100 * math.exp(-0.0008 * (day // 12 * 12)))}%"
    assert f"day {rows[0]['day']}: LEAD {rows[0]['lead']}" in chart.desc


def test_the_survival_chart_draws_confidence_bands_when_the_points_carry_them():
    chart = drawn(charts.km({"lead": curve(0.0008, band=True), "comparison": curve(0.002, band=True)}))
    for scene in chart.scenes:
        bands = [i for i in scene.items if isinstance(i, Poly) and i.role == "band"]
        assert {b.key for b in bands} == {"lead", "comparison"} and all(
            b.fill and b.opacity < 1 for b in bands
        )
        assert "Shaded: 95% interval" in [t.text for t in scene.texts]
    assert charts.km(None) is None and charts.km({"lead": curve(0.001), "comparison": []}) is None


# Costs, funnel, monthly --------------------------------------------------------------------------------


def test_the_cost_chart_draws_grouped_bars_in_proportion_with_their_dollar_labels():
    chart = drawn(charts.costs(COSTS))
    for scene in chart.scenes:
        bars = {i.key: i for i in scene.items if isinstance(i, Rect)}
        assert set(bars) == {
            f"{p}.{g}" for p in ("pre", "post", "annual_total") for g in ("lead", "comparison")
        }
        assert max(b.w for b in bars.values()) == bars["annual_total.lead"].w  # the largest fills the scale
        assert math.isclose(bars["pre.lead"].w, 2 * bars["pre.comparison"].w, abs_tol=0.2)
        assert bars["post.comparison"].hatch and not bars["post.lead"].hatch
        values = [t.text for t in texts(scene, "bar-value")]
        assert "$6,784.00" in values and "$1,600.00" in values
        ys = sorted(b.y for b in bars.values())
        assert len(set(ys)) == 6  # no two bars on top of each other
        assert collisions(scene) == []
    assert "−$5,184.00" in chart.desc and "−$5,400.50" in chart.desc  # savings, bootstrap interval


def test_a_suppressed_cost_is_named_and_never_drawn():
    section = {**COSTS, "post": {"lead": None, "comparison": 1600.0}, "savings": None}
    chart = drawn(charts.costs(section))
    bars = {i.key for i in chart.narrow.items if isinstance(i, Rect)}
    assert "post.lead" not in bars and "post.comparison" in bars
    assert "suppressed" in [t.text for t in texts(chart.narrow, "bar-value")]
    assert "LEAD suppressed" in chart.desc and "Savings" not in chart.desc
    assert charts.costs(None) is None and charts.costs({}) is None


def test_the_funnel_draws_each_groups_index_on_a_log_scale_with_the_reference_labelled():
    chart = drawn(charts.funnel(STAGE, reference="White", label="Diverted", unreportable=True))
    rows = {r["label"]: r for r in chart.extra["rows"]}
    assert set(rows) == {"Black", "Asian", "Other", "White (reference)"}
    assert rows["Black"]["value"] == "2.00 (1.50–3.00)" and rows["Other"]["hollow"] is True
    assert rows["Asian"]["drawn"] is False and rows["Asian"]["note"] == "not shown"
    for scene in chart.scenes:
        marks = [i for i in scene.items if isinstance(i, Circle)]
        null = next(i for i in scene.items if isinstance(i, Line) and i.role == "null")
        black, other, white = marks
        assert white.cx == null.x1  # the reference sits on the line at 1
        assert math.isclose(black.cx - null.x1, null.x1 - other.cx, abs_tol=0.2)  # 2 and 1/2
        assert other.fill == "#fff"  # hollow: too few to judge
        assert {"Black", "Asian", "Other", "White (reference)"} <= {t.text for t in texts(scene, "row-label")}
    assert "Not shown: Asian (not shown)." in chart.desc
    assert "Black 2.00 (interval 1.50 to 3.00)" in chart.desc and "White (reference) 1.00" in chart.desc
    assert "Diverted" in chart.title


def test_the_public_funnel_leaves_out_the_groups_too_small_to_judge():
    chart = drawn(charts.funnel(STAGE, reference="White", label="Diverted", unreportable=False))
    other = next(r for r in chart.extra["rows"] if r["label"] == "Other")
    assert other["drawn"] is False and other["note"] == "too few to judge"
    assert len([i for i in chart.narrow.items if isinstance(i, Circle)]) == 2
    assert "0.50" not in chart.desc and "Other (too few to judge)" in chart.desc
    assert "0.50" not in " ".join(t.text for t in chart.narrow.texts + chart.wide.texts)


def test_a_funnel_stage_whose_reference_is_hidden_draws_nothing():
    hidden = {"total": None, "groups": {g: {**v, "rri": None, "ci_low": None, "ci_high": None}
                                        for g, v in STAGE["groups"].items()}}  # fmt: skip
    chart = drawn(charts.funnel(hidden, reference="White", label="Detained", unreportable=True))
    assert not any(isinstance(i, Circle) for s in chart.scenes for i in s.items)
    assert "none to show" in chart.desc and all(collisions(s) == [] for s in chart.scenes)
    assert charts.funnel({"groups": {}}, reference="White", label="x", unreportable=True) is None


def test_the_monthly_chart_draws_the_odds_ratios_and_widens_its_scale_for_large_ones():
    chart = drawn(charts.monthly(MONTHLY))
    housing, sheltered, employed, income = chart.extra["rows"]
    assert housing["drawn"] and sheltered["drawn"] and not employed["drawn"] and not income["drawn"]
    for scene in chart.scenes:
        axis = next(i for i in scene.items if isinstance(i, Line) and i.role == "axis")
        null = next(i for i in scene.items if isinstance(i, Line) and i.role == "null")
        h, s = (i for i in scene.items if isinstance(i, Circle))
        assert null.x1 < h.cx < s.cx <= axis.x2
        assert "16" in {t.text for t in texts(scene, "tick")}
    assert "Sheltered 16.85 (interval 12.99 to 21.86)" in chart.desc and "Employed not shown" in chart.desc
    assert charts.monthly([]) is None


# Languages and sizes -----------------------------------------------------------------------------------


def test_spanish_labels_are_localised_and_the_coordinates_are_not():
    with translation.override("es"):
        chart = drawn(charts.forest(EFFECTS))
        html = render_to_string("evaluation/_chart.html", {"chart": chart, "id": "f"})
        survival = drawn(charts.km({"lead": curve(0.0008, band=True), "comparison": curve(0.002, band=True)}))
        km_html = render_to_string("evaluation/_chart.html", {"chart": survival, "id": "k"})
    values = [t.text for t in texts(chart.narrow, "row-value")]
    assert values[0] == "0,62 (0,48–0,80)"  # a decimal comma where a person reads
    assert ">0,5</text>" in html and ">0.5</text>" not in html
    for svg in re.findall(r"<svg\b.*?</svg>", html + km_html, flags=re.S):
        assert len(geometry(svg)) > 30  # every number attribute plain: no decimal comma in the geometry
    for points in re.findall(r'points="([^"]*)"', km_html):
        assert all(re.fullmatch(r"\d+(\.\d+)?,\d+(\.\d+)?", pair) for pair in points.split())


def test_the_text_reads_at_11_px_or_more_on_a_phone_and_on_a_wide_screen():
    """The phone's panel is 294 px wide at 360 px; the wide layout shows from 45rem (a 654 px panel)."""
    for _name, chart in every_chart():
        for scene, shown_at in ((chart.narrow, 294), (chart.wide, 654)):
            assert scene.width == {"narrow": NARROW, "wide": WIDE}[scene.layout]
            assert min(t.size for t in scene.texts) * shown_at / scene.width >= 11
