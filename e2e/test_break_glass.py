"""Break-glass and the audit report in the browser (issue #15 item 13, and its review): the site
administrator writes the reason and finds the participant by full name (a POST, never in the address bar;
nobody has to know a number), chooses them (the access form keeps the same reason) and opens time-boxed
read access; the audit report then shows the search and the opening, with times in the site's zone and
their offset from UTC."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e

OFFSET = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} [\u2212+]\d{2}:\d{2}")


def test_the_administrator_finds_the_participant_by_name_and_opens_break_glass(page: Page) -> None:
    adam = page
    sign_in(adam, "", "adam")
    adam.goto("/audit/break-glass/")
    check_axe(adam)
    check_no_horizontal_scroll(adam)
    search = adam.locator("form[data-candidate-search]")
    reason = "Subpoena 26-SP-0412 requires the record today"
    search.get_by_label("Written reason").fill(reason)
    search.get_by_label("Given name").fill("Tanya")
    search.get_by_label("Family name").fill("Brooks")
    search.get_by_role("button", name="Search").click()
    assert "Brooks" not in adam.url and "Tanya" not in adam.url  # the words searched for stay out of the URL
    match = adam.locator("[data-candidate]").filter(has_text="Tanya Brooks")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("Born")
    check_axe(adam)
    check_no_horizontal_scroll(adam)
    number = match.get_attribute("data-candidate") or ""
    match.locator("[data-choose]").click()
    opening = adam.locator("form:not([data-candidate-search])").filter(has=adam.locator("[name=minutes]"))
    expect(opening.locator("input[name=participant_id]")).to_have_value(number)  # chosen, not typed
    expect(opening.get_by_label("Written reason")).to_have_value(reason)  # the reason the search gave
    opening.get_by_label("Minutes of access").fill("10")
    adam.get_by_role("button", name="Open access").click()
    expect(adam.locator("h1")).to_contain_text("Tanya")
    expect(adam.locator("body")).to_contain_text("Break-glass access")

    # The participant's audit trail, opened by number from the reports page: the opening and the search
    # are there, each time in the site's zone with its offset (no "UTC" label on local times).
    adam.goto("/audit/")
    adam.locator("[data-find=participant]").get_by_label("Participant number").fill(number)
    adam.get_by_role("button", name="Open the participant's trail").click()
    expect(adam.locator("h1")).to_contain_text(f"#{number}")
    rows = adam.locator("tbody tr")
    expect(rows.filter(has_text="break-glass opened").first).to_be_visible()
    expect(rows.filter(has_text="searched").first).to_be_visible()
    first_time = rows.first.locator("time").inner_text()
    assert OFFSET.fullmatch(first_time), first_time
    expect(adam.locator("thead")).not_to_contain_text("UTC")
    check_axe(adam)
    check_no_horizontal_scroll(adam)
