"""42 CFR Part 2 consents on phone-sized screens (issue #4, item 8): the case manager records a 2.35
consent for the prosecutor with the participant's signature drawn on the screen, prints it, the
prosecutor reads only what it names with the 2.32 notice, the irrevocable consent cannot be revoked
before its event, and after the event a written revocation stops the disclosure. A 2.31 consent for a
provider, signed on paper and uploaded, opens that provider's summary."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import FilePayload, Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, open_section, sign_in, site_today

pytestmark = pytest.mark.e2e


def _sign_on_screen(page: Page, scope: str) -> None:
    canvas = page.locator(f"{scope} [data-signature-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + 120)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * 20, y + 120 - (step % 3) * 35, steps=3)
    page.mouse.up()


def _new_participant(page: Page, given: str, family: str) -> str:
    page.goto("/participants/new/")
    form = page.locator("[data-new-participant]")
    form.get_by_label("Legal given name").fill(given)
    form.get_by_label("Legal family name").fill(family)
    form.get_by_role("button", name="Create the participant").click()
    expect(page.locator("h1")).to_contain_text(f"{given} {family}")
    return page.url


def test_a_2_35_consent_signed_on_screen_shown_to_the_prosecutor_then_revoked_in_writing(
    page: Page, make_page: Callable[..., Page]
) -> None:
    sign_in(page, "", "carmen")
    participant_url = _new_participant(page, "Quinn", "Signer")
    pid = re.search(r"/participants/(\d+)/", participant_url).group(1)  # type: ignore[union-attr]
    open_section(page, "consents")
    page.locator('[data-new-consent="criminal_justice"]').click()
    form = page.locator("[data-part2-form]")
    check_axe(page)
    check_no_horizontal_scroll(page)
    # Nothing filled: refused, each missing element named.
    form.get_by_role("button", name="Record the consent").click()
    expect(page.locator(".error-summary")).to_contain_text("Recipient organisation")
    expect(page.locator(".error-summary")).to_contain_text("Expires on")

    form = page.locator("[data-part2-form]")
    form.get_by_label("The liaison prosecutor's office").check()
    form.get_by_label("Recipient organisation").select_option(label="Monroe County District Attorney (demo)")
    form.get_by_label(re.compile("my LEAD status")).check()
    form.get_by_label(re.compile("how often I met my case manager")).check()
    form.get_by_label("Expires on").fill((site_today() + timedelta(days=200)).isoformat())
    form.get_by_label("Irrevocable until a date or event (42 CFR 2.35)").check()
    form.get_by_label(re.compile("Irrevocable until \\(event\\)")).fill("final disposition of the charge")
    _sign_on_screen(page, "[data-part2-form]")
    form.get_by_role("button", name="Record the consent").click()
    expect(page.locator("[data-consent-state]")).to_have_attribute("data-consent-state", "in-force")
    expect(page.locator("[data-signed]")).to_contain_text("Quinn Signer")
    expect(page.locator("[data-irrevocable]")).to_contain_text("final disposition of the charge")
    consent_url = page.url
    check_axe(page)
    check_no_horizontal_scroll(page)
    pdf = page.request.get(page.locator("[data-consent-pdf]").get_attribute("href") or "")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # The prosecutor reads what the consent names, with the 2.32 notice, and nothing else.
    priya = make_page()
    sign_in(priya, "", "priya")
    open_menu(priya)
    priya.locator('[data-nav="summaries"]').click()
    expect(priya.locator(f'[data-summary="{pid}"]')).to_contain_text("Quinn Signer")
    check_axe(priya)
    check_no_horizontal_scroll(priya)
    priya.locator(f'[data-summary="{pid}"] a').click()
    expect(priya.locator("[data-notice]")).to_contain_text("42 CFR part 2")
    expect(priya.locator('[data-section="status"]')).to_be_visible()
    expect(priya.locator('[data-section="attendance"]')).to_be_visible()
    expect(priya.locator('[data-section="living"]')).to_have_count(0)
    expect(priya.locator('[data-section="sud_progress"]')).to_have_count(0)
    summary_url = priya.url
    check_axe(priya)
    check_no_horizontal_scroll(priya)

    # Irrevocable until its event: no revocation offered yet.
    page.goto(consent_url)
    expect(page.locator("[data-irrevocable-now]")).to_be_visible()
    expect(page.locator("[data-revoke-form]")).to_have_count(0)
    # The event happens; now the participant revokes it, in writing, signed on the screen.
    page.get_by_label("What happened, and when").fill("Charge dismissed at the hearing today")
    page.get_by_role("button", name="Record that it happened").click()
    expect(page.locator("main")).to_contain_text("Recorded.")
    revoke = page.locator("[data-revoke-form]")
    revoke.get_by_label("How did the participant revoke it?").fill("Signed a revocation at the office")
    revoke.get_by_role("button", name="Revoke the consent").click()  # unsigned: refused, field named
    expect(page.locator(".error-summary")).to_contain_text("revoked in writing")
    revoke = page.locator("[data-revoke-form]")
    revoke.get_by_label("How did the participant revoke it?").fill("Signed a revocation at the office")
    _sign_on_screen(page, "[data-revoke-form]")
    revoke.get_by_role("button", name="Revoke the consent").click()
    expect(page.locator("[data-consent-state]")).to_have_attribute("data-consent-state", "revoked")
    expect(page.locator("[data-disclosures] li")).to_have_count(2)  # the list and the summary, logged
    check_axe(page)

    response = priya.goto(summary_url)
    assert response is not None and response.status == 404
    priya.goto("/summaries/")
    expect(priya.locator(f'[data-summary="{pid}"]')).to_have_count(0)


def test_a_2_31_consent_signed_on_paper_opens_the_providers_summary(
    page: Page, make_page: Callable[..., Page]
) -> None:
    sign_in(page, "", "carmen")
    _new_participant(page, "Rowan", "Paper")
    open_section(page, "consents")
    page.locator('[data-new-consent="part2"]').click()
    form = page.locator("[data-part2-form]")
    form.get_by_label("A service provider").check()
    form.get_by_label("Recipient organisation").select_option(label="Open Door Housing (demo)")
    form.get_by_label(re.compile("progress on my substance-use goals")).check()
    form.get_by_label("Expires on").fill((site_today() + timedelta(days=90)).isoformat())
    form.get_by_role("button", name="Record the consent").click()
    expect(page.locator("[data-consent-state]")).to_have_attribute("data-consent-state", "awaiting-signature")
    check_axe(page)

    pat = make_page()
    sign_in(pat, "", "pat")
    pat.goto("/summaries/")
    expect(pat.locator("main")).not_to_contain_text("Rowan Paper")  # not signed: nothing is shared

    from leadline.demo.testing import sample_signed_pdf  # late: it imports models

    sign = page.locator("[data-sign-form]")
    sign.get_by_label(re.compile("Or upload the signed paper")).set_input_files(
        files=FilePayload(name="signed.pdf", mimeType="application/pdf", buffer=sample_signed_pdf())
    )
    sign.get_by_role("button", name="Save the signature").click()
    expect(page.locator("[data-consent-state]")).to_have_attribute("data-consent-state", "in-force")
    check_axe(page)
    check_no_horizontal_scroll(page)

    pat.goto("/summaries/")
    pat.get_by_role("link", name="Rowan Paper").click()
    expect(pat.locator('[data-section="sud_progress"]')).to_be_visible()
    expect(pat.locator("[data-notice]")).to_be_visible()
    check_axe(pat)
    check_no_horizontal_scroll(pat)
