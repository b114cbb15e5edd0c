"""The evidence pages on phone-sized screens (issue #6): the evaluator and the program manager read the
demo's evaluation — effects with intervals, windows, costs, the disparity funnel — labelled synthetic;
the charts beside the tables carry a title and a description; the quarterly report is one link away."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, sign_in

pytestmark = pytest.mark.e2e


def check_charts(page: Page, kinds: tuple[str, ...]) -> None:
    """Each chart is an image for assistive technology, named by its title and described by its desc."""
    for kind in kinds:
        charts = page.locator(f'svg[data-chart="{kind}"]')
        expect(charts.first).to_be_visible()
        for chart in charts.all():
            expect(chart).to_have_attribute("role", "img")
            assert chart.locator("title").text_content(), f"{kind} chart without a title"
            assert chart.locator("desc").text_content(), f"{kind} chart without a description"
            width = chart.bounding_box()
            assert width is not None and width["width"] <= 360


def check_report_link(page: Page) -> None:
    link = page.locator("[data-report-pdf]")
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href") or "")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


@pytest.mark.parametrize("username", ["ana", "paula"])
def test_the_evidence_page_shows_every_estimate_with_its_interval(page: Page, username: str) -> None:
    sign_in(page, "", username)
    open_menu(page)
    page.locator('[data-nav="evidence"]').click()
    expect(page.locator("h1")).to_have_text("Evidence")
    expect(page.locator("[data-synthetic]")).to_be_visible()
    expect(page.locator('[data-effect="did_or"]')).to_be_visible()
    for section in ("survival", "rates", "costs", "monthly", "disparity"):
        expect(page.locator(f'[data-section="{section}"]')).to_be_visible()
    check_charts(page, ("effects", "survival", "costs", "funnel", "monthly"))
    expect(page.locator('svg[data-chart="funnel"]')).to_have_count(4)  # one beside each stage's table
    check_report_link(page)
    check_axe(page)
    check_no_horizontal_scroll(page)


def test_the_public_results_page_needs_no_sign_in(page: Page) -> None:
    page.goto("/results/")
    expect(page.locator("h1")).to_have_text("LEAD results")
    expect(page.locator('[data-effect="did_or"]')).to_be_visible()
    check_charts(page, ("effects", "costs", "funnel"))
    expect(page.locator('svg[data-chart="monthly"]')).to_have_count(0)
    check_report_link(page)
    check_axe(page)
    check_no_horizontal_scroll(page)
