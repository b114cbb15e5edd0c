"""The LEAD line: one tap pages the on-call case manager; no answer in time pages the backup, then the
supervisor; every timestamp is kept; the task is idempotent and catches up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from leadline.core import clock, sms
from leadline.demo.testing import UserFactory, make_referral, verified_client
from leadline.notifications.testing import send_queued_deliveries
from leadline.referrals import services
from leadline.referrals.models import Handoff, HandoffPage, OnCallShift
from leadline.referrals.tasks import handoff_check


@pytest.fixture
def roster(world):
    carmen, casey, paula = world["case_manager"], world.casey, world["program_manager"]
    for user, phone in ((carmen, "+15855550101"), (casey, "+15855550102"), (paula, "+15855550103")):
        user.phone = phone
        user.save(update_fields=["phone"])
    now = clock.now()
    OnCallShift.objects.create(
        case_manager=carmen,
        backup=casey,
        supervisor=paula,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    sms.outbox.clear()
    return world


def _request(world):
    referral = make_referral(world["officer"], given_name="Quinn")
    return services.handoff_request(actor=world["officer"], referral=referral, callback_phone="+15855550199")


def test_one_tap_pages_the_case_manager_on_call_in_the_app_and_by_sms(
    roster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handoff, created = _request(roster)
    assert not sms.outbox and send_queued_deliveries() == 1  # sent by the task worker, not the request
    assert created and handoff.status == "requested" and handoff.escalation_level == 0
    page = HandoffPage.objects.get(handoff=handoff)
    assert page.recipient == roster["case_manager"] and page.sms_status == "sent"
    assert [m.to for m in sms.outbox] == ["+15855550101"]
    assert "PL 220.03" in sms.outbox[0].body and "Quinn" not in sms.outbox[0].body  # no names by SMS
    # The case manager sees it among the open hand-offs.
    page_html = verified_client(roster["case_manager"]).get("/referrals/handoffs/").content.decode()
    assert f'data-handoff="{handoff.pk}"' in page_html and "Acknowledge" in page_html


def test_a_second_tap_makes_no_second_request(roster):
    handoff, _ = _request(roster)
    again, created = services.handoff_request(
        actor=roster["officer"], referral=handoff.referral, callback_phone="x"
    )
    assert (
        not created
        and again.pk == handoff.pk
        and Handoff.objects.filter(referral=handoff.referral).count() == 1
    )


def test_no_answer_pages_the_backup_then_the_supervisor_and_the_task_is_idempotent(roster):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        handoff, _ = _request(roster)
        assert services.handoff_escalate_due() == 0  # not yet
        traveller.shift(timedelta(minutes=5, seconds=1))
        assert handoff_check.call(handoff.pk) == 1
        assert handoff_check.call(handoff.pk) == 0  # running twice changes nothing
        handoff.refresh_from_db()
        assert handoff.escalation_level == 1
        traveller.shift(timedelta(minutes=5, seconds=1))
        assert services.handoff_escalate_due() == 1
        traveller.shift(timedelta(hours=1))
        assert services.handoff_escalate_due() == 0  # nobody above the supervisor
    recipients = list(HandoffPage.objects.filter(handoff=handoff).values_list("recipient__username", "level"))
    assert recipients == [("carmen", 0), ("casey", 1), ("paula", 2)]


def test_escalation_catches_up_after_downtime_one_level_per_run(roster):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        handoff, _ = _request(roster)
        traveller.shift(timedelta(hours=3))  # the worker was down
        assert services.handoff_escalate_due() == 1
        assert services.handoff_escalate_due() == 0  # the backup now has their own five minutes
    handoff.refresh_from_db()
    assert handoff.escalation_level == 1


def test_an_acknowledged_request_is_not_escalated(roster):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        handoff, _ = _request(roster)
        services.handoff_acknowledge(actor=roster["case_manager"], handoff=handoff, eta_minutes=15)
        traveller.shift(timedelta(minutes=30))
        assert services.handoff_escalate_due() == 0


def test_the_whole_hand_off_keeps_every_timestamp_and_the_minutes_against_the_target(roster):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        handoff, _ = _request(roster)
        traveller.shift(timedelta(minutes=2))
        services.handoff_acknowledge(actor=roster["case_manager"], handoff=handoff, eta_minutes=20)
        traveller.shift(timedelta(minutes=19))
        services.handoff_arrive(actor=roster["case_manager"], handoff=handoff)
        traveller.shift(timedelta(minutes=10))
        services.handoff_complete(actor=roster["case_manager"], handoff=handoff)
        traveller.shift(timedelta(minutes=1))
        services.handoff_clear(actor=roster["officer"], handoff=handoff)
    handoff.refresh_from_db()
    assert handoff.status == "handed_off" and handoff.officer_cleared_at is not None
    assert handoff.minutes_to_handoff == 21.0
    status = (
        verified_client(roster["officer"]).get(f"/referrals/handoffs/{handoff.pk}/status/").content.decode()
    )
    assert "21.0 min (target 30)" in status and "hx-get" not in status  # finished: no more polling


def test_steps_happen_in_order_and_once(roster):
    handoff, _ = _request(roster)
    with pytest.raises(services.HandoffRefused):
        services.handoff_arrive(actor=roster["case_manager"], handoff=handoff)
    services.handoff_acknowledge(actor=roster["case_manager"], handoff=handoff, eta_minutes=5)
    with pytest.raises(services.HandoffRefused):
        services.handoff_acknowledge(actor=roster["program_manager"], handoff=handoff, eta_minutes=5)
    with pytest.raises(services.HandoffRefused):
        services.handoff_clear(actor=roster["officer"], handoff=handoff)  # not handed off yet


def test_police_cannot_answer_a_hand_off_and_only_eligible_referrals_can_be_handed_off(roster):
    handoff, _ = _request(roster)
    with pytest.raises(services.HandoffRefused):
        services.handoff_acknowledge(actor=roster["officer"], handoff=handoff, eta_minutes=5)
    response = verified_client(roster["officer"]).post(
        f"/referrals/handoffs/{handoff.pk}/acknowledge/", {"eta_minutes": "5"}
    )
    assert response.status_code == 403
    with pytest.raises(services.HandoffRefused):
        services.handoff_request(actor=roster["officer"], referral=roster.referral, callback_phone="1")


def test_the_officer_sees_live_status_and_nothing_else(roster):
    handoff, _ = _request(roster)
    services.handoff_acknowledge(actor=roster["case_manager"], handoff=handoff, eta_minutes=12)
    client = verified_client(roster["officer"])
    status = client.get(f"/referrals/handoffs/{handoff.pk}/status/").content.decode()
    assert (
        "Acknowledged" in status
        and "arriving in about 12 minutes" in status
        and 'hx-trigger="every 10s"' in status
    )
    detail = client.get(f"/referrals/{handoff.referral_id}/").content.decode()
    assert 'id="handoff-status"' in detail


def test_a_failed_sms_is_recorded_and_the_in_app_page_stands(
    roster, settings, django_capture_on_commit_callbacks
):
    settings.LEADLINE_SMS_BACKEND = "http"
    settings.LEADLINE_SMS_URL = "http://127.0.0.1:9/unreachable"
    with django_capture_on_commit_callbacks(execute=True):
        handoff, _ = _request(roster)
    send_queued_deliveries()
    assert HandoffPage.objects.get(handoff=handoff).sms_status == "failed"


def test_with_nobody_rostered_the_request_still_reaches_a_program_manager(world):
    handoff = world.handoff  # world has no on-call shift
    page = HandoffPage.objects.get(handoff=handoff)
    assert page.recipient == world["program_manager"] and page.level == 2


def test_a_user_without_a_phone_is_paged_in_the_app_only(roster, django_capture_on_commit_callbacks):
    roster["case_manager"].phone = ""
    roster["case_manager"].save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        handoff, _ = _request(roster)
    assert HandoffPage.objects.get(handoff=handoff).sms_status == "no phone" and not sms.outbox


def test_a_stranger_case_manager_from_the_roster_is_not_needed_to_answer(roster):
    # Any case manager may pick up a request (the program's practice: whoever is nearest goes).
    other_cm = UserFactory.create(username="cora", role="case_manager")
    handoff, _ = _request(roster)
    services.handoff_acknowledge(actor=other_cm, handoff=handoff, eta_minutes=8)
    handoff.refresh_from_db()
    assert handoff.acknowledged_by == other_cm


def _to_arrived(world, handoff):
    services.handoff_acknowledge(actor=world["case_manager"], handoff=handoff, eta_minutes=5)
    services.handoff_arrive(actor=world["case_manager"], handoff=handoff)


def test_a_completed_hand_off_makes_a_participant_pending_intake_on_the_case_managers_caseload(roster):
    handoff, _ = _request(roster)
    _to_arrived(roster, handoff)
    services.handoff_complete(actor=roster["case_manager"], handoff=handoff)
    handoff.referral.refresh_from_db()
    participant = handoff.referral.participant
    assert participant is not None and participant.status == "referred"
    assert participant.case_manager == roster["case_manager"]
    assert (participant.given_name, participant.family_name) == ("Quinn", "Rivera")
    assert participant.match_keys.exists()  # findable by the field lookup from now on


def test_someone_already_known_is_confirmed_not_duplicated_and_an_exited_person_comes_back(roster):
    from leadline.demo.testing import ParticipantFactory
    from leadline.participants.models import Participant

    known = ParticipantFactory.create(
        given_name="Quinn",
        family_name="Rivera",
        date_of_birth=date(1990, 5, 17),
        status="exited",
        case_manager=None,
    )
    before = Participant.objects.count()
    handoff, _ = _request(roster)
    _to_arrived(roster, handoff)
    with pytest.raises(services.MatchToConfirm):  # never joined without the case manager's word
        services.handoff_complete(actor=roster["case_manager"], handoff=handoff)
    services.handoff_complete(actor=roster["case_manager"], handoff=handoff, match=known.pk)
    known.refresh_from_db()
    assert Participant.objects.count() == before
    assert known.status == "referred" and known.case_manager == roster["case_manager"]
    from leadline.audit.models import AuditEvent

    event = AuditEvent.objects.filter(participant_id=known.pk, action="update").latest("id")
    assert event.reason == "re-engaged at a hand-off" and event.changes["status"]["before"] == "exited"


def test_a_full_caseload_leaves_the_new_participant_for_the_program_manager_to_assign(roster):
    from leadline.sites.models import Site

    site = Site.objects.get()
    site.caseload_hard_limit = 1  # Carmen already has world.mine
    site.save()
    handoff, _ = _request(roster)
    _to_arrived(roster, handoff)
    services.handoff_complete(actor=roster["case_manager"], handoff=handoff)
    handoff.referral.refresh_from_db()
    assert handoff.referral.participant is not None and handoff.referral.participant.case_manager is None


def test_a_shift_without_backup_or_supervisor_still_escalates_to_a_program_manager(world):
    OnCallShift.objects.create(
        case_manager=world["case_manager"],
        starts_at=clock.now() - timedelta(hours=1),
        ends_at=clock.now() + timedelta(hours=4),
    )
    with time_machine.travel(clock.now(), tick=False) as traveller:
        handoff, _ = _request(world)
        traveller.shift(timedelta(minutes=6))
        assert services.handoff_escalate_due() == 1
    levels = list(HandoffPage.objects.filter(handoff=handoff).values_list("recipient__username", "level"))
    assert levels == [("carmen", 0), ("paula", 2)]


def test_two_taps_racing_past_the_check_return_the_same_request(roster, monkeypatch):
    handoff, _ = _request(roster)
    # The second tap saw no hand-off yet (the race), then lost to the first at the database.
    real_filter = Handoff.objects.filter
    calls = {"n": 0}

    def racing_filter(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return real_filter(pk=-1)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Handoff.objects, "filter", racing_filter)
    again, created = services.handoff_request(
        actor=roster["officer"], referral=handoff.referral, callback_phone="1"
    )
    assert not created and again.pk == handoff.pk
