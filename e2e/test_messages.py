"""Messages on phone-sized screens (issue #8, item 3): a case manager starts a thread about a participant on
her caseload with the program manager, who finds it marked new, reads it and answers; the case manager
reads the answer. Axe and 360 px on every page of it. The rules for members outside the program (consent,
disclosure log, the 2.32 notice) are covered by leadline/messaging/tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_axe, check_no_horizontal_scroll, path_of, sign_in

pytestmark = pytest.mark.e2e


def test_a_case_manager_and_the_program_manager_discuss_a_participant(
    page: Page, make_page: Callable[..., Page]
) -> None:
    carmen = page
    sign_in(carmen, "", "carmen")
    # Someone still on Carmen's caseload whatever the other browser tests moved: the last of her list.
    carmen.goto("/participants/?mine=1")
    href = carmen.locator("ul.cards > li > a").last.get_attribute("href") or ""
    participant_id = href.strip("/").split("/")[-1]
    assert participant_id.isdigit(), href

    carmen.goto(f"/messages/new/{participant_id}/")
    expect(carmen.get_by_role("heading", level=1)).to_contain_text("A thread about")
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)
    carmen.get_by_role("button", name="Start the thread").click()  # nothing filled in: errors, not a thread
    expect(carmen.locator(".error-summary")).to_be_visible()
    carmen.get_by_label("Subject").fill("Cover the intake on Thursday")
    carmen.locator("[data-members]").get_by_label("Paula Prado").check()
    carmen.locator("#id_body").fill("Can you cover the intake at 10?")
    carmen.get_by_role("button", name="Start the thread").click()
    expect(carmen.get_by_role("heading", level=1)).to_have_text("Cover the intake on Thursday")
    expect(carmen.locator("[data-messages]")).to_contain_text("Can you cover the intake at 10?")
    thread_path = path_of(carmen)
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)

    paula = make_page()
    sign_in(paula, "", "paula")
    paula.goto("/messages/")
    expect(paula.get_by_role("heading", level=1)).to_have_text("Messages")
    card = paula.locator("li[data-thread]").filter(has_text="Cover the intake on Thursday")
    expect(card).to_have_attribute("data-unread", "")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    card.get_by_role("link").click()
    expect(paula.locator("[data-messages]")).to_contain_text("Can you cover the intake at 10?")
    check_axe(paula)
    check_no_horizontal_scroll(paula)
    paula.get_by_label("Your message").fill("Yes, I will be there at 10.")
    paula.get_by_role("button", name="Send").click()
    expect(paula.locator("[data-messages] li[data-message]")).to_have_count(2)
    paula.goto("/messages/")
    expect(
        paula.locator("li[data-thread]").filter(has_text="Cover the intake on Thursday")
    ).not_to_have_attribute("data-unread", "")

    carmen.goto("/messages/")
    mine = carmen.locator("li[data-thread]").filter(has_text="Cover the intake on Thursday")
    expect(mine).to_have_attribute("data-unread", "")  # Paula's answer is new to Carmen
    check_axe(carmen)
    check_no_horizontal_scroll(carmen)
    carmen.goto(thread_path)
    expect(carmen.locator("[data-messages]")).to_contain_text("Yes, I will be there at 10.")
