"""The evidence pages on phone-sized screens (issue #6): the evaluator and the program manager read the
demo's evaluation — effects with intervals, windows, costs, the disparity funnel — labelled synthetic."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, sign_in

pytestmark = pytest.mark.e2e


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
    check_axe(page)
    check_no_horizontal_scroll(page)


def test_the_public_results_page_needs_no_sign_in(page: Page) -> None:
    page.goto("/results/")
    expect(page.locator("h1")).to_have_text("LEAD results")
    expect(page.locator('[data-effect="did_or"]')).to_be_visible()
    check_axe(page)
    check_no_horizontal_scroll(page)
