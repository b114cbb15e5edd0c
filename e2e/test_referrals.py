"""The officer's referral on a phone: the form, the decision with its reasons, and the override."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, path_of, sign_in

pytestmark = pytest.mark.e2e


def test_an_officer_diverts_an_arrest_in_a_few_taps_and_sees_it_accepted(page: Page) -> None:
    sign_in(page, "", "olivia")
    open_menu(page)
    page.locator('[data-nav="refer"]').click()
    expect(page.locator("h1")).to_have_text("New referral")
    check_axe(page)
    check_no_horizontal_scroll(page)
    page.get_by_label("Arrest diversion").check()
    # The social-contact questions are hidden once the door is chosen.
    expect(page.locator('fieldset[data-door="social_contact"]')).to_be_hidden()
    page.get_by_label("Given name").fill("Avery")
    page.get_by_label("Family name").fill("Quinn")
    page.get_by_label("Date of birth", exact=True).fill("1992-06-15")
    page.get_by_label("Offence").select_option(
        label="PL 220.03 Criminal possession of a controlled substance, 7th degree"
    )
    page.get_by_label("Drug quantity (grams)").fill("0.4")
    page.locator("input[name=person_agrees][value=yes]").check()
    page.get_by_role("button", name="Submit referral").click()
    assert path_of(page).startswith("/referrals/")
    expect(page.locator("h1")).to_have_text("Avery Quinn")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "eligible")
    check_axe(page)
    check_no_horizontal_scroll(page)


def test_a_bad_form_names_the_fields_and_an_ineligible_referral_shows_every_reason(page: Page) -> None:
    sign_in(page, "", "olivia")
    page.goto("/referrals/new/")
    page.get_by_label("Arrest diversion").check()
    page.get_by_role("button", name="Submit referral").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Given name")
    expect(summary).to_contain_text("Date of birth")
    expect(summary).to_contain_text("Offence")
    check_axe(page)
    page.get_by_label("Given name").fill("Blake")
    page.get_by_label("Family name").fill("Young")
    page.get_by_label("Or their age, if no date of birth").fill("17")
    page.get_by_label("Offence").select_option(label="PL 155.25 Petit larceny")
    page.get_by_label("Exploiting minors").check()
    page.locator("input[name=person_agrees][value=yes]").check()
    page.get_by_role("button", name="Submit referral").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "ineligible")
    failed = page.locator(".checks li.fail")
    expect(failed).to_have_count(2)
    expect(page.locator('.checks li.fail[data-criterion="adult"]')).to_be_visible()
    expect(page.locator('.checks li.fail[data-criterion="exclusion:exploits_minors"]')).to_be_visible()
    # The officer cannot override; the form is not offered.
    expect(page.get_by_role("button", name="Override and accept")).to_have_count(0)


def test_the_program_manager_overrides_with_a_written_reason(
    page: Page, make_page: Callable[..., Page]
) -> None:
    sign_in(page, "", "paula")
    page.goto("/referrals/")
    page.get_by_role("link", name="Keisha Young").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "ineligible")
    page.get_by_label("Reason for the override").fill(
        "No-contact order expired last month; checked with court."
    )
    page.get_by_role("button", name="Override and accept").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "eligible")
    expect(page.locator(".facts")).to_contain_text("No-contact order expired")
    check_axe(page)


def test_a_partner_refers_and_the_program_manager_approves(
    page: Page, make_page: Callable[..., Page]
) -> None:
    sign_in(page, "", "pat")
    open_menu(page)
    page.locator('[data-nav="community"]').click()
    check_axe(page)
    check_no_horizontal_scroll(page)
    page.get_by_label("Given name").fill("Indigo")
    page.get_by_label("Family name").fill("Baker")
    page.get_by_label("Or their age, if no date of birth").fill("39")
    page.get_by_label("Why you are referring").fill("Comes to the pantry; asked about housing and ID")
    page.locator("input[name=person_agrees][value=yes]").check()
    page.get_by_role("button", name="Send the referral").click()
    mine = page.locator(".cards li").filter(has_text="Indigo Baker")
    expect(mine.locator("[data-status]")).to_have_attribute("data-status", "pending_approval")

    paula = make_page()
    sign_in(paula, "", "paula")
    paula.goto("/referrals/")
    paula.get_by_role("link", name="Indigo Baker").click()
    paula.get_by_role("radio", name="Approve").check()
    paula.get_by_label("Reason").fill("Known to outreach; a case manager has room")
    paula.get_by_role("button", name="Record the decision").click()
    expect(paula.locator("[data-status]")).to_have_attribute("data-status", "eligible")
    check_axe(paula)

    page.reload()
    expect(mine.locator("[data-status]")).to_have_attribute("data-status", "eligible")
