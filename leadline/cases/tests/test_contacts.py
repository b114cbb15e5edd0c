"""Contacts and outreach: quick entry, one record per submit, the place only inside the program, the
summary only for those who read case notes, times in the site's zone, and a page whose cost does not
grow with the number of contacts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadline.audit.models import AuditEvent
from leadline.cases.models import Contact
from leadline.cases.services import ContactInput, contact_log
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, verified_client

NY = ZoneInfo("America/New_York")


def _local(dt: datetime) -> str:
    return dt.astimezone(NY).strftime("%Y-%m-%dT%H:%M")


def _form(**kw):
    data = {"kind": "in_person", "reached": "yes", "occurred_at": _local(clock.now() - timedelta(hours=1)),
            "idempotency_key": uuid.uuid4().hex}  # fmt: skip
    data.update(kw)
    return data


def test_the_case_manager_logs_a_contact_once_however_often_it_is_sent(world):
    client = verified_client(world["case_manager"])
    data = _form(substantive="on", place="Washington Square Park", summary="Talked about getting an ID")
    for _ in range(2):
        assert client.post(f"/participants/{world.mine.pk}/contacts/", data).status_code == 302
    contact = Contact.objects.get(participant=world.mine)
    assert contact.reached and contact.substantive and contact.logged_by == world["case_manager"]
    event = AuditEvent.objects.get(subject_type="contact", subject_id=str(contact.pk), action="create")
    assert event.participant_id == world.mine.pk and "Talked" not in str(event.changes)
    page = client.get(f"/participants/{world.mine.pk}/").content.decode()
    assert "Washington Square Park" in page and "Talked about getting an ID" in page


def test_a_contact_form_sent_again_for_another_contact_is_a_conflict(world):
    client = verified_client(world["case_manager"])
    data = _form()
    assert client.post(f"/participants/{world.mine.pk}/contacts/", data).status_code == 302
    other = client.post(f"/participants/{world.mine.pk}/contacts/", {**data, "reached": "no"})
    assert other.status_code == 409  # a conflict, as everywhere (issue #16 item 3)
    assert "This form was already used for another contact" in other.content.decode()
    assert Contact.objects.filter(participant=world.mine).count() == 1


def test_outreach_logs_where_they_looked_but_writes_and_reads_no_summary(world):
    omar, carmen = world["outreach_worker"], world["case_manager"]
    contact_log(
        actor=carmen, participant=world.mine, idempotency_key="c1",
        data=ContactInput(kind="phone", reached=True, substantive=True, occurred_at=clock.now(),
                          summary="Discussed the relapse plan"),
    )  # fmt: skip
    client = verified_client(omar)
    page = client.get(f"/participants/{world.mine.pk}/").content.decode()
    assert "data-contact-form" in page and 'name="summary"' not in page
    assert "Discussed the relapse plan" not in page  # case content stays with the case side
    response = client.post(
        f"/participants/{world.mine.pk}/contacts/",
        _form(kind="outreach", reached="no", place="Under the Court St bridge", summary="Tried to talk"),
    )
    assert response.status_code == 302  # the summary field does not exist for them: ignored by the form
    attempt = Contact.objects.get(participant=world.mine, kind="outreach")
    assert attempt.place == "Under the Court St bridge" and attempt.summary == "" and not attempt.reached


def test_a_summary_from_someone_who_may_not_write_one_is_refused_by_the_service(world):
    import pytest

    from leadline.cases.services import InvalidCaseInput

    with pytest.raises(InvalidCaseInput) as exc:
        contact_log(
            actor=world["outreach_worker"], participant=world.mine, idempotency_key="x",
            data=ContactInput(kind="outreach", reached=False, substantive=False, occurred_at=clock.now(),
                              summary="Anything"),
        )  # fmt: skip
    assert exc.value.field == "summary"


def test_bad_input_names_the_field_and_writes_nothing(world):
    client = verified_client(world["case_manager"])
    future = _local(clock.now() + timedelta(days=1))
    response = client.post(f"/participants/{world.mine.pk}/contacts/", _form(occurred_at=future))
    assert (
        response.status_code == 400
        and "When: the contact cannot be in the future." in response.content.decode()
    )
    response = client.post(f"/participants/{world.mine.pk}/contacts/", _form(kind="carrier pigeon"))
    assert response.status_code == 400 and "carrier pigeon" in response.content.decode()
    assert not Contact.objects.exists()


def test_times_are_typed_and_shown_in_the_sites_zone(world):
    with time_machine.travel(datetime(2026, 1, 15, 20, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        client = verified_client(world["case_manager"])
        client.post(f"/participants/{world.mine.pk}/contacts/", _form(occurred_at="2026-01-15T09:30"))
        contact = Contact.objects.get()
        assert contact.occurred_at == datetime(2026, 1, 15, 14, 30, tzinfo=ZoneInfo("UTC"))  # EST is UTC-5
        assert "2026-01-15 09:30" in client.get(f"/participants/{world.mine.pk}/").content.decode()


def test_not_reached_is_never_substantive(world):
    contact, _ = contact_log(
        actor=world["case_manager"], participant=world.mine, idempotency_key="n",
        data=ContactInput(kind="phone", reached=False, substantive=True, occurred_at=clock.now()),
    )  # fmt: skip
    assert not contact.substantive


def test_the_outreach_list_puts_the_longest_unreached_first_and_is_audited(world):
    found = ParticipantFactory.create(
        status="inactive", case_manager=world["case_manager"], given_name="Found"
    )
    lost = ParticipantFactory.create(status="referred", case_manager=None, given_name="Lost")
    contact_log(
        actor=world["case_manager"], participant=found, idempotency_key="f",
        data=ContactInput(kind="in_person", reached=True, substantive=False, occurred_at=clock.now()),
    )  # fmt: skip
    client = verified_client(world["outreach_worker"])
    page = client.get("/participants/outreach/").content.decode()
    assert page.index("Lost") < page.index("Found")
    assert world.mine.display_name not in page  # active: not on the list
    listed = set(
        AuditEvent.objects.filter(actor_id=world["outreach_worker"].pk, action="list").values_list(
            "participant_id", flat=True
        )
    )
    assert {found.pk, lost.pk} <= listed
    assert verified_client(world["officer"]).get("/participants/outreach/").status_code == 403


def test_the_participant_page_costs_the_same_queries_with_many_contacts(world):
    client = verified_client(world["case_manager"])
    url = f"/participants/{world.mine.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    now = clock.now()
    Contact.objects.bulk_create(
        Contact(participant=world.mine, kind="phone", reached=True, occurred_at=now - timedelta(hours=i),
                logged_by=world["case_manager"], created_at=now, idempotency_key=f"k{i}")
        for i in range(300)
    )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_latest_contact_and_reach_only_move_forward(world):
    now = clock.now()
    for key, (hours_ago, reached) in {"a": (1, True), "b": (5, True), "c": (0, False)}.items():
        contact_log(
            actor=world["case_manager"], participant=world.mine, idempotency_key=key,
            data=ContactInput(kind="phone", reached=reached, substantive=False,
                              occurred_at=now - timedelta(hours=hours_ago)),
        )  # fmt: skip
    world.mine.refresh_from_db()
    assert world.mine.last_contact_at == now  # the attempt a moment ago
    assert world.mine.last_reached_at == now - timedelta(hours=1)  # not moved back by the older one
