"""The work finds the person (issue #17), on a phone: each hand-over reaches the inbox of the person who must
act, live, and leaves it when the work is done.

1. An officer calls the LEAD line: the on-call case manager's home page, already open, shows the hand-off
   within seconds without a reload (htmx polls the urgent part), with the menu's count; acknowledging it
   takes it out.
2. A partner's community referral reaches the designated approver's inbox; approving it puts the person in
   the program manager's "waiting for a case manager" queue (her inbox); assigning puts them on a caseload,
   where the case manager's inbox says the intake is due.
3. A service referral reaches the provider's inbox; the provider's answer reaches the case manager's.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e


def _section(page: Page, kind: str):
    return page.locator(f"[data-inbox] [data-inbox-kind={kind}]")


def test_a_lead_line_call_appears_in_the_on_call_inbox_live_and_leaves_when_acknowledged(
    page: Page, make_page: Callable[..., Page]
) -> None:
    carmen = make_page()
    sign_in(carmen, "", "carmen")  # on call in the demo roster; her home page stays open
    place = "Inbox Ave & Live St"
    waiting = _section(carmen, "handoff_waiting").locator("li").filter(has_text=place)
    expect(waiting).to_have_count(0)

    officer = page
    sign_in(officer, "", "olivia")
    officer.goto("/referrals/new/")
    officer.get_by_label("Arrest diversion").check()
    officer.get_by_label("Given name").fill("Quill")
    officer.get_by_label("Family name").fill("Inboxson")
    officer.get_by_label("Date of birth", exact=True).fill("1990-02-03")
    officer.get_by_label("Offence").select_option(label="PL 140.10 Criminal trespass, 3rd degree")
    officer.get_by_label("Place").fill(place)
    officer.locator("input[name=person_agrees][value=yes]").check()
    officer.get_by_role("button", name="Submit referral").click()
    officer.get_by_role("button", name="Call the LEAD line").click()
    expect(officer.locator("#handoff-status")).to_have_attribute("data-handoff-status", "requested")

    # No reload: the urgent part of Carmen's home page polls every 5 s.
    expect(waiting).to_have_count(1, timeout=15_000)
    expect(carmen.locator("#inbox-count [data-inbox-count]")).not_to_have_attribute(
        "data-inbox-count", "0", timeout=25_000
    )
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    waiting.get_by_role("link").click()  # opens where the work is done
    card = carmen.locator("li[data-handoff]").filter(has_text=place).first
    card.get_by_label("Minutes to arrive").fill("10")
    card.get_by_role("button", name="Acknowledge").click()
    expect(officer.locator("#handoff-status")).to_have_attribute(
        "data-handoff-status", "acknowledged", timeout=15_000
    )
    carmen.goto("/")
    expect(_section(carmen, "handoff_waiting").locator("li").filter(has_text=place)).to_have_count(0)


def test_a_community_referral_goes_from_the_approvers_inbox_through_the_queue_onto_a_caseload(
    page: Page, make_page: Callable[..., Page]
) -> None:
    sign_in(page, "", "pat")  # a partner organisation
    page.goto("/referrals/community/new/")
    page.get_by_label("Given name").fill("Ottoline")
    page.get_by_label("Family name").fill("Inboxwright")
    page.get_by_label("Or their age, if no date of birth").fill("51")
    page.get_by_label("Why you are referring").fill("Comes to the pantry daily; asked for help")
    page.locator("input[name=person_agrees][value=yes]").check()
    page.get_by_role("button", name="Send the referral").click()

    paula = make_page()
    sign_in(paula, "", "paula")  # the designated approver and program manager
    to_approve = _section(paula, "community_to_approve").locator("li").filter(has_text="Inboxwright")
    expect(to_approve).to_have_count(1)
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    to_approve.get_by_role("link").click()
    paula.get_by_role("radio", name="Approve").check()
    paula.get_by_label("Reason").fill("Known to outreach; needs a case manager")
    paula.get_by_role("button", name="Record the decision").click()
    expect(paula.locator("[data-status]")).to_have_attribute("data-status", "eligible")

    paula.goto("/")
    expect(
        _section(paula, "community_to_approve").locator("li").filter(has_text="Inboxwright")
    ).to_have_count(0)
    queued = _section(paula, "waiting_for_case_manager").locator("li").filter(has_text="Inboxwright")
    expect(queued).to_have_count(1)
    queued.get_by_role("link").click()
    paula.locator("[data-case-manager=casey]").check()
    paula.locator("[data-candidate=new]").check()
    paula.get_by_role("button", name="Assign").click()
    paula.goto("/")
    expect(
        _section(paula, "waiting_for_case_manager").locator("li").filter(has_text="Inboxwright")
    ).to_have_count(0)

    casey = make_page()
    sign_in(casey, "", "casey")
    intake = _section(casey, "intake_due").locator("li").filter(has_text="Inboxwright")
    expect(intake).to_have_count(1)
    expect(casey.locator("section[aria-labelledby='caseload-h']")).to_contain_text("Ottoline Inboxwright")
    check_axe(casey)


def test_a_service_referral_reaches_the_provider_and_the_answer_reaches_the_case_manager(
    page: Page, make_page: Callable[..., Page]
) -> None:
    carmen = page
    sign_in(carmen, "", "carmen")
    carmen.goto("/participants/?mine=1")
    plan_url = f"{carmen.locator('ul.cards > li > a').last.get_attribute('href')}plan/"
    carmen.goto(plan_url)
    carmen.locator("[data-refer]").click()
    carmen.locator("#id_service").select_option(label="Rapid rehousing")
    carmen.get_by_label("What for, in a sentence for the provider").fill("A room near the clinic, please")
    carmen.get_by_role("button", name="Send the referral").click()
    reference = carmen.get_by_role("heading", level=1).inner_text().split()[-1]
    work = f"service_referral:{reference.split('-')[1].lstrip('0')}"  # the key the inbox item carries

    pat = make_page()
    sign_in(pat, "", "pat")
    to_answer = _section(pat, "service_referral_to_answer").locator("li").filter(has_text=reference)
    expect(to_answer).to_have_count(1)
    check_axe(pat)
    check_no_horizontal_scroll(pat)
    to_answer.get_by_role("link").click()
    pat.get_by_label("New status").select_option(label="Accepted")
    pat.get_by_role("button", name="Save the status").click()
    expect(pat.locator("[data-referral-status]")).to_contain_text("Accepted")
    pat.goto("/")
    expect(
        _section(pat, "service_referral_to_answer").locator("li").filter(has_text=reference)
    ).to_have_count(0)

    carmen.goto("/")
    answered = _section(carmen, "service_referral_answered").locator(f'li[data-work="{work}"]')
    expect(answered).to_contain_text("Accepted")
    check_axe(carmen)
    answered.get_by_role("link").click()  # reading the answer is the work
    expect(carmen.locator("[data-referral-status]")).to_contain_text("Accepted")
    carmen.goto("/")
    expect(_section(carmen, "service_referral_answered").locator(f'li[data-work="{work}"]')).to_have_count(0)
