"""Imports in the background on phone-sized screens (issue #15 item 8): the site administrator sends an
HSDS file, lands on the job's page, which follows the job by itself (htmx) until it says what changed;
the prosecutor's court-record file with a bad row shows the row and the field. Each page passes axe-core
and does not scroll sideways at 360 px."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.e2e
SERVICE_ID = "5d0c6f0e-9f55-4b0e-8a77-2f0b6c1e0a01"


def _service() -> dict:
    return {
        "id": SERVICE_ID, "name": "Night shelter intake", "status": "active",
        "description": "Beds from 19:00.",
        "organization": {"id": "5d0c6f0e-9f55-4b0e-8a77-2f0b6c1e0a02", "name": "Harbour House",
                         "description": "Shelter and meals."},
    }  # fmt: skip


def test_an_import_is_followed_on_its_page_until_it_is_done(
    page: Page, make_page: Callable[..., Page]
) -> None:
    adam = page
    sign_in(adam, "", "adam")
    adam.goto("/directory/import/")
    check_axe(adam)
    check_no_horizontal_scroll(adam)
    adam.get_by_label("HSDS file (JSON)").set_input_files(
        {
            "name": "directory.json",
            "mimeType": "application/json",
            "buffer": json.dumps([_service()]).encode(),
        }
    )
    adam.get_by_role("button", name="Import").click()
    expect(adam).to_have_url(re.compile(r"/imports/[0-9a-f-]{36}/$"))
    job_url = adam.url
    # The page polls itself; the supervised worker runs the job.
    expect(adam.locator("[data-import-done]")).to_contain_text("Imported: 2 new", timeout=60_000)
    expect(adam.locator("body")).to_contain_text("Night shelter intake")
    check_axe(adam)
    check_no_horizontal_scroll(adam)

    # Nobody else reads it, not even another administrator's role with the same rights.
    paula = make_page()
    sign_in(paula, "", "paula")
    assert paula.request.get(job_url).status == 404

    priya = make_page()
    sign_in(priya, "", "priya")
    priya.goto("/legal/import/")
    check_no_horizontal_scroll(priya)
    head = "record,given_name,family_name,date_of_birth,court,status,reference,date"
    priya.get_by_label("CSV file").set_input_files(
        {
            "name": "court.csv",
            "mimeType": "text/csv",
            "buffer": f"{head}\nwarrant,No,Body,1990-01-01,,active,W-1,2026-01-01\n".encode(),
        }
    )
    priya.get_by_role("button", name="Import").click()
    expect(priya.locator("[data-import-errors]")).to_contain_text("Row 2, given_name", timeout=60_000)
    check_axe(priya)
    check_no_horizontal_scroll(priya)
