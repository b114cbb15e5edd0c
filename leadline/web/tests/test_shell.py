"""The shell: static assets exist (vendored, no CDN), navigation follows capabilities, pages are private."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders

from leadline.accounts import policy
from leadline.demo.testing import verified_client
from leadline.web.nav import NAV, nav_for


def test_every_asset_the_base_template_loads_is_served_from_this_project(small_world):
    page = verified_client(small_world["case_manager"]).get("/").content.decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', page)
    assert {"leadline/app.css", "vendor/htmx.min.js"} <= set(assets)
    for asset in assets:
        assert finders.find(asset), f"/static/{asset} is not served"
    assert "//" not in "".join(re.findall(r'(?:href|src)="(https?:)?//', page))  # no CDN


def test_navigation_offers_exactly_what_the_role_may_open(small_world):
    for persona, user in small_world.users.items():
        offered = {e.key for e in nav_for(user)}
        expected = {e.key for e in NAV if e.capability is None or policy.can(user, e.capability)}
        assert offered == expected, persona
        page = verified_client(user).get("/").content.decode()
        shown = set(re.findall(r'data-nav="(\w+)"', page))
        assert shown == offered, persona


def test_an_officer_is_offered_nothing_that_reaches_participant_content(small_world):
    assert {e.key for e in nav_for(small_world["officer"])} == {
        "home",
        "notifications",  # their own, never participant content
        "workgroup",  # the agenda as their role and the participants' consents allow (decision 0026)
        "lookup",
        "refer",
        "referrals",
        "handoffs",
        "dashboard",
    }
    assert {e.key for e in nav_for(small_world["no_role"])} == {"home", "notifications"}


def test_a_404_is_the_apps_own_page_even_with_debug_on(world, settings):
    settings.DEBUG = True
    response = verified_client(world["officer"]).get(f"/participants/{world.mine.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Not found</h1>" in body and "URLconf" not in body and world.mine.family_name not in body


def test_the_disclosure_requests_are_in_the_menu_of_those_who_answer_them(small_world):
    """/disclosure-requests/ (accounting requests still to answer): the program manager and the case
    managers (their caseload's) are offered it; nobody who would be refused is."""
    for persona, user in small_world.users.items():
        offered = {e.key: e.url() for e in nav_for(user)}
        if persona in ("program_manager", "case_manager"):
            assert offered.get("disclosure_requests") == "/disclosure-requests/", persona
            assert verified_client(user).get("/disclosure-requests/").status_code == 200
        else:
            assert "disclosure_requests" not in offered, persona
