"""Case management on phone-sized screens (issue #4, first part): the case manager marks a participant
inactive and re-engages them with no new referral; the program manager sees every caseload and transfers
a case; the hard caseload limit refuses a transfer. (Intake, plans, contacts and duplicate merging join
this file as they are built.)"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, open_section, sign_in

pytestmark = pytest.mark.e2e

CASELOAD = "section[aria-labelledby='caseload-h'] .cards li"  # the home page's caseload, not "Today"
ACTIVE = re.compile(r"\bActive\b")  # not "Inactive"


def _change_status(page: Page, to: str, why: str, exit_reason: str | None = None) -> None:
    if not page.locator("[data-status-form]").is_visible():  # after an error it is open already
        open_section(page, "plan", form="status-form")
    form = page.locator("[data-status-form]")
    form.get_by_label("New status").select_option(label=to)
    if exit_reason:
        form.get_by_label("Exit reason (when leaving LEAD)").select_option(label=exit_reason)
    form.get_by_label("Why").fill(why)
    form.get_by_role("button", name="Change status").click()


def test_inactive_and_back_then_a_transfer_and_the_hard_limit(
    page: Page, make_page: Callable[..., Page], manage: Callable[..., str]
) -> None:
    sign_in(page, "", "carmen")
    card = page.locator(CASELOAD).filter(has_text=ACTIVE).first
    name = card.locator("a").inner_text().strip()
    card.locator("a").click()
    participant_url = page.url

    _change_status(page, "Inactive (in the wind)", "Not seen at the drop-in for three weeks")
    expect(page.locator(".status").first).to_contain_text("Inactive")
    check_axe(page)
    check_no_horizontal_scroll(page)
    # Leaving without a reason is refused, with the field named.
    _change_status(page, "Exited", "Left town")
    expect(page.locator("main")).to_contain_text("Exit reason: choose why the person is leaving LEAD.")
    page.goto(participant_url)
    _change_status(page, "Active", "Found at the shelter; picking up the plan again")
    expect(page.locator(".status").first).to_contain_text("Active")
    history = page.locator("[data-status-history] li")
    expect(history.first).to_contain_text("Inactive (in the wind) → Active")
    expect(history.nth(1)).to_contain_text("Active → Inactive (in the wind)")

    # A contact, logged from the phone: two taps and a line.
    open_section(page, "contacts", form="contact-form")
    form = page.locator("[data-contact-form]")
    form.get_by_label("In person").check()
    form.get_by_label("Substantive (more than a hello)").check()
    form.get_by_label("Where", exact=True).fill("Shelter on Andrews St")
    form.get_by_label("Summary").fill("Agreed to start the housing application on Monday")
    form.get_by_role("button", name="Log contact").click()
    expect(page.locator("main")).to_contain_text("Contact logged.")
    expect(page.locator("[data-contacts] li").first).to_contain_text("reached, substantive")
    expect(page.locator("[data-contacts] li").first).to_contain_text(
        "Agreed to start the housing application"
    )
    check_axe(page)

    # The program manager sees every caseload and moves the case to Casey.
    paula = make_page()
    sign_in(paula, "", "paula")
    open_menu(paula)
    paula.locator('[data-nav="caseloads"]').click()
    expect(paula.locator('[data-caseload="casey"]')).to_be_visible()
    casey_before = int(paula.locator('[data-caseload="casey"]').get_attribute("data-size") or "0")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    paula.goto(participant_url)
    form = paula.locator("[data-assign-form]")
    form.get_by_label("Case manager").select_option(index=1 + _index_of(form, "Casey"))
    form.get_by_label("Reason").fill("Closer to where they sleep")
    form.get_by_role("button", name="Transfer").click()
    expect(paula.locator("main")).to_contain_text("Case moved from Carmen Castillo to Casey Clarke.")
    expect(paula.locator("[data-person-line]")).to_contain_text("Casey")

    # Casey is now at the hard limit (set low for this test): the next transfer to her is refused.
    set_limits(manage, soft=casey_before, hard=casey_before + 1)
    try:
        page.goto("/")
        active = page.locator(CASELOAD).filter(has_text=ACTIVE)
        other = active.filter(has_not_text=name).first
        other.locator("a").click()
        other_url = page.url
        paula.goto(other_url)
        form = paula.locator("[data-assign-form]")
        form.get_by_label("Case manager").select_option(index=1 + _index_of(form, "Casey"))
        form.get_by_label("Reason").fill("Balancing caseloads")
        form.get_by_role("button", name="Transfer").click()
        expect(paula.locator("main")).to_contain_text(f"the hard limit is {casey_before + 1}")
        check_axe(paula)
    finally:
        set_limits(manage, soft=20, hard=25)


def test_the_case_manager_completes_an_intake_from_the_inbox(page: Page) -> None:
    sign_in(page, "", "carmen")
    waiting = page.locator('[data-inbox-kind="intake_due"] li').filter(has_not_text="Marcus Hill").first
    name = waiting.locator("[data-who]").inner_text().strip()
    waiting.locator("a").click()  # straight to the intake form
    form = page.locator("[data-intake-form]")
    form.get_by_label("Housing", exact=True).first.check()  # acute: the checkbox comes first
    form.locator("textarea[name=housing_situation]").fill("Sleeping in a car since the eviction")
    form.get_by_role("button", name="Save draft").click()
    expect(page.locator("[data-intake-state]")).to_have_attribute("data-intake-state", "open")
    check_axe(page)
    check_no_horizontal_scroll(page)
    form = page.locator("[data-intake-form]")
    form.locator("textarea[name=id_documents_situation]").fill("Lost the ID card in October")
    form.get_by_role("button", name="Complete the intake").click()
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".status").first).to_contain_text("Engaged")
    expect(page.locator("[data-intake-link]")).to_contain_text("Intake completed")
    expect(page.locator("[data-status-history] li").first).to_contain_text("intake completed")

    # A plan with two goals in the participant's words, a step, and progress.
    page.locator("[data-plan-link]").click()
    for domain, goal in (("Housing", "A room of my own by spring"), ("ID documents", "Get my ID back")):
        form = page.locator("[data-goal-form]")
        form.get_by_label("Domain").select_option(label=domain)
        form.get_by_label("The goal, in their words").fill(goal)
        form.get_by_role("button", name="Add the goal").click()
        expect(page.locator("main")).to_contain_text("Goal added.")
    housing = page.locator("[data-goal]").filter(has_text="A room of my own by spring")
    housing.locator("summary").filter(has_text="Add a step").click()
    housing.get_by_label("Next step").fill("Fill in the housing voucher application")
    housing.get_by_label("Who").select_option(label="Together")
    housing.get_by_role("button", name="Add the step").click()
    housing = page.locator("[data-goal]").filter(has_text="A room of my own by spring")
    housing.locator("summary").filter(has_text="Record progress").click()
    housing.get_by_label("Where they are now").select_option(label="First steps taken")
    housing.get_by_role("button", name="Save progress").click()
    housing = page.locator("[data-goal]").filter(has_text="A room of my own by spring")
    expect(housing.locator("[data-progress]")).to_have_text("First steps taken")
    expect(housing.locator("[data-items]")).to_contain_text("Fill in the housing voucher application")
    expect(page.locator("[data-goal]")).to_have_count(2)
    check_axe(page)
    check_no_horizontal_scroll(page)


def test_a_duplicate_is_detected_and_merged(page: Page, make_page: Callable[..., Page]) -> None:
    sign_in(page, "", "carmen")
    page.goto("/participants/?q=Tanya+Brooks")
    page.get_by_role("link", name="Tanya Brooks").first.click()
    born = page.locator(".facts dd").nth(1).inner_text().strip()
    open_menu(page)
    page.locator('[data-nav="participants"]').click()
    page.locator("[data-new-link]").click()
    form = page.locator("[data-new-participant]")
    form.get_by_label("Legal given name").fill("Tania")  # a different spelling
    form.get_by_label("Legal family name").fill("Brooks")
    form.get_by_label("Date of birth").fill(born)
    form.get_by_role("button", name="Create the participant").click()
    duplicates = page.locator("[data-duplicates]")
    expect(duplicates).to_contain_text("Tanya Brooks")
    check_axe(page)
    check_no_horizontal_scroll(page)
    # Carmen is not sure and creates the record anyway; the program manager sees the pair and merges.
    form = page.locator("[data-new-participant]")
    form.get_by_label("None of these is the person: create a new record").check()
    form.get_by_role("button", name="Create the participant").click()
    expect(page.locator("h1")).to_have_text("Tania Brooks")
    duplicate_url = page.url

    paula = make_page()
    sign_in(paula, "", "paula")
    paula.goto(duplicate_url)
    merge = paula.locator("[data-merge]")
    merge.locator("label.option").filter(has_text="Tanya Brooks").locator("input").check()
    merge.get_by_label("Why they are the same person").fill("Same date of birth; Tania is a misspelling")
    check_axe(paula)
    merge.get_by_role("button", name="Merge").click()
    expect(paula.locator("h1")).to_have_text("Tanya Brooks")
    expect(paula.locator("[data-aliases]")).to_contain_text("Tania Brooks")
    paula.goto(duplicate_url)
    expect(paula.locator("[data-merged]")).to_be_visible()


def test_outreach_logs_an_attempt_where_they_looked(page: Page) -> None:
    sign_in(page, "", "omar")
    open_menu(page)
    page.locator('[data-nav="outreach"]').click()
    expect(page.locator("[data-outreach] li").first).to_be_visible()
    check_axe(page)
    check_no_horizontal_scroll(page)
    page.locator("[data-outreach] li a").first.click()
    open_section(page, "contacts", form="outreach-form")
    form = page.locator("[data-outreach-form]")
    expect(form.get_by_label("Summary")).to_have_count(0)  # outreach writes no case content
    expect(form.get_by_label("Outreach: looked for them")).to_be_checked()  # the attempt's defaults
    expect(form.locator("input[name=reached][value=no]")).to_be_checked()
    form.get_by_label("Where you looked").fill("Under the Court St bridge")
    form.get_by_role("button", name="Log the attempt").click()
    expect(page.locator("[data-contacts] li").first).to_contain_text("not reached")
    expect(page.locator("[data-contacts] li").first).to_contain_text("Under the Court St bridge")
    check_axe(page)
    check_no_horizontal_scroll(page)


def set_limits(manage: Callable[..., str], *, soft: int, hard: int) -> None:
    """The demo server's caseload limits (its site configuration), for this test only."""
    code = "from leadline.sites.models import Site; "
    manage(
        "shell", "-c", code + f"Site.objects.update(caseload_soft_limit={soft}, caseload_hard_limit={hard})"
    )


def _index_of(form, first_name: str) -> int:
    options = form.get_by_label("Case manager").locator("option").all_inner_texts()[1:]
    return next(i for i, text in enumerate(options) if text.startswith(first_name))
