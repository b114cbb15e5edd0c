"""The service directory on phone-sized screens (issue #7, first part): a case manager finds a service by
kind and language and reads the listing; the provider keeps its own listing current, and the case manager
sees the correction; a case manager refers a participant, the provider answers in Leadline (or, when
nobody signs in for them, by the emailed link) through to completion, and the outcome reaches the plan.
Axe and 360 px on every page of it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, sign_in

pytestmark = pytest.mark.e2e


def test_a_case_manager_finds_a_service_and_the_provider_keeps_its_listing_current(
    page: Page, make_page: Callable[..., Page]
) -> None:
    carmen = page
    sign_in(carmen, "", "carmen")
    open_menu(carmen)
    carmen.locator("[data-nav=directory]").click()
    expect(carmen.get_by_role("heading", level=1)).to_have_text("Services")
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    # Medication for opioid use disorder is a narrower kind of substance-use treatment, found by the broader.
    carmen.get_by_label("Kind of service").select_option(label="Substance-use treatment")
    carmen.get_by_label("Spoken in").select_option(label="Spanish")
    carmen.get_by_role("button", name="Search").click()
    results = carmen.locator("[data-results] li[data-service]")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Same-day buprenorphine starts")
    results.first.get_by_role("link").click()
    expect(carmen.get_by_role("heading", level=1)).to_have_text("Same-day buprenorphine starts")
    expect(carmen.locator("[data-terms]")).to_contain_text("Medication for opioid use disorder")
    expect(carmen.locator("[data-keep-current]")).to_have_count(0)  # not hers to edit
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    # A listing nobody has confirmed for 200 days says so.
    carmen.goto("/directory/?q=appeals")
    carmen.locator("li[data-service]").filter(has_text="Benefits appeals").get_by_role("link").click()
    expect(carmen.locator("[data-stale]")).to_contain_text("check with the service")

    pat = make_page()
    sign_in(pat, "", "pat")
    pat.goto("/directory/")
    listings = pat.locator("[data-results] li[data-service]")
    expect(listings).to_have_count(2)  # only Open Door Housing's own
    listings.filter(has_text="Rapid rehousing").get_by_role("link").click()
    pat.get_by_role("link", name="Correct the listing").click()
    check_axe(pat)
    check_no_horizontal_scroll(pat)
    pat.get_by_label("Open places").fill("")
    pat.get_by_label("Minimum age").fill("30")
    pat.get_by_label("Maximum age").fill("18")
    pat.get_by_role("button", name="Save").click()
    expect(pat.locator(".error").first).to_contain_text("The maximum age cannot be below the minimum age.")
    pat.get_by_label("Minimum age").fill("18")
    pat.get_by_label("Maximum age").fill("")
    pat.get_by_label("Open places").fill("2")
    pat.get_by_role("button", name="Save").click()
    expect(pat.locator("[data-capacity]")).to_contain_text("2 places open")
    pat.get_by_role("button", name="Confirm it is current").click()
    expect(pat.locator("[data-stale]")).to_have_count(0)

    carmen.goto("/directory/?q=rehousing")
    expect(carmen.locator("li[data-service]").filter(has_text="Rapid rehousing")).to_contain_text(
        "2 places open"
    )


def test_the_program_adds_a_service_for_an_organisation(page: Page) -> None:
    paula = page
    sign_in(paula, "", "paula")
    paula.goto("/directory/")
    paula.get_by_role("link", name="Add a service").click()
    expect(paula.get_by_role("heading", level=1)).to_have_text("Add a service")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    paula.get_by_label("Organisation").select_option(label="Genesee Legal Aid (demo)")
    paula.locator("#id_name").fill("Eviction defence")
    paula.get_by_label("Civil legal help").check()
    paula.get_by_role("button", name="Save").click()
    expect(paula.get_by_role("heading", level=1)).to_have_text("Eviction defence")
    expect(paula.locator(".lede")).to_contain_text("Genesee Legal Aid (demo)")
    expect(paula.locator("[data-verified]")).not_to_have_text("never")


def _carmens_plan(carmen: Page) -> str:
    """Carmen signed in, on the plan of someone still on her caseload whatever the other browser tests
    moved (the last of her list); returns the plan's address."""
    sign_in(carmen, "", "carmen")
    carmen.goto("/participants/?mine=1")
    person = carmen.locator("ul.cards > li > a").last
    plan_url = f"{person.get_attribute('href')}plan/"
    carmen.goto(plan_url)
    return plan_url


def _refer_from_the_plan(carmen: Page, service: str, reason: str) -> str:
    """Refer Carmen's participant to ``service`` from the plan's list; returns the plan's address."""
    plan_url = _carmens_plan(carmen)
    carmen.locator("[data-refer]").click()
    carmen.locator("#id_service").select_option(label=service)
    carmen.get_by_label("What for, in a sentence for the provider").fill(reason)
    carmen.get_by_role("button", name="Send the referral").click()
    return plan_url


