"""The operational workgroup on a phone (issue #8): the program manager schedules a meeting and builds its
agenda from the demo's real events; the case manager and the referring officer open the same meeting and
read different agendas, as their roles and the participants' consents say; a decision makes an action item
that its owner closes. Axe and 360 px on each page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, open_menu, sign_in, site_today

pytestmark = pytest.mark.e2e


def test_a_meeting_is_scheduled_its_agenda_read_through_consents_and_an_action_item_closed(
    page: Page, make_page: Callable[..., Page]
) -> None:
    paula = page
    sign_in(paula, "", "paula")
    open_menu(paula)
    paula.locator("[data-nav=workgroup]").click()
    expect(paula.get_by_role("heading", level=1)).to_have_text("Operational workgroup")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    paula.locator("[data-new-meeting]").click()
    day = (site_today() + timedelta(days=1)).isoformat()  # before the demo's own meeting next Tuesday
    paula.get_by_label("Starts").fill(f"{day}T08:00")
    paula.get_by_label("Ends").fill(f"{day}T09:00")
    paula.get_by_label("Place or call link").fill("Public Safety Building, room 3")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    paula.get_by_role("button", name="Save").click()
    expect(paula.get_by_role("heading", level=1)).to_contain_text("Workgroup meeting")
    meeting_url = paula.url
    expect(paula.locator("[data-agenda-empty]")).to_be_visible()
    paula.locator("[data-build-agenda]").click()
    items = paula.locator("[data-agenda-items] > li")
    expect(items.first).to_be_visible()
    expect(paula.locator("[data-agenda-items]")).to_contain_text("New charge")  # Priya's, against Tanya
    expect(paula.locator("[data-agenda-items]")).to_contain_text("Tanya Brooks")
    check_axe(paula)
    check_no_horizontal_scroll(paula)

    carmen = make_page()
    sign_in(carmen, "", "carmen")
    carmen.goto(meeting_url)
    agenda = carmen.locator("[data-agenda-items]")
    expect(agenda).to_contain_text("New charge")
    expect(agenda).to_contain_text("Tanya Brooks")
    expect(carmen.locator("[data-hidden]")).to_have_count(0)  # the program reads every item
    check_axe(carmen)

    olivia = make_page()
    sign_in(olivia, "", "olivia")
    olivia.goto(meeting_url)
    mine = olivia.locator("[data-agenda-items] > li")
    expect(mine.first).to_contain_text("Your referral of")
    # Under her opt-in only, and only in its words (consents.wording: "Engaged with LEAD: yes / not yet").
    expect(olivia.locator("[data-agenda-items]")).to_contain_text("Engaged with LEAD: ")
    expect(olivia.locator("[data-agenda-items]")).not_to_contain_text("doing well")
    expect(olivia.locator("main")).not_to_contain_text("New charge")
    expect(olivia.locator("main")).not_to_contain_text("Inactive for more than 30 days")
    expect(olivia.locator("[data-hidden]")).to_contain_text("not shared with you")
    assert mine.count() < items.count()
    check_axe(olivia)
    check_no_horizontal_scroll(olivia)

    # A decision with an action item for Carmen, who closes it from her list.
    due = (site_today() + timedelta(days=7)).isoformat()
    form = paula.locator("[data-decision-form]")
    form.locator("#id_text").fill("Carmen calls Tanya's housing worker before court")
    form.get_by_label("Action item: what is to be done").fill("Call the housing worker")
    form.get_by_label("Owner").select_option(label="Carmen Castillo (LEAD Case Management (demo))")
    form.get_by_label("Due").fill(due)
    form.get_by_role("button", name="Record the decision").click()
    expect(paula.locator("[data-decisions]")).to_contain_text("Carmen calls Tanya's housing worker")
    expect(paula.locator("[data-actions]")).to_contain_text("Call the housing worker")

    carmen.goto("/workgroup/actions/")
    open_item = carmen.locator("[data-open-actions] li").filter(has_text="Call the housing worker")
    expect(open_item).to_be_visible()
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)
    open_item.get_by_label("What was done").fill("Spoke to her on Monday")
    open_item.get_by_role("button", name="Mark done").click()
    expect(carmen.locator("[data-done-actions]")).to_contain_text("Spoke to her on Monday")
    paula.reload()
    expect(paula.locator("[data-actions] li").filter(has_text="Call the housing worker")).to_have_attribute(
        "data-done", "yes"
    )
