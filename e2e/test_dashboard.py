"""The operations dashboard on a phone (issue #17 item 6): the program manager opens it from the menu at
360 px, a custom period without its end is refused at the field, this quarter is shown, and the participants
CSV of that quarter downloads with its headers and no names. Axe and 360 px on each state of the page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, sign_in, site_today

pytestmark = pytest.mark.e2e


def test_the_program_manager_reads_the_dashboard_changes_the_period_and_downloads_the_csv(page: Page) -> None:
    sign_in(page, "", "paula")
    open_menu(page)
    page.locator("[data-nav=operations]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations dashboard")
    today = site_today()
    expect(page.locator("[data-period]")).to_be_visible()
    for figure in ("statuses", "contacts", "handoffs", "overdue", "referrals"):
        expect(page.locator(f"[data-figure={figure}]")).to_be_visible()
    check_axe(page)
    check_no_horizontal_scroll(page)

    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From").fill(today.replace(day=1).isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#id_end_error")).to_have_text("Choose a date for a custom period.")
    expect(page.locator("[data-figure]")).to_have_count(0)
    check_axe(page)
    check_no_horizontal_scroll(page)

    page.get_by_label("Period").select_option("quarter")
    page.get_by_role("button", name="Show", exact=True).click()
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    assert "period=quarter" in page.url
    expect(page.locator("[data-figure=referrals]")).to_be_visible()
    check_axe(page)
    check_no_horizontal_scroll(page)

    with page.expect_download() as fetched:
        page.locator("[data-export=participants-csv]").click()
    download = fetched.value
    assert download.suggested_filename == f"participants-{quarter_start.isoformat()}-{today.isoformat()}.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Participant id", "Status at the end of the period", "Case manager"]
    assert len(rows) > 1
    assert all(r[0].isdigit() for r in rows[1:])
    assert "Tanya" not in text and "Brooks" not in text  # a demo participant's name never leaves
