"""The LEAD number as a real phone line: a signed webhook raises the same hand-off request from a
registered officer phone; anything unsigned, stale or from an unknown phone raises nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from leadline.audit.models import AuditEvent
from leadline.core import clock, sms
from leadline.demo.testing import UserFactory, make_referral, verified_client
from leadline.notifications.testing import send_queued_deliveries
from leadline.referrals import services
from leadline.referrals.models import Handoff, HandoffPage, OnCallShift
from leadline.referrals.services.line import normalise_phone, signature_for

SECRET = "test-line-secret"
OFFICER_PHONE = "+1 (585) 555-0142"


@pytest.fixture
def line(world):
    officer = world["officer"]
    officer.phone = "585-555-0142"  # registered in another format than the provider sends
    officer.save(update_fields=["phone"])
    carmen = world["case_manager"]
    carmen.phone = "+15855550101"
    carmen.save(update_fields=["phone"])
    now = clock.now()
    OnCallShift.objects.create(
        case_manager=carmen,
        backup=world.casey,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    sms.outbox.clear()
    return world


def _post(payload: dict, *, secret: str = SECRET, timestamp: int | None = None, signature: str | None = None):
    body = json.dumps(payload).encode()
    ts = str(int(clock.now().timestamp()) if timestamp is None else timestamp)
    return Client().post(
        "/hooks/lead-line/",
        body,
        content_type="application/json",
        headers={
            "X-Leadline-Timestamp": ts,
            "X-Leadline-Signature": signature if signature is not None else signature_for(secret, ts, body),
        },
    )


def _sms(text="LEAD 5th and Main, possession", message_id="SM1", frm=OFFICER_PHONE):
    return {"channel": "sms", "from": frm, "text": text, "message_id": message_id}


def test_a_signed_text_from_a_registered_officer_raises_the_request_and_pages_on_call(
    line, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(_sms())
    assert response.status_code == 201, response.content
    handoff = Handoff.objects.get(pk=response.json()["request"])
    assert handoff.requested_by == line["officer"] and handoff.referral is None
    assert (handoff.channel, handoff.message, handoff.status) == (
        "sms",
        "5th and Main, possession",
        "requested",
    )
    assert handoff.callback_phone == OFFICER_PHONE
    assert HandoffPage.objects.get(handoff=handoff).recipient == line["case_manager"]
    send_queued_deliveries()  # the task worker
    # The page names the call-back number, never the officer's free text.
    assert [m.to for m in sms.outbox] == ["+15855550101"]
    assert "5855550142" in normalise_phone(sms.outbox[0].body) or "555-0142" in sms.outbox[0].body
    assert "5th and Main" not in sms.outbox[0].body
    assert f"#{handoff.pk}" in response.json()["reply"]
    assert AuditEvent.objects.filter(
        subject_type="handoff", subject_id=str(handoff.pk), action="create"
    ).exists()


def test_a_call_raises_the_same_request_and_the_reply_is_something_to_say(line):
    response = _post({"channel": "voice", "from": OFFICER_PHONE, "message_id": "CA9"})
    assert response.status_code == 201
    handoff = Handoff.objects.get(pk=response.json()["request"])
    assert handoff.channel == "voice" and handoff.message == ""
    assert "call you back" in response.json()["reply"]


def test_a_retried_delivery_and_a_second_text_make_one_request(line):
    first = _post(_sms(message_id="SM1")).json()["request"]
    retried = _post(_sms(message_id="SM1"))
    assert retried.status_code == 200 and retried.json()["request"] == first
    again = _post(_sms(text="LEAD still here", message_id="SM2"))
    assert again.json()["request"] == first  # the officer texted twice within ten minutes
    assert Handoff.objects.count() == 2  # the world's own hand-off + this one


def test_after_ten_minutes_a_new_text_is_a_new_request(line):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        first = _post(_sms(message_id="SM1"), timestamp=int(clock.now().timestamp())).json()["request"]
        traveller.shift(timedelta(minutes=11))
        second = _post(_sms(message_id="SM2"), timestamp=int(clock.now().timestamp())).json()["request"]
    assert first != second


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "sha256=" + "0" * 64},  # wrong
        {"signature": ""},  # missing
        {"secret": "another-secret"},  # signed by someone else
        {"timestamp": -301},  # too old: a captured request replayed later
        {"timestamp": +301},  # from the future
    ],
)
def test_an_unsigned_wrong_or_stale_request_raises_nothing(line, tamper):
    before = Handoff.objects.count()
    # Frozen on a whole second: "301 s off" must not become 300.x s by the time the request is checked
    # (the clock moving on between signing and checking made this flaky on a slow machine).
    whole_second = datetime.fromtimestamp(int(clock.now().timestamp()), tz=UTC)
    with time_machine.travel(whole_second, tick=False):
        if "timestamp" in tamper:
            tamper = {"timestamp": int(clock.now().timestamp()) + tamper["timestamp"]}
        response = _post(_sms(), **tamper)
    assert response.status_code == 403
    assert Handoff.objects.count() == before
    assert AuditEvent.objects.filter(subject_type="lead_line", action="denied").exists()


def test_a_tampered_body_fails_the_signature(line):
    body = json.dumps(_sms()).encode()
    ts = str(int(clock.now().timestamp()))
    signature = signature_for(SECRET, ts, body)
    response = Client().post(
        "/hooks/lead-line/",
        body.replace(b"SM1", b"SM7"),
        content_type="application/json",
        headers={"X-Leadline-Timestamp": ts, "X-Leadline-Signature": signature},
    )
    assert response.status_code == 403


def test_an_unknown_phone_raises_nothing_and_learns_nothing(line):
    before = Handoff.objects.count()
    response = _post(_sms(frm="+1 585 555 9999"))
    assert response.status_code == 200 and response.json()["request"] is None
    assert "not registered" in response.json()["reply"]
    assert Handoff.objects.count() == before
    event = AuditEvent.objects.filter(subject_type="lead_line", action="denied").latest("pk")
    assert "9999" in json.dumps(event.changes) and "5855559999" not in json.dumps(event.changes)


@pytest.mark.parametrize("persona", ["case_manager", "prosecutor", "police_liaison"])
def test_only_a_police_role_that_calls_the_line_can_raise_it_by_phone(line, persona):
    user = line[persona]
    user.phone = "+1 585 555 0177"
    user.save(update_fields=["phone"])
    assert _post(_sms(frm=user.phone)).json()["request"] is None


def test_two_accounts_on_one_phone_are_ambiguous_and_raise_nothing(line):
    UserFactory(username="twin", role="officer", phone="5855550142")
    assert _post(_sms()).json()["request"] is None


def test_bad_payloads_get_a_message_per_field(line):
    response = _post({"channel": "fax", "from": "", "message_id": ""})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"channel", "from", "message_id"}


def test_the_line_is_off_without_a_secret(line, settings):
    settings.LEADLINE_LINE_SECRET = ""
    assert _post(_sms()).status_code == 404


def test_the_officer_links_the_referral_and_then_the_hand_off_completes(
    line, django_capture_on_commit_callbacks
):
    officer, carmen = line["officer"], line["case_manager"]
    handoff = Handoff.objects.get(pk=_post(_sms()).json()["request"])
    # The case manager answers; the officer hears back by text, since they called by phone.
    with django_capture_on_commit_callbacks(execute=True):
        services.handoff_acknowledge(actor=carmen, handoff=handoff, eta_minutes=12)
    send_queued_deliveries()  # the task worker
    assert sms.outbox[-1].to == OFFICER_PHONE and "12 minutes" in sms.outbox[-1].body
    services.handoff_arrive(actor=carmen, handoff=handoff)
    with pytest.raises(services.HandoffRefused, match="not linked"):
        services.handoff_complete(actor=carmen, handoff=handoff)
    # The officer submits the referral; its page offers this call to link.
    referral = make_referral(officer, given_name="Rory", family_name="Phonecall")
    client = verified_client(officer)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert f'data-link-call="{handoff.pk}"' in page
    response = client.post(f"/referrals/{referral.pk}/handoff/link/{handoff.pk}/")
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.referral == referral
    services.handoff_complete(actor=carmen, handoff=handoff)
    referral.refresh_from_db()
    assert referral.participant is not None and referral.participant.case_manager == carmen


def test_linking_is_the_calling_officers_own_and_only_once(line):
    officer = line["officer"]
    handoff = Handoff.objects.get(pk=_post(_sms()).json()["request"])
    ineligible = line.referral  # Olivia's ineligible referral
    with pytest.raises(services.HandoffRefused, match="eligible"):
        services.handoff_link(actor=officer, handoff=handoff, referral=ineligible)
    already = line.eligible  # has its own hand-off from the app
    with pytest.raises(services.HandoffRefused, match="already"):
        services.handoff_link(actor=officer, handoff=handoff, referral=already)
    other_officer_referral = make_referral(line.casey)  # not the caller's referral
    with pytest.raises(services.HandoffRefused, match="own"):
        services.handoff_link(actor=officer, handoff=handoff, referral=other_officer_referral)
    mine = make_referral(officer)
    services.handoff_link(actor=officer, handoff=handoff, referral=mine)
    with pytest.raises(services.HandoffRefused, match="already has a referral"):
        services.handoff_link(actor=officer, handoff=handoff, referral=make_referral(officer, given_name="B"))


def test_another_officer_cannot_see_a_phone_request(line):
    handoff_id = _post(_sms()).json()["request"]
    stranger = UserFactory.create(username="stranger", role="officer")
    assert verified_client(stranger).get(f"/referrals/handoffs/{handoff_id}/status/").status_code == 404
    assert (
        f'data-handoff="{handoff_id}"'
        not in verified_client(stranger).get("/referrals/handoffs/").content.decode()
    )
    # The officer who called, and the case side, see it.
    assert (
        verified_client(line["officer"]).get(f"/referrals/handoffs/{handoff_id}/status/").status_code == 200
    )
    listing = verified_client(line["case_manager"]).get("/referrals/handoffs/").content.decode()
    assert f'data-handoff="{handoff_id}"' in listing and "data-awaiting-referral" in listing


def test_the_officer_cancels_with_a_reason_and_nothing_moves_after(line):
    officer, carmen = line["officer"], line["case_manager"]
    handoff = Handoff.objects.get(pk=_post(_sms()).json()["request"])
    client = verified_client(officer)
    assert client.post(f"/referrals/handoffs/{handoff.pk}/cancel/", {"reason": ""}).status_code == 302
    handoff.refresh_from_db()
    assert handoff.status == "requested"  # no reason, no cancel
    client.post(f"/referrals/handoffs/{handoff.pk}/cancel/", {"reason": "Person walked away"})
    handoff.refresh_from_db()
    assert handoff.status == "cancelled"
    with pytest.raises(services.HandoffRefused):
        services.handoff_acknowledge(actor=carmen, handoff=handoff, eta_minutes=5)
    event = AuditEvent.objects.filter(subject_type="handoff", subject_id=str(handoff.pk)).latest("pk")
    assert event.reason == "Person walked away"
    assert services.handoff_escalate_due(now=clock.now() + timedelta(hours=1)) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Leadline-Timestamp": "²", "X-Leadline-Signature": "sha256=" + "0" * 64},  # a digit to isdigit()
        {"X-Leadline-Timestamp": "9" * 400, "X-Leadline-Signature": "sha256=" + "0" * 64},  # overflow
        {"X-Leadline-Timestamp": "1", "X-Leadline-Signature": "sha256=é"},  # non-ASCII to compare_digest
    ],
)
def test_crafted_headers_are_refused_not_crashed_on(line, headers):
    response = Client(raise_request_exception=False).post(
        "/hooks/lead-line/", json.dumps(_sms()), content_type="application/json", headers=headers
    )
    assert response.status_code == 403


def test_a_message_id_taken_by_another_officer_reveals_nothing_of_their_request(line):
    first = _post(_sms(message_id="SAME")).json()["request"]
    other = UserFactory.create(username="otto2", role="officer", phone="+1 585 555 0143")
    answer = _post(_sms(message_id="SAME", frm=other.phone)).json()
    assert answer["request"] is None and f"#{first}" not in answer["reply"]


def test_a_cancelled_call_cannot_be_linked_and_a_cancelled_referral_hand_off_can_be_called_again(line):
    officer = line["officer"]
    phone_request = Handoff.objects.get(pk=_post(_sms()).json()["request"])
    services.handoff_cancel(actor=officer, handoff=phone_request, reason="Walked away")
    with pytest.raises(services.HandoffRefused, match="no longer open"):
        services.handoff_link(actor=officer, handoff=phone_request, referral=make_referral(officer))
    # The app request of an eligible referral, cancelled: the referral can call the line again.
    referral = make_referral(officer, given_name="Again")
    first, _ = services.handoff_request(actor=officer, referral=referral, callback_phone="+15855550199")
    services.handoff_cancel(actor=officer, handoff=first, reason="Person left before the case manager came")
    page = verified_client(officer).get(f"/referrals/{referral.pk}/").content.decode()
    assert "Call the LEAD line" in page
    second, created = services.handoff_request(
        actor=officer, referral=referral, callback_phone="+15855550199"
    )
    assert created and second.pk != first.pk
    again, created = services.handoff_request(actor=officer, referral=referral, callback_phone="+15855550199")
    assert not created and again.pk == second.pk  # still one live request per referral
