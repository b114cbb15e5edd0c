"""The no-file-on-intake rule on phone-sized screens (issue #15 item 12; the Seattle model, as in Santa Fe
and Clackamas). The site administrator switches the site's legal rule through the site configuration file (a
14-day intake window); an arrest diversion is handed off under it; the case manager sees a 14-day clock
and completes the intake, with no contact logged; the window runs out (the sweep runs as of a later
moment); the prosecutor reads a do-not-file notice, confirms it, and the infraction is sealed from the
prosecutor and the officer. The site's rule is put back at once: matters already opened keep theirs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, sign_in
from e2e.test_legal import _refer_and_hand_off

pytestmark = pytest.mark.e2e

PLACE = "Clifford Ave & Joseph Ave"
WINDOW = 14


def _set_rule(admin: Page, *, mode: str, window: int) -> None:
    """The site administrator changes the site's legal rule as a coordinator does: export the site's
    configuration file, change the rule, import the file (Leadline's own pages, validated, audited)."""
    exported = admin.request.get("/site/export.json")
    assert exported.status == 200
    data = exported.json()
    data["site"].update(legal_mode=mode, no_file_window_days=window)
    admin.goto("/site/import/")
    admin.get_by_label("Site configuration file (JSON)").set_input_files(
        {"name": "site.json", "mimeType": "application/json", "buffer": json.dumps(data).encode()}
    )
    admin.get_by_role("button", name="Import").click()
    expect(admin.locator("body")).to_contain_text("Site configuration imported.")


def test_intake_within_the_window_makes_a_do_not_file_notice_and_seals_the_infraction(
    page: Page, make_page: Callable[..., Page], manage: Callable[..., str]
) -> None:
    adam = page
    sign_in(adam, "", "adam")
    officer = make_page()
    sign_in(officer, "", "olivia")
    carmen = make_page()
    sign_in(carmen, "", "carmen")
    _set_rule(adam, mode="no_file_on_intake", window=WINDOW)
    try:
        referral_url = _refer_and_hand_off(officer, carmen, "Marlow", "Quint", place=PLACE)
    finally:
        # The other browser tests expect the demo's rule; the matter just opened keeps the one it copied.
        _set_rule(adam, mode="expunge_after_participation", window=30)
    referral_id = referral_url.rstrip("/").split("/")[-1]

    # The case manager sees the no-file window's clock and completes the intake; no contact is logged.
    carmen.goto("/")
    carmen.locator("section[aria-labelledby='caseload-h'] a", has_text="Marlow Quint").first.click()
    expect(carmen.locator('[data-section="legal-clock"] [data-clock]')).to_have_attribute(
        "data-clock", str(WINDOW)
    )
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)
    carmen.locator("[data-intake-link]").click()
    form = carmen.locator("[data-intake-form]")
    form.locator("textarea[name=id_documents_situation]").fill("Needs a state ID")
    form.get_by_role("button", name="Complete the intake").click()
    expect(carmen.locator("[data-intake-link]")).to_contain_text("Intake completed")

    # The window runs out: the sweep runs as of a moment after it.
    as_of = (datetime.now(UTC) + timedelta(days=WINDOW + 2)).isoformat()
    assert "resolved" in manage("legal_sweep", "--as-of", as_of)

    # The prosecutor finds a do-not-file notice (not an expungement request), reads it, confirms it.
    priya = make_page()
    sign_in(priya, "", "priya")
    priya.goto("/legal/")
    awaiting = priya.locator('[data-section="awaiting"] li').filter(has_text="Marlow Quint")
    expect(awaiting).to_contain_text("Do-not-file notice")
    expect(awaiting).not_to_contain_text("Expungement request")
    check_axe(priya)
    check_no_horizontal_scroll(priya)
    pdf_url = awaiting.locator("[data-notice-pdf]").get_attribute("href") or ""
    pdf = priya.request.get(pdf_url)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    awaiting.locator("a").first.click()
    expect(priya.locator("[data-matter-state]")).to_contain_text("awaiting confirmation")
    expect(priya.locator("main")).not_to_contain_text("state ID")  # the outcome, never the intake
    check_axe(priya)
    check_no_horizontal_scroll(priya)
    matter_url = priya.url
    priya.locator("[data-confirm-notice]").click()
    expect(priya.locator("h1")).to_have_text("Legal matters")
    expect(priya.locator("body")).not_to_contain_text("Marlow Quint")
    assert priya.goto(matter_url).status == 404  # type: ignore[union-attr]
    assert priya.request.get(pdf_url).status == 404
    assert "Quint" not in priya.request.get("/api/v1/legal-matters/").text()

    # The officer: the sealed referral is gone, by list, by number and by API.
    officer.goto("/referrals/")
    expect(officer.locator("body")).not_to_contain_text("Marlow Quint")
    assert officer.goto(referral_url).status == 404  # type: ignore[union-attr]
    assert officer.request.get(f"/api/v1/referrals/{referral_id}/").status == 404
