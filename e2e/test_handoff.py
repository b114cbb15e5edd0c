"""The warm hand-off on phone-sized screens: the officer calls the LEAD line, the on-call case manager
acknowledges, arrives and hands off, and the officer sees each step and clears.

(Issue #3 continues: the participant created at hand-off, escalation to the backup with a frozen clock,
and the field lookup join this flow in the next part.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, sign_in

pytestmark = pytest.mark.e2e


def _refer(page: Page, given: str) -> None:
    page.goto("/referrals/new/")
    page.get_by_label("Arrest diversion").check()
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill("Morales")
    page.get_by_label("Date of birth", exact=True).fill("1987-09-09")
    page.get_by_label("Offence").select_option(label="PL 140.10 Criminal trespass, 3rd degree")
    page.get_by_label("Place").fill("Main St & Clinton Ave")
    page.locator("input[name=person_agrees][value=yes]").check()
    page.get_by_role("button", name="Submit referral").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "eligible")


def test_officer_calls_the_lead_line_and_the_case_manager_takes_it_to_hand_off(
    page: Page, make_page: Callable[..., Page]
) -> None:
    officer = page
    sign_in(officer, "", "olivia")
    _refer(officer, "Harper")
    officer.get_by_role("button", name="Call the LEAD line").click()
    status = officer.locator("#handoff-status")
    expect(status).to_have_attribute("data-handoff-status", "requested")
    check_axe(officer)
    check_no_horizontal_scroll(officer)
    referral_url = officer.url

    carmen = make_page()
    sign_in(carmen, "", "carmen")  # on call in the demo roster
    open_menu(carmen)
    carmen.locator('[data-nav="handoffs"]').click()
    card = carmen.locator("li[data-handoff]").filter(has_text="Main St & Clinton Ave").first
    expect(card).to_be_visible()
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)
    card.get_by_label("Minutes to arrive").fill("12")
    card.get_by_role("button", name="Acknowledge").click()

    # The officer's page updates by itself (htmx polls the status every 10 s); no reload needed.
    expect(status).to_have_attribute("data-handoff-status", "acknowledged", timeout=15_000)
    expect(status).to_contain_text("arriving in about 12 minutes")

    card = carmen.locator("li[data-handoff]").filter(has_text="Main St & Clinton Ave").first
    card.get_by_role("button", name="I have arrived").click()
    card = carmen.locator("li[data-handoff]").filter(has_text="Main St & Clinton Ave").first
    card.get_by_role("button", name="Hand-off done").click()

    # The person is now a participant pending intake, on Carmen's caseload.
    carmen.goto("/")
    expect(carmen.locator(".cards li").filter(has_text="Harper Morales")).to_contain_text("Referred")

    officer.goto(referral_url)
    expect(officer.locator("#handoff-status")).to_have_attribute("data-handoff-status", "handed_off")
    expect(officer.locator("#handoff-status")).to_contain_text("(target 30)")
    officer.get_by_role("button", name="I am clear of the scene").click()
    expect(officer.locator("#handoff-status")).to_contain_text("Officer cleared")
    check_axe(officer)


def test_an_officer_lookup_reveals_only_enrolled_and_the_lead_line(
    page: Page, make_page: Callable[..., Page]
) -> None:
    carmen = make_page()
    sign_in(carmen, "", "carmen")
    carmen.locator(".cards a").first.click()
    legal = carmen.locator(".facts dd").nth(0).inner_text().strip()  # "Given Family"
    dob = carmen.locator(".facts dd").nth(1).inner_text().strip()
    whereabouts = carmen.locator('[data-field="whereabouts"]').inner_text().strip()
    given, family = legal.split(" ", 1)

    sign_in(page, "", "olivia")
    open_menu(page)
    page.locator('[data-nav="lookup"]').click()
    # A typo in the family name, and the names the other way round: still found.
    page.get_by_label("Given name or nickname").fill(family[:-1] + family[-1].upper())
    page.get_by_label("Family name").fill(given)
    page.get_by_label("Date of birth (if known)").fill(dob)
    page.get_by_role("button", name="Look up").click()
    result = page.locator(".lookup-result")
    expect(result).to_have_attribute("data-enrolled", "yes")
    expect(result).to_contain_text("+1 585 555 0100")
    shown = page.locator("main").inner_text()
    for secret in (whereabouts, "Carmen", "Castillo"):
        assert secret not in shown, secret
    check_axe(page)
    check_no_horizontal_scroll(page)


def test_an_unanswered_page_escalates_to_the_backup_and_the_officer_sees_it(
    page: Page, manage: Callable[..., str]
) -> None:
    sign_in(page, "", "olivia")
    _refer(page, "Rowan")
    page.get_by_role("button", name="Call the LEAD line").click()
    status = page.locator("#handoff-status")
    expect(status).to_have_attribute("data-handoff-status", "requested")
    status_url = page.locator("#handoff-status").get_attribute("hx-get") or ""
    handoff_id = status_url.split("/")[-3]  # .../handoffs/<id>/status/
    # Six minutes pass with nobody answering: the escalation task runs, on a frozen clock, on the server's DB.
    out = manage(
        "shell",
        "-c",
        "import time_machine; from datetime import timedelta; from leadline.core import clock;"
        "from leadline.referrals.services import handoff_escalate_due;"
        "from leadline.referrals.models import HandoffPage\n"
        "with time_machine.travel(clock.now() + timedelta(minutes=6), tick=False):\n"
        "    handoff_escalate_due()\n"
        f"pages = HandoffPage.objects.filter(handoff_id={handoff_id})\n"
        "print(list(pages.values_list('recipient__username', 'level')))",
    )
    assert "('carmen', 0)" in out and "('casey', 1)" in out
    # The officer's panel updates by itself.
    expect(status).to_contain_text("the backup has been paged", timeout=15_000)
