"""The officer's phone after a referral (issue #17 item 5): the result in one sentence and, when eligible,
"Call the LEAD line" in the first screenful; an ineligible result says what the officer can do next."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.helpers import VIEWPORT, check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e


def in_first_viewport(locator: Locator) -> None:
    """Seen without scrolling: the page is at its top and the element ends above the screen's bottom edge."""
    box = locator.bounding_box()
    assert box is not None
    assert locator.page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box


def refer(page: Page, given: str, *, grams: str, exclusion: str | None = None) -> None:
    page.goto("/referrals/new/")
    page.get_by_label("Arrest diversion").check()
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill("Okafor")
    page.get_by_label("Date of birth", exact=True).fill("1988-02-11")
    page.get_by_label("Offence").select_option(
        label="PL 220.03 Criminal possession of a controlled substance, 7th degree"
    )
    page.get_by_label("Drug quantity (grams)").fill(grams)
    if exclusion:
        page.get_by_label(exclusion).check()
    page.locator("input[name=person_agrees][value=yes]").check()
    page.get_by_role("button", name="Submit referral").click()
    page.wait_for_load_state()


def test_an_eligible_referral_opens_on_the_result_and_the_lead_line(page: Page) -> None:
    sign_in(page, "", "olivia")
    refer(page, "Chidi", grams="0.5")
    result = page.locator("[data-result-sentence]")
    expect(result).to_have_text(
        "Eligible: Criminal possession of a controlled substance, 7th degree (PL 220.03) is a LEAD offence."
    )
    call = page.get_by_role("button", name="Call the LEAD line")
    phone = page.locator("a[data-lead-line-phone]")
    expect(phone).to_have_attribute("href", "tel:+1 585 555 0100")
    in_first_viewport(result)
    in_first_viewport(call)
    check_axe(page)
    check_no_horizontal_scroll(page)
    # The in-app request still works from the top of the page.
    call.click()
    expect(page.locator("[data-handoff-status]")).to_have_attribute("data-handoff-status", "requested")


def test_an_ineligible_referral_says_why_and_what_the_officer_can_do_next(page: Page) -> None:
    sign_in(page, "", "olivia")
    refer(page, "Nneka", grams="0.5", exclusion="No-contact order with a current participant")
    result = page.locator("[data-result-sentence]")
    expect(result).to_have_text("Not eligible: there is a no-contact order with a current participant.")
    steps = page.locator("[data-next-steps]")
    expect(steps).to_contain_text("You can proceed as usual.")
    expect(steps).to_contain_text("the program manager can review it")
    expect(page.get_by_role("button", name="Call the LEAD line")).to_have_count(0)
    in_first_viewport(result)
    in_first_viewport(steps)
    expect(page.locator("main")).not_to_contain_text("exclusion:")
    check_axe(page)
    check_no_horizontal_scroll(page)

    # Over the drug-quantity limit: the social-contact door is offered, and opens that door.
    refer(page, "Obi", grams="9")
    expect(result).to_have_text("Not eligible: 9 g of drugs is over the limit of 3 g.")
    page.locator("a[data-social-door]").click()
    expect(page.get_by_label("Social-contact referral")).to_be_checked()