def test_a_referral_goes_round_the_loop_and_the_outcome_reaches_the_plan(
    page: Page, make_page: Callable[..., Page], manage: Callable[..., str]
) -> None:
    carmen = page
    plan_url = _carmens_plan(carmen)
    carmen.locator("[data-refer]").click()
    carmen.get_by_role("link", name="Find a service in the directory").click()
    carmen.get_by_label("Kind of service").select_option(label="Housing")
    carmen.get_by_role("button", name="Search").click()
    carmen.locator("li[data-service]").filter(has_text="Rapid rehousing").get_by_role("link").click()
    carmen.locator("[data-refer-here]").click()
    expect(carmen.locator("[data-shares]")).to_have_attribute("data-shares", "no")  # no consent names them
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)
    carmen.get_by_label("What for, in a sentence for the provider").fill("A room near the clinic")
    carmen.get_by_role("button", name="Send the referral").click()
    expect(carmen.locator("[data-referral-status]")).to_contain_text("Sent, waiting for an answer")
    reference = carmen.get_by_role("heading", level=1).inner_text().split()[-1]

    # Two days pass with no answer: the provider is reminded, and their list says so.
    manage("shell", "-c", (
        "from datetime import timedelta; from leadline.core import clock; "
        "from leadline.directory.models import ServiceReferral as R; "
        f"R.objects.filter(pk={reference.split('-')[1].lstrip('0')}).update("
        "requested_at=clock.now() - timedelta(days=3))"
    ))  # fmt: skip
    assert "1 unanswered-referral reminder(s) sent" in manage("directory_reminders")

    pat = make_page()
    sign_in(pat, "", "pat")
    open_menu(pat)
    pat.locator("[data-nav=service_referrals]").click()
    item = pat.locator("li[data-referral]").filter(has_text=reference)
    expect(item).to_contain_text("waiting for an answer for more than two days")
    check_axe(pat)
    item.get_by_role("link").click()
    expect(pat.locator("[data-who-withheld]")).to_be_visible()  # the person is not theirs to see yet
    check_axe(pat)
    check_no_horizontal_scroll(pat)
    for status in ("Accepted", "In progress"):
        pat.get_by_label("New status").select_option(label=status)
        pat.get_by_role("button", name="Save the status").click()
        expect(pat.locator("[data-referral-status]")).to_contain_text(status)
    pat.get_by_label("New status").select_option(label="Completed")
    pat.get_by_role("button", name="Save the status").click()
    expect(pat.locator(".error").first).to_contain_text("Record the outcome")
    pat.get_by_label("New status").select_option(label="Completed")
    pat.get_by_label("Outcome").fill("Moved into a studio on Friday")
    pat.get_by_role("button", name="Save the status").click()
    expect(pat.locator("[data-referral-status]")).to_contain_text("Completed")

    carmen.goto(plan_url)
    done = carmen.locator(f'li[data-service-referral="{reference.split("-")[1].lstrip("0")}"]')
    expect(done).to_contain_text("Completed")
    expect(done.locator("[data-outcome]")).to_contain_text("Moved into a studio on Friday")


def test_a_provider_who_does_not_sign_in_answers_by_the_emailed_link(
    page: Page, make_page: Callable[..., Page], manage: Callable[..., str]
) -> None:
    carmen = page
    plan_url = _refer_from_the_plan(
        carmen, "ID and birth certificate clinic", "Replacement birth certificate"
    )
    expect(carmen.locator("[data-answer-link]")).to_contain_text("intake@geneseelegal.example")
    check_axe(carmen)
    referral_id = carmen.locator("[data-referral]").get_attribute("data-referral")

    # The email went to the legal aid office (the console backend); the link in it, as they would open it.
    path = manage("shell", "-c", (
        "from django.urls import reverse; from leadline.directory.models import ServiceReferral as R; "
        "from leadline.directory.referrals import answer_token; "
        f"print(reverse('directory:answer', args=[answer_token(R.objects.get(pk={referral_id}))]))"
    )).strip().splitlines()[-1]  # fmt: skip
    office = make_page()  # nobody signed in
    office.goto(path)
    expect(office.locator("[data-who-withheld]")).to_be_visible()
    expect(office.locator("main")).not_to_contain_text("Replacement birth certificate")
    check_axe(office)
    check_no_horizontal_scroll(office)
    for status in ("Accepted", "In progress"):
        office.get_by_label("New status").select_option(label=status)
        office.get_by_role("button", name="Save the status").click()
        expect(office.locator("[data-referral-status]")).to_contain_text(status)
    office.get_by_label("New status").select_option(label="Completed")
    office.get_by_label("Outcome").fill("Birth certificate ordered; ID appointment on the 12th")
    office.get_by_role("button", name="Save the status").click()
    expect(office.locator("[data-closed]")).to_be_visible()

    carmen.goto(plan_url)
    done = carmen.locator("li[data-service-referral]").filter(has_text="ID and birth certificate clinic")
    expect(done.locator("[data-outcome]")).to_contain_text("Birth certificate ordered")


def test_a_provider_answers_from_its_own_system_through_a_fhir_bundle(
    page: Page, make_page: Callable[..., Page], tmp_path: Path
) -> None:
    carmen = page
    _refer_from_the_plan(carmen, "Drop-in day centre", "Showers and a mail address")
    reference = carmen.get_by_role("heading", level=1).inner_text().split()[-1]

    pat = make_page()
    sign_in(pat, "", "pat")
    pat.goto("/directory/referrals/")
    pat.locator("li[data-referral]").filter(has_text=reference).get_by_role("link").click()
    with pat.expect_download() as fetched:
        pat.locator("[data-fhir-export]").click()
    bundle = json.loads(Path(fetched.value.path()).read_text(encoding="utf-8"))
    task = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task")
    assert task["identifier"][0]["value"] == reference and task["status"] == "requested"
    task["status"] = "in-progress"  # their system accepted it and started work
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(bundle), encoding="utf-8")

    pat.goto("/directory/referrals/")
    pat.locator("[data-fhir-import]").click()
    check_axe(pat)
    check_no_horizontal_scroll(pat)
    pat.get_by_label("FHIR bundle (JSON)").set_input_files(str(answer))
    pat.get_by_role("button", name="Import").click()
    expect(pat.locator("[data-import-done]")).to_contain_text(f"{reference}: requested → in-progress")
    check_axe(pat)
    carmen.reload()
    expect(carmen.locator("[data-referral-status]")).to_contain_text("In progress")
