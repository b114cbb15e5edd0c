"""Where and when a service is offered, kept by its provider on a phone (decision 0022): Pat corrects the
opening hours and adds a new place in the listing form, is told plainly when a row of hours is wrong, and
sees both on the listing. Axe and 360 px on the form (also with its errors showing) and on the listing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e

LISTING = "Drop-in day centre"  # Open Door Housing's second demo listing; no other browser test edits it


def test_a_provider_adds_opening_hours_and_a_new_place_to_a_listing(page: Page) -> None:
    pat = page
    sign_in(pat, "", "pat")
    pat.goto("/directory/")
    pat.locator("[data-results] li[data-service]").filter(has_text=LISTING).get_by_role("link").click()
    expect(pat.get_by_role("heading", level=1)).to_have_text(LISTING)
    listing_url = pat.url
    pat.get_by_role("link", name="Correct the listing").click()
    expect(pat.get_by_role("heading", level=1)).to_have_text("Correct the listing")
    expect(pat.get_by_role("heading", name="Opening hours")).to_be_visible()
    check_axe(pat)
    check_no_horizontal_scroll(pat)

    # A row that closes before it opens is refused, naming the row and the field; nothing is saved.
    first = pat.get_by_role("group", name="Hours 1", exact=True)
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        first.get_by_label(day).check()
    first.get_by_label("Opens").fill("16:00")
    first.get_by_label("Closes").fill("08:00")
    pat.get_by_role("button", name="Save").click()
    summary = pat.locator("[data-error-summary]")
    expect(summary).to_contain_text("Hours 1 · Closes: The closing time must be after the opening time.")
    check_axe(pat)
    check_no_horizontal_scroll(pat)
    first = pat.get_by_role("group", name="Hours 1", exact=True)
    expect(first.get_by_label("Friday")).to_be_checked()  # what was typed is still there to correct
    first.get_by_label("Opens").fill("08:00")
    first.get_by_label("Closes").fill("16:00")

    second = pat.get_by_role("group", name="Hours 2", exact=True)
    second.get_by_label("Saturday").check()
    second.get_by_label("Notes").fill("By appointment")

    pat.get_by_label("Name of the new place").fill("Eastside drop-in")
    pat.get_by_label("Street address").fill("200 East Ave")
    pat.get_by_label("City", exact=True).fill("Rochester")
    pat.get_by_label("State", exact=True).fill("NY")
    pat.get_by_label("ZIP code").fill("14604")
    pat.get_by_label("How to get there").fill("Bus 18 to East Ave and Alexander")
    pat.get_by_role("button", name="Save").click()

    expect(pat.get_by_role("heading", level=1)).to_have_text(LISTING)
    assert pat.url == listing_url
    hours = pat.locator("[data-hours] li")
    expect(hours).to_have_text(["Monday–Friday 08:00–16:00", "Saturday · By appointment"])
    expect(pat.locator("[data-locations]")).to_contain_text(
        "Eastside drop-in · 200 East Ave, Rochester NY 14604 · Bus 18 to East Ave and Alexander"
    )
    check_axe(pat)
    check_no_horizontal_scroll(pat)

    # Corrected again: the new place is now one of the organisation's, ticked; the hours are the rows.
    pat.get_by_role("link", name="Correct the listing").click()
    expect(pat.get_by_label("Eastside drop-in, 200 East Ave, Rochester")).to_be_checked()
    first = pat.get_by_role("group", name="Hours 1", exact=True)
    expect(first.get_by_label("Opens")).to_have_value("08:00")
    expect(pat.get_by_role("group", name="Hours 2", exact=True).get_by_label("Notes")).to_have_value(
        "By appointment"
    )
