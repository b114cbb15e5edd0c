"""The case manager's day on the home page: who needs contact, intakes due, consents expiring and last
month's status to record — each disappears when done."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadline.cases.models import Contact
from leadline.cases.services import ContactInput, contact_log, monthly_status_record
from leadline.consents.services import consent_record
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, verified_client


def _home(world) -> str:
    return verified_client(world["case_manager"]).get("/").content.decode()


def _section(page: str, due: str) -> str:
    start = page.find(f'data-due="{due}"')
    return "" if start < 0 else page[start : page.find("</ul>", start)]


def test_each_kind_of_due_work_shows_and_goes_away_when_done(world):
    carmen, p = world["case_manager"], world.mine  # active, never contacted
    ParticipantFactory.create(case_manager=carmen, status="referred", given_name="Pending")
    page = _home(world)
    assert p.display_name in _section(page, "contact")
    assert "Pending" in _section(page, "intake") and "Pending" not in _section(page, "contact")
    assert p.display_name in _section(page, "monthly")
    assert world.consent.expires_on is None and 'data-due="consent"' not in page

    contact_log(
        actor=carmen, participant=p, idempotency_key="d1",
        data=ContactInput(kind="in_person", reached=True, substantive=True, occurred_at=clock.now()),
    )  # fmt: skip
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    monthly_status_record(
        actor=carmen, participant=p, month=last_month, housing="sheltered", employed="no",
        income_or_benefits="yes", expected_version=None,
    )  # fmt: skip
    other = ParticipantFactory.create(case_manager=carmen, status="active", given_name="Soon")
    consent_record(
        actor=carmen, participant=other, kind="officer_feedback", method="verbal",
        expires_on=clock.today() + timedelta(days=10),
    )  # fmt: skip
    page = _home(world)
    assert p.display_name not in _section(page, "contact") and p.display_name not in _section(page, "monthly")
    assert "Soon" in _section(page, "consent")


def test_an_attempt_that_did_not_reach_them_does_not_clear_the_reminder(world):
    contact_log(
        actor=world["case_manager"], participant=world.mine, idempotency_key="d2",
        data=ContactInput(kind="outreach", reached=False, substantive=False, occurred_at=clock.now()),
    )  # fmt: skip
    assert world.mine.display_name in _section(_home(world), "contact")


def test_other_caseloads_are_not_in_my_day(world):
    assert world.other.display_name not in _home(world)


def test_the_day_costs_the_same_queries_with_more_history(world):
    client = verified_client(world["case_manager"])
    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    now = clock.now()
    for i in range(10):
        p = ParticipantFactory.create(case_manager=world["case_manager"], status="active")
        Contact.objects.bulk_create(
            Contact(participant=p, kind="phone", reached=True, occurred_at=now - timedelta(days=20 + j),
                    logged_by=world["case_manager"], created_at=now, idempotency_key=f"h{i}-{j}")
            for j in range(30)
        )  # fmt: skip
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(after) == len(before)


def test_a_referral_to_a_service_unanswered_for_two_days_is_on_the_day(world):
    import time_machine

    client = verified_client(world["case_manager"])
    assert 'data-due="service_referrals"' not in client.get("/").content.decode()  # sent today
    with time_machine.travel(clock.now() + timedelta(days=3), tick=False):
        page = verified_client(world["case_manager"]).get("/").content.decode()
    assert 'data-due="service_referrals"' in page and f"/directory/referrals/{world.sref.pk}/" in page
