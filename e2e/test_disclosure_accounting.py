"""The participant's accounting of disclosures on phone-sized screens (issue #15, item 13b; 42 CFR 2.25):
the liaison prosecutor reads Tanya's progress summary under her signed 2.35 consent (a logged disclosure);
her case manager records Tanya's request, produces the accounting (the page lists Priya's disclosure: date,
recipient, what, purpose), downloads the PDF and marks the request answered. Axe and 360 px on every page.
The rules (the 60-day clock, the extension, restrictions honoured by the decision point) are covered by
leadline/consents/tests/test_accounting.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e


def test_a_case_manager_records_a_request_and_gives_the_accounting(
    page: Page, make_page: Callable[..., Page]
) -> None:
    priya = make_page()
    sign_in(priya, "", "priya")
    priya.goto("/summaries/")
    card = priya.locator("[data-summary]").filter(has_text="Tanya")
    participant_id = card.first.get_attribute("data-summary") or ""
    assert participant_id.isdigit(), participant_id
    card.first.get_by_role("link").click()  # a disclosure under Tanya's consent, logged
    expect(priya.locator('[data-section="status"]')).to_be_visible()

    carmen = page
    sign_in(carmen, "", "carmen")
    carmen.goto(f"/participants/{participant_id}/#consents")
    carmen.locator("[data-accounting-link]").click()
    expect(carmen.get_by_role("heading", level=1)).to_have_text("Accounting of disclosures and restrictions")
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    form = carmen.locator("[data-accounting-form]")
    form.get_by_label("Disclosures since").fill("2001-01-01")  # more than three years: refused, named
    form.get_by_role("button", name="Record the request").click()
    expect(carmen.locator("#acct_period_start_error")).to_contain_text("three years")
    check_axe(carmen)
    form = carmen.locator("[data-accounting-form]")
    form.get_by_label("Disclosures since").fill("")
    form.get_by_role("button", name="Record the request").click()

    expect(carmen.get_by_role("heading", level=1)).to_have_text("Accounting of disclosures")
    rows = carmen.locator("[data-accounting-rows] tbody tr")
    expect(rows.first).to_be_visible()
    priya_row = rows.filter(has_text="District Attorney")
    expect(priya_row.first).to_contain_text("So the liaison prosecutor can follow my participation")
    expect(priya_row.first).to_contain_text("my LEAD status")
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    with carmen.expect_download() as fetched:
        carmen.locator("[data-accounting-pdf]").click()
    assert Path(fetched.value.path()).read_bytes().startswith(b"%PDF")

    carmen.get_by_role("button", name="Mark as answered").click()
    expect(carmen.locator("dd[data-accounting-state]")).to_contain_text("Answered")
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    carmen.goto("/disclosure-requests/")
    expect(carmen.get_by_role("heading", level=1)).to_have_text("Requests for an accounting of disclosures")
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)
