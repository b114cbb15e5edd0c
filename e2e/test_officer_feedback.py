"""Officer feedback on phone-sized screens: the case manager records the participant's opt-in, and only
then does the referring officer see whether their referral engaged — and nothing else of the person."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_section, sign_in

pytestmark = pytest.mark.e2e


def _olivias_referral(page: Page, name: str) -> None:
    page.goto("/referrals/")
    page.get_by_role("link", name=name).click()


def test_the_officer_sees_the_outcome_only_after_the_opt_in(
    page: Page, make_page: Callable[..., Page]
) -> None:
    sign_in(page, "", "olivia")
    # Tanya (demo) opted in and engaged; Marcus was handed off but has not opted in.
    _olivias_referral(page, "Tanya Brooks")
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "engaged")
    _olivias_referral(page, "Marcus Hill")
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "not_shared")
    marcus_url = page.url
    check_axe(page)
    check_no_horizontal_scroll(page)

    carmen = make_page()
    sign_in(carmen, "", "carmen")
    carmen.goto("/participants/?q=Marcus+Hill")
    carmen.get_by_role("link", name="Marcus Hill").first.click()
    open_section(carmen, "consents")
    form = carmen.locator("[data-consent-form]")
    expect(form).to_contain_text("whether you engaged with LEAD")
    form.get_by_label("Said so to the case manager").check()
    form.get_by_role("button", name="Record the opt-in").click()
    expect(carmen.locator('[data-consent="officer_feedback"]')).to_have_attribute(
        "data-consent-state", "in-force"
    )
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    page.goto(marcus_url)
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "not_yet_engaged")
    assert "/participants/" not in page.locator("main").inner_html()

    # The participant changes their mind: revoked, and the officer hears nothing more.
    carmen.locator('[data-consent="officer_feedback"] summary').click()
    carmen.get_by_label("How did the participant revoke it?").fill("Asked at the drop-in to stop it")
    carmen.get_by_role("button", name="Revoke the consent").click()
    expect(carmen.locator('[data-consent="officer_feedback"]')).to_have_attribute(
        "data-consent-state", "revoked"
    )
    page.goto(marcus_url)
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "not_shared")
