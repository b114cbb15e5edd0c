"""No eligible person falls between doors (issue #17, item 3), on a phone: a partner's community referral is
approved, waits in the program manager's queue, and is assigned onto a case manager's caseload."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, path_of, sign_in

pytestmark = pytest.mark.e2e


def test_an_approved_community_referral_waits_in_the_queue_until_it_is_on_a_caseload(
    page: Page, make_page: Callable[..., Page]
) -> None:
    # A partner organisation refers someone.
    sign_in(page, "", "pat")
    page.goto("/referrals/community/new/")
    page.get_by_label("Given name").fill("Perpetua")
    page.get_by_label("Family name").fill("Okonkwo-Lindqvist")
    page.get_by_label("Or their age, if no date of birth").fill("44")
    page.get_by_label("Why you are referring").fill("Sleeps behind the pantry; asked about a case manager")
    page.locator("input[name=person_agrees][value=yes]").check()
    page.get_by_role("button", name="Send the referral").click()

    # The designated approver approves; the page offers no LEAD-line call, and says the person waits.
    paula = make_page()
    sign_in(paula, "", "paula")
    paula.goto("/referrals/")
    paula.get_by_role("link", name="Perpetua Okonkwo-Lindqvist").click()
    expect(paula.get_by_role("button", name="Call the LEAD line")).to_have_count(0)
    paula.get_by_role("radio", name="Approve").check()
    paula.get_by_label("Reason").fill("Known to outreach; needs a case manager")
    paula.get_by_role("button", name="Record the decision").click()
    expect(paula.locator("[data-status]")).to_have_attribute("data-status", "eligible")
    expect(paula.locator("[data-waiting-for-case-manager]")).to_be_visible()
    expect(paula.get_by_role("button", name="Call the LEAD line")).to_have_count(0)
    check_axe(paula)

    # The program manager's queue holds the person, oldest first; she assigns Casey.
    paula.get_by_role("link", name="The waiting queue").click()
    assert path_of(paula) == "/referrals/waiting/"
    entry = paula.locator("[data-waiting]").filter(has_text="Perpetua Okonkwo-Lindqvist")
    expect(entry).to_contain_text("Community referral")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    entry.get_by_role("link", name="Perpetua Okonkwo-Lindqvist").click()
    expect(paula.locator("h1")).to_have_text("Assign a case manager")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    # Sent without a choice: the error names the field, next to it.
    paula.get_by_role("button", name="Assign").click()
    expect(paula.locator("[data-assign-errors]")).to_contain_text("Case manager")
    expect(paula.locator("#id_case_manager .error")).to_be_visible()
    check_axe(paula)
    paula.locator("[data-case-manager=casey]").check()
    paula.locator("[data-candidate=new]").check()
    paula.get_by_role("button", name="Assign").click()
    assert path_of(paula) == "/referrals/waiting/"
    expect(paula.locator(".messages, [role=status]").first).to_contain_text("Casey Clarke")
    expect(paula.locator("[data-waiting]").filter(has_text="Perpetua Okonkwo-Lindqvist")).to_have_count(0)

    # She is on Casey's caseload, intake due, with the name as the partner gave it (nothing typed again).
    casey = make_page()
    sign_in(casey, "", "casey")
    casey.goto("/participants/?q=Okonkwo-Lindqvist")
    casey.get_by_role("link", name="Perpetua Okonkwo-Lindqvist").first.click()
    expect(casey.locator("h1")).to_contain_text("Perpetua Okonkwo-Lindqvist")
    check_axe(casey)
