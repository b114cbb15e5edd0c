"""The three audit reports: everything done to one participant, everything one user did, every
law-enforcement access in a period (moved from audit/tests/test_audit.py with the reports, issue #16)."""

from __future__ import annotations

from datetime import timedelta

from leadline.core import clock
from leadline.demo.testing import verified_client


def test_the_participant_report_lists_everything_done_to_that_participant(world):
    verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/")
    verified_client(world["program_manager"]).get(f"/participants/{world.other.pk}/")
    page = verified_client(world["program_manager"]).get(f"/audit/participants/{world.mine.pk}/")
    rows = list(page.context["page"].object_list)
    assert rows and all(e.participant_id == world.mine.pk for e in rows)
    assert "carmen" in {e.actor_username for e in rows}


def test_the_user_report_lists_everything_one_user_did(world):
    carmen = world["case_manager"]
    verified_client(carmen).get(f"/participants/{world.mine.pk}/")
    page = verified_client(world["site_admin"]).get(f"/audit/users/{carmen.pk}/")
    rows = list(page.context["page"].object_list)
    assert {e.action for e in rows} >= {"login", "view"}
    assert {e.actor_id for e in rows} == {carmen.pk}


def test_the_law_enforcement_report_shows_every_police_access_in_the_period_and_nothing_else(world):
    verified_client(world["officer"]).get(f"/participants/{world.mine.pk}/")  # refused, still an access
    verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/")
    today = clock.today()
    client = verified_client(world["program_manager"])
    page = client.get(f"/audit/law-enforcement/?start={today}&end={today}")
    rows = list(page.context["page"].object_list)
    # Olivia's refused read, and the referrals the officers made while the world was set up.
    assert rows and "olivia" in {e.actor_username for e in rows}
    assert {e.actor_role for e in rows} <= {"officer", "police_liaison"}
    assert all(e.law_enforcement for e in rows)
    later = today + timedelta(days=30)
    assert not list(
        client.get(f"/audit/law-enforcement/?start={later}&end={later}").context["page"].object_list
    )
    csv = client.get(f"/audit/law-enforcement/?start={today}&end={today}&format=csv")
    assert csv["Content-Type"].startswith("text/csv") and b"olivia" in csv.content


def test_a_bad_period_names_the_field(world):
    response = verified_client(world["program_manager"]).get(
        "/audit/law-enforcement/?start=2026-05-01&end=2026-04-01"
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
