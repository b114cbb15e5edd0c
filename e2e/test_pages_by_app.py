"""Issue #16 moved pages between apps without changing them: the home page (now web), the participant page
assembled from each app's part (cases, consents, legal, messaging), the case pages (now cases), the audit
reports and the notifications outbox (now oversight). Each is walked as the role that uses it, at 360 px and
through axe, at the address it always had."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_section, path_of, sign_in

pytestmark = pytest.mark.e2e

CASELOAD = "section[aria-labelledby='caseload-h'] .cards li a"


def _fine(page: Page) -> None:
    expect(page.locator("h1").first).to_be_visible()
    check_axe(page)
    check_no_horizontal_scroll(page)


def test_the_case_manager_s_pages_assembled_from_every_app(page: Page) -> None:
    sign_in(page, "", "carmen")
    _fine(page)  # the home page, from web, with her day
    page.locator(CASELOAD).first.click()
    participant = path_of(page)
    assert re.fullmatch(r"/participants/\d+/", participant)
    parts = {"contacts": "Contacts and outreach", "plan": "Monthly status", "notes": "Case notes",
             "consents": "Consents"}  # fmt: skip
    for section, heading in parts.items():  # each app's part, in its section of the page
        open_section(page, section)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    _fine(page)
    for case_page in ("intake/", "plan/"):  # served by cases, at the participant's address as before
        response = page.goto(participant + case_page)
        assert response is not None and response.status == 200, case_page
        _fine(page)


def test_outreach_caseloads_audit_and_outbox_where_they_always_were(make_page: Callable[..., Page]) -> None:
    omar = make_page()
    sign_in(omar, "", "omar")
    response = omar.goto("/participants/outreach/")
    assert response is not None and response.status == 200
    _fine(omar)
    for address in ("/audit/", "/notifications/outbox/"):  # the outreach worker holds neither capability
        response = omar.goto(address)
        assert response is not None and response.status == 403, address

    paula = make_page()
    sign_in(paula, "", "paula")
    for address in ("/participants/caseloads/", "/audit/", "/notifications/outbox/"):
        response = paula.goto(address)
        assert response is not None and response.status == 200, address
        _fine(paula)
