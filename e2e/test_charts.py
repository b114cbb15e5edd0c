"""Charts a reader trusts, as the browser draws them (issue #17, item 7): the evaluator opens the evidence
page on a phone (360 px) and on a desktop (1280 px); each chart fills its panel's width, its text reads at
11 px or more, and no label the browser drew touches another label, a curve or the line at 1 — measured on the
boxes Chromium gives, not on the server's own estimate."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, sign_in

pytestmark = pytest.mark.e2e

# For each chart shown: its width and its container's content width, the smallest text in px, the boxes of
# its texts, and the segments of its reference lines and curves, all in page pixels.
MEASURE = """() => [...document.querySelectorAll('svg.chart')]
  .filter((svg) => svg.getBoundingClientRect().width > 0)
  .map((svg) => {
    const parent = svg.parentElement, style = getComputedStyle(parent);
    const inner = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const ctm = svg.getScreenCTM();
    const at = (x, y) => { const p = new DOMPoint(x, y).matrixTransform(ctm); return [p.x, p.y]; };
    const texts = [...svg.querySelectorAll('text')].map((t) => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
              px: parseFloat(t.getAttribute('font-size')) * ctm.a};
    });
    const lines = [...svg.querySelectorAll('line[data-role="null"]')].map((l) =>
      [at(+l.getAttribute('x1'), +l.getAttribute('y1')), at(+l.getAttribute('x2'), +l.getAttribute('y2'))]);
    const curves = [...svg.querySelectorAll('polyline[data-role="curve"]')].map((c) =>
      c.getAttribute('points').trim().split(/\\s+/).map((p) => at(...p.split(',').map(Number))));
    return {kind: svg.getAttribute('data-chart') || svg.getAttribute('data-chart-wide'),
            layout: svg.getAttribute('data-layout'), width: svg.getBoundingClientRect().width, inner,
            texts, lines, curves};
  })"""


def _crosses(a: tuple[float, float], b: tuple[float, float], box: dict[str, Any]) -> bool:
    """Does the segment a-b pass through the box's inside (shrunk by half a pixel of anti-aliasing)?"""
    x0, y0, x1, y1 = box["x0"] + 0.5, box["y0"] + 0.5, box["x1"] - 0.5, box["y1"] - 0.5
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        low, high = (max(low, t), high) if p < 0 else (low, min(high, t))
        if low >= high:
            return False
    return True


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x0"] + 0.5 < b["x1"]
        and b["x0"] + 0.5 < a["x1"]
        and a["y0"] + 0.5 < b["y1"]
        and b["y0"] + 0.5 < a["y1"]
    )


def check_charts_as_drawn(page: Page, layout: str) -> None:
    drawn: list[dict[str, Any]] = page.evaluate(MEASURE)
    kinds = [c["kind"] for c in drawn]
    assert sorted(set(kinds)) == ["costs", "effects", "funnel", "monthly", "survival"], kinds
    assert kinds.count("funnel") == 4
    for chart in drawn:
        name = f"{chart['kind']} ({chart['layout']})"
        assert chart["layout"] == layout, f"{name} shown at this width"
        assert abs(chart["width"] - chart["inner"]) <= 2, (
            f"{name}: {chart['width']} px in {chart['inner']} px"
        )
        assert min(t["px"] for t in chart["texts"]) >= 11, f"{name}: text under 11 px"
        texts = chart["texts"]
        for i, text in enumerate(texts):
            for other in texts[i + 1 :]:
                assert not _overlap(text, other), f"{name}: {text['text']!r} on {other['text']!r}"
            for a, b in chart["lines"]:
                assert not _crosses(a, b, text), f"{name}: {text['text']!r} on the line at 1"
            for points in chart["curves"]:
                assert not any(_crosses(a, b, text) for a, b in itertools.pairwise(points)), (
                    f"{name}: {text['text']!r} on a curve"
                )


def test_the_evidence_charts_fill_the_panel_and_keep_their_labels_clear_on_a_phone_and_a_desktop(
    page: Page,
) -> None:
    sign_in(page, "", "ana")
    page.goto("/evidence/")
    expect(page.locator("h1")).to_have_text("Evidence")
    effects = page.locator('svg[data-chart="effects"]')
    expect(effects).to_be_visible()
    expect(effects.locator('text[data-role="row-label"]').first).to_be_visible()
    expect(effects.locator('text[data-role="null-label"]')).to_have_text("no difference")
    survival = page.locator('svg[data-chart="survival"]')
    expect(survival.locator('text[data-role="caption"]').first).to_contain_text("Days since referral")
    expect(page.locator("[data-survival-table] tbody tr").first).to_be_visible()
    check_charts_as_drawn(page, "narrow")
    check_axe(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    wide = page.locator('svg[data-chart-wide="effects"]')
    expect(wide).to_be_visible()
    expect(effects).to_be_hidden()
    check_charts_as_drawn(page, "wide")
    check_axe(page)
