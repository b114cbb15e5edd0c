"""The participant page on a phone (issue #17, item 4): at 360 × 740 the header and the next step are above
the fold; a contact sent with a required field empty comes back with the error in view and the field focused;
after a valid save the page is at the same section, with its message there. axe on every state."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import DEMO_TIME_ZONE, check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e

FOLD = 640  # px: what a 360 × 740 phone shows before any scrolling, with the browser's own bars


def _open_my_first_participant(page: Page) -> str:
    page.goto("/participants/?mine=1")
    page.locator("main li a[href^='/participants/']").first.click()
    expect(page).to_have_url(re.compile(r"/participants/\d+/$"))
    return page.url


def _bottom(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box["y"] + box["height"]


def test_the_header_and_next_step_are_above_the_fold_and_sections_are_tabs(page: Page) -> None:
    sign_in(page, "", "carmen")
    _open_my_first_participant(page)
    assert page.evaluate("() => window.scrollY") == 0
    for selector in ("h1", "[data-person-line]", "[data-next-step]", "[data-next-step-link]"):
        expect(page.locator(selector).first).to_be_visible()
        assert _bottom(page, selector) <= FOLD, f"{selector} ends at {_bottom(page, selector)} px"
    # One section at a time: the overview; the menu says which.
    expect(page.locator("[data-tab=overview]")).to_be_visible()
    expect(page.locator("[data-tab=contacts]")).to_be_hidden()
    expect(page.locator("[data-tab-link=overview]")).to_have_attribute("aria-current", "true")
    check_axe(page)
    check_no_horizontal_scroll(page)
    page.locator("[data-tab-link=timeline]").click()
    expect(page.locator("[data-tab=timeline]")).to_be_visible()
    expect(page.locator("[data-tab=overview]")).to_be_hidden()
    expect(page.locator("[data-timeline] li").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"#timeline$"))
    check_axe(page)
    check_no_horizontal_scroll(page)


def test_a_contact_error_is_in_view_and_focused_and_a_save_comes_back_to_contacts(page: Page) -> None:
    sign_in(page, "", "carmen")
    _open_my_first_participant(page)
    page.locator("[data-tab-link=contacts]").click()
    details = page.locator("#contact-form")
    if details.get_attribute("open") is None:
        details.locator("> summary").click()
    form = page.locator("[data-contact-form]")
    expect(form.get_by_label("When")).to_be_visible()
    form.get_by_label("When").fill("")  # a required field left empty
    form.get_by_role("button", name="Log contact").click()

    when = page.locator("#contact_occurred_at")
    expect(when).to_be_focused()
    expect(when).to_have_attribute("aria-invalid", "true")
    error = page.locator("#contact_occurred_at_error")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(page.locator("[data-tab=contacts] .error-summary")).to_be_visible()
    expect(page.locator("[data-tab=overview]")).to_be_hidden()  # the page opened on the form's section
    check_axe(page)
    check_no_horizontal_scroll(page)

    # Corrected and sent: back at the contacts, the message there, in view.
    form = page.locator("[data-contact-form]")
    form.get_by_label("When").fill(_now_local())
    form.get_by_label("Summary").fill("Talked about the housing voucher")
    form.get_by_role("button", name="Log contact").click()
    expect(page).to_have_url(re.compile(r"/participants/\d+/#contacts$"))
    message = page.locator("[data-tab=contacts] [data-section-messages]")
    expect(message).to_contain_text("Contact logged.")
    expect(message).to_be_in_viewport()
    expect(page.locator("[data-tab=contacts]")).to_be_visible()
    expect(page.locator("[data-tab=overview]")).to_be_hidden()
    expect(page.locator("[data-contacts] li").first).to_contain_text("Talked about the housing voucher")
    check_axe(page)


def _now_local() -> str:
    """A few minutes ago, as a datetime-local input carries it, in the demo site's zone (the server reads
    the input in the site's zone, whatever the browser's)."""
    return (datetime.now(ZoneInfo(DEMO_TIME_ZONE)) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")


def test_the_outreach_worker_logs_an_attempt_not_reached_and_moves_the_whereabouts(page: Page) -> None:
    sign_in(page, "", "omar")
    page.goto("/participants/outreach/")
    page.locator("[data-outreach] li a").first.click()
    page.locator("[data-tab-link=contacts]").click()
    form = page.locator("[data-outreach-form]")
    expect(form).to_be_visible()  # outreach's own form opens first
    expect(form.locator("input[name=reached][value=no]")).to_be_checked()
    expect(form.get_by_label("Summary")).to_have_count(0)  # outreach writes no case content
    form.get_by_label("Where you looked").fill("Behind the Central Library")
    form.get_by_role("button", name="Log the attempt").click()
    expect(page.locator("[data-tab=contacts] [data-section-messages]")).to_contain_text(
        "Outreach attempt logged."
    )
    expect(page.locator("[data-contacts] li").first).to_contain_text("not reached")
    page.locator("[data-tab-link=overview]").click()
    expect(page.locator('[data-field="whereabouts"]')).to_have_text("Behind the Central Library")
    check_axe(page)
    check_no_horizontal_scroll(page)
