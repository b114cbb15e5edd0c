"""In the browser: a real (non-demo) account must enrol and use a second factor even on the demo server;
a case manager writes a note once however often the button is pressed; the pages switch to Spanish."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, path_of, sign_in, submit_sign_in

pytestmark = pytest.mark.e2e

REAL_PASSWORD = "a-real-long-pass-phrase-77"


def _code(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def test_a_real_account_must_enrol_a_second_factor_even_on_the_demo(
    page: Page, manage: Callable[..., str]
) -> None:
    manage(
        "shell",
        "-c",
        "from leadline.accounts.models import User, Agency;"
        "u, _ = User.objects.get_or_create(username='rita');"
        "u.role = 'program_manager'; u.is_demo = False; u.first_name = 'Rita';"
        f"u.set_password('{REAL_PASSWORD}'); u.save()",
    )
    submit_sign_in(page, "", "rita", REAL_PASSWORD)
    assert path_of(page) == "/accounts/mfa/"
    expect(page.locator("h1")).to_have_text("Two-factor sign-in")
    expect(page.locator("figure.qr img")).to_be_visible()
    check_axe(page)
    check_no_horizontal_scroll(page)
    # Nothing else opens before the second factor.
    page.goto("/participants/")
    assert path_of(page) == "/accounts/mfa/"
    secret = page.locator("code.secret").inner_text().strip()
    page.fill("#id_code", _code(secret))
    page.click("button.primary")
    assert path_of(page) == "/participants/"
    expect(page.locator("h1")).to_have_text("Participants")
    expect(page.locator(".banner.demo")).to_have_count(0)  # a real account: no demo banner


def test_the_same_note_form_sent_twice_makes_one_note(page: Page) -> None:
    """A double tap, or a resend on a flaky connection, posts the same form (same one-time key) twice."""
    sign_in(page, "", "carmen")
    page.locator("section[aria-labelledby='caseload-h'] a").first.click()
    before = page.locator('[data-field="note-body"]').count()
    form = page.locator("form", has=page.locator("#note_body"))
    fields: dict[str, str | float | bool] = {
        "csrfmiddlewaretoken": form.locator("[name=csrfmiddlewaretoken]").input_value(),
        "idempotency_key": form.locator("[name=idempotency_key]").input_value(),
        "body": "Walked to the ID office together; appointment booked.",
        "sensitivity": "general",
    }
    action = form.get_attribute("action") or ""
    headers = {"Referer": page.url}
    first = page.request.post(action, form=fields, headers=headers, max_redirects=0)
    second = page.request.post(action, form=fields, headers=headers, max_redirects=0)
    assert (first.status, second.status) == (302, 302)
    page.reload()
    bodies = page.locator('[data-field="note-body"]').all_inner_texts()
    assert len(bodies) == before + 1
    assert sum("ID office together" in b for b in bodies) == 1
    expect(page.locator(".msg")).to_have_text(["Note saved.", "This note was already saved."])


def test_a_case_manager_can_work_in_spanish(page: Page) -> None:
    sign_in(page, "", "casey")
    page.select_option("#language", "es")
    page.locator("form.lang button").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h2#caseload-h")).to_have_text("Su carga de casos")
    page.locator("details.menu > summary").click()
    expect(page.locator('[data-nav="participants"]')).to_have_text("Participantes")
    check_axe(page)
    check_no_horizontal_scroll(page)
