"""No eligible person falls between doors (issue #17, item 3): the waiting queue, assigning from it, and only
the next step that fits a referral's door on its page."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from leadline.audit.models import AuditEvent
from leadline.core import clock, refusals
from leadline.demo.testing import ParticipantFactory, make_referral, verified_client
from leadline.notifications.models import Notification
from leadline.participants.models import Participant
from leadline.referrals import services
from leadline.referrals.models import Referral
from leadline.referrals.services import waiting
from leadline.referrals.services.waiting import is_waiting, referral_assign
from leadline.sites.models import Site

pytestmark = pytest.mark.django_db

NEW = services.NEW_PARTICIPANT


def social(officer, **overrides) -> Referral:
    fields = dict(
        door="social_contact",
        offence=None,
        drug_quantity_grams=None,
        verification="observed",
        verified_on=clock.today(),
        inside_catchment=True,
        given_name="Marisol",
        family_name="Quintero",
        date_of_birth=date(1979, 3, 4),
    )
    fields.update(overrides)
    return make_referral(officer, **fields)


def community(w, *, approve: bool | None = True, **overrides: Any) -> Referral:
    data: dict[str, Any] = dict(
        given_name="Tobias",
        family_name="Wendell",
        concern="Sleeps in the station",
        person_agrees=True,
        date_of_birth=date(1984, 6, 2),
    )
    data.update(overrides)
    referral, _ = services.community_referral_submit(
        actor=w["provider_staff"], idempotency_key=uuid.uuid4().hex, data=services.CommunityInput(**data)
    )
    if approve is not None:
        referral = services.community_referral_decide(
            actor=w["program_manager"], referral=referral, approve=approve, reason="Known to outreach"
        )
    return referral


def _with_handoff(w, referral: Referral, *, cancel: bool = False) -> Referral:
    handoff, _ = services.handoff_request(
        actor=w["officer"], referral=referral, callback_phone="+15855550100"
    )
    if cancel:
        services.handoff_cancel(actor=w["officer"], handoff=handoff, reason="Walked away")
    return referral


def _linked(w, referral: Referral) -> Referral:
    person = ParticipantFactory.create(case_manager=w["case_manager"])
    Referral.objects.filter(pk=referral.pk).update(participant=person)
    referral.refresh_from_db()
    return referral


def _waitlisted(w) -> Referral:
    Site.objects.update(caseload_hard_limit=0)  # no room anywhere: the social contact waits for capacity
    referral = social(w["officer"])
    Site.objects.update(caseload_hard_limit=25)
    return referral


CASES = {
    # door / status / hand-off / participant -> in the queue?
    "arrest diversion, eligible, no hand-off": (lambda w: make_referral(w["officer"]), False),
    "arrest diversion, eligible, hand-off cancelled": (
        lambda w: _with_handoff(w, make_referral(w["officer"]), cancel=True),
        False,
    ),
    "social contact, eligible, no hand-off": (lambda w: social(w["officer"]), True),
    "social contact, eligible, hand-off live": (lambda w: _with_handoff(w, social(w["officer"])), False),
    "social contact, eligible, hand-off cancelled": (
        lambda w: _with_handoff(w, social(w["officer"]), cancel=True),
        True,
    ),
    "social contact, waiting for capacity": (_waitlisted, True),
    "social contact, not eligible": (lambda w: social(w["officer"], inside_catchment=False), False),
    "social contact, person declined": (lambda w: social(w["officer"], person_agrees=False), False),
    "social contact, eligible, with a participant": (lambda w: _linked(w, social(w["officer"])), False),
    "community, waiting for the approver": (lambda w: community(w, approve=None), False),
    "community, approved": (lambda w: community(w), True),
    "community, not approved": (lambda w: community(w, approve=False), False),
    "community, approved, with a participant": (lambda w: _linked(w, community(w)), False),
    "community, not eligible": (
        lambda w: community(w, approve=None, exclusions_flagged=("violent_history",)),
        False,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_queue_holds_exactly_the_eligible_people_no_door_took_in(small_world, case):
    make, expected = CASES[case]
    referral = make(small_world)
    assert is_waiting(referral) is expected
    assert (
        referral.pk
        in waiting.waiting_list_for(user=small_world["program_manager"]).values_list("pk", flat=True)
    ) is expected


def test_the_queue_is_oldest_first_and_only_the_program_manager_reads_it(small_world):
    w = small_world
    first = social(w["officer"], given_name="Ada")
    second = community(w)
    assert list(waiting.waiting_list_for(user=w["program_manager"]).values_list("pk", flat=True)) == [
        first.pk,
        second.pk,
    ]
    for persona in ("officer", "case_manager", "provider_staff", "site_admin"):
        assert not waiting.waiting_list_for(user=w[persona]).exists()


def _assign_post(client, referral, case_manager, participant=NEW, shown=()):
    return client.post(
        f"/referrals/waiting/{referral.pk}/",
        {"case_manager": case_manager.pk, "participant": participant, "shown": list(shown)},
    )


def test_assigning_creates_the_participant_from_the_referral_with_nothing_typed_again(small_world):
    w = small_world
    referral = community(w)
    before = Participant.objects.count()
    response = _assign_post(verified_client(w["program_manager"]), referral, w["case_manager"])
    assert response.status_code == 302 and response.url == "/referrals/waiting/"
    referral.refresh_from_db()
    person = referral.participant
    assert person is not None
    assert Participant.objects.count() == before + 1
    assert (person.given_name, person.family_name, person.date_of_birth) == (
        "Tobias",
        "Wendell",
        date(1984, 6, 2),
    )
    assert (person.case_manager, person.status) == (
        w["case_manager"],
        "referred",
    )  # intake due, on her caseload
    assert not is_waiting(referral)
    assert AuditEvent.objects.filter(
        subject_type="referral", subject_id=referral.pk, participant_id=person.pk, action="update"
    ).exists()
    told = Notification.objects.get(user=w["case_manager"], work_key=f"referral:{referral.pk}")
    assert told.kind == "referral" and told.url == f"/participants/{person.pk}/" and told.done_at is None


def test_assigning_joins_the_participant_the_program_manager_confirms(small_world):
    w = small_world
    known = ParticipantFactory.create(
        given_name="Marisol", family_name="Quintero", date_of_birth=date(1979, 3, 4), status="exited"
    )
    referral = social(w["officer"])
    before = Participant.objects.count()
    with pytest.raises(services.MatchToConfirm) as asked:  # never joined silently
        referral_assign(actor=w["program_manager"], referral=referral, case_manager=w.casey)
    assert [p.pk for p in asked.value.candidates] == [known.pk]
    page = verified_client(w["program_manager"]).get(f"/referrals/waiting/{referral.pk}/")
    assert f'data-candidate="{known.pk}"' in page.content.decode()
    response = _assign_post(verified_client(w["program_manager"]), referral, w.casey, known.pk, [known.pk])
    assert response.status_code == 302
    referral.refresh_from_db()
    known.refresh_from_db()
    assert referral.participant_id == known.pk and Participant.objects.count() == before
    assert (known.case_manager, known.status) == (w.casey, "referred")  # back in LEAD, intake due again


def test_the_same_assignment_sent_twice_makes_one_participant(small_world):
    w = small_world
    referral = social(w["officer"])
    client = verified_client(w["program_manager"])
    before = Participant.objects.count()
    assert _assign_post(client, referral, w["case_manager"]).status_code == 302
    again = client.post(
        f"/referrals/waiting/{referral.pk}/",
        {"case_manager": w["case_manager"].pk, "participant": NEW},
        follow=True,
    )
    assert again.status_code == 200 and "already made" in again.content.decode()
    assert Participant.objects.count() == before + 1
    assert (
        Notification.objects.filter(user=w["case_manager"], work_key=f"referral:{referral.pk}").count() == 1
    )


def test_a_different_assignment_made_meanwhile_is_refused_409(small_world):
    w = small_world
    referral = social(w["officer"])
    first = referral_assign(
        actor=w["program_manager"], referral=referral, case_manager=w["case_manager"], participant=NEW
    )
    with pytest.raises(refusals.Conflict) as refused:
        referral_assign(actor=w["program_manager"], referral=referral, case_manager=w.casey, participant=NEW)
    assert w["case_manager"].get_full_name() in refused.value.message
    response = _assign_post(verified_client(w["program_manager"]), referral, w.casey)
    assert response.status_code == 409 and "assigned this referral meanwhile" in response.content.decode()
    first.participant.refresh_from_db()
    assert first.participant.case_manager == w["case_manager"]  # nothing changed


@pytest.mark.parametrize(
    "make, status, says",
    [
        (lambda w: make_referral(w["officer"]), 400, "hand-off at the scene"),
        (lambda w: community(w, approve=None), 400, "designated approver"),
        (lambda w: social(w["officer"], inside_catchment=False), 400, "Only an eligible referral"),
        (lambda w: _with_handoff(w, social(w["officer"])), 409, "handed off at the scene"),
    ],
    ids=["arrest diversion", "community not approved yet", "not eligible", "handed off"],
)
def test_a_referral_not_in_the_queue_is_refused_with_why(small_world, make, status, says):
    w = small_world
    referral = make(w)
    before = Participant.objects.count()
    with pytest.raises(refusals.Refused) as refused:
        referral_assign(actor=w["program_manager"], referral=referral, case_manager=w.casey, participant=NEW)
    assert refused.value.status == status and says in refused.value.message
    assert Participant.objects.count() == before


def test_a_full_caseload_is_refused_at_the_field_and_a_case_manager_only(small_world):
    w = small_world
    Site.objects.update(caseload_soft_limit=1, caseload_hard_limit=1)
    ParticipantFactory.create(case_manager=w.casey)
    referral = social(w["officer"])  # capacity: Carmen has room
    with pytest.raises(refusals.Refused) as refused:
        referral_assign(actor=w["program_manager"], referral=referral, case_manager=w.casey, participant=NEW)
    assert refused.value.field == "case_manager" and "hard limit is 1" in refused.value.message
    with pytest.raises(refusals.Refused) as not_cm:
        referral_assign(
            actor=w["program_manager"], referral=referral, case_manager=w["officer"], participant=NEW
        )
    assert not_cm.value.field == "case_manager"
    with pytest.raises(refusals.NotAllowed):
        referral_assign(
            actor=w["case_manager"], referral=referral, case_manager=w["case_manager"], participant=NEW
        )
    assert is_waiting(referral)


def test_a_waitlisted_social_contact_becomes_eligible_when_assigned(small_world):
    w = small_world
    referral = _waitlisted(w)
    referral_assign(actor=w["program_manager"], referral=referral, case_manager=w.casey, participant=NEW)
    referral.refresh_from_db()
    assert referral.participant is not None
    assert referral.status == "eligible" and referral.participant.case_manager == w.casey


# --- Telling the program managers ------------------------------------------------------------------------


def _told(w, referral) -> list[Notification]:
    return list(
        Notification.objects.filter(
            work_key=f"referral:{referral.pk}",
            user=w["program_manager"],
            created_at__gte=referral.approval_at or referral.created_at,
        )
    )


def test_an_approval_tells_the_program_managers_and_the_assignment_marks_it_done(
    small_world, django_capture_on_commit_callbacks
):
    w = small_world
    with django_capture_on_commit_callbacks(execute=True):
        referral = community(w)
    told = _told(w, referral)
    assert len(told) == 1 and told[0].url == f"/referrals/waiting/{referral.pk}/" and told[0].done_at is None
    assert waiting.waiting_tell_due() == 0  # told once
    referral_assign(actor=w["program_manager"], referral=referral, case_manager=w.casey, participant=NEW)
    told[0].refresh_from_db()
    assert told[0].done_at is not None


def test_a_social_contact_not_handed_off_is_told_after_its_grace_once(small_world):
    w = small_world
    referral = social(w["officer"])
    handed = _with_handoff(w, social(w["officer"], given_name="Other"))
    assert waiting.waiting_tell_due() == 0  # the officer may still call the LEAD line
    later = clock.now() + waiting.SOCIAL_CONTACT_GRACE + timedelta(minutes=1)
    assert waiting.waiting_tell_due(now=later) == 1
    assert waiting.waiting_tell_due(now=later) == 0
    assert len(_told(w, referral)) == 1 and not _told(w, handed)


# --- Only the next step that fits the door ---------------------------------------------------------------

CALL = 'action="/referrals/{pk}/handoff/"'
ASSIGN = 'href="/referrals/waiting/{pk}/"'
DECIDE = 'action="/referrals/{pk}/decide/"'
OVERRIDE = 'action="/referrals/{pk}/override/"'


@pytest.mark.parametrize(
    "make, persona, shown",
    [
        (lambda w: make_referral(w["officer"]), "officer", {CALL}),
        (lambda w: make_referral(w["officer"]), "program_manager", {CALL}),
        (lambda w: social(w["officer"]), "officer", {CALL}),
        (lambda w: social(w["officer"]), "program_manager", {CALL, ASSIGN}),
        (lambda w: community(w, approve=None), "program_manager", {DECIDE}),
        (lambda w: community(w, approve=None), "case_manager", set()),
        (lambda w: community(w), "program_manager", {ASSIGN}),
        (lambda w: community(w), "case_manager", set()),
        (lambda w: _linked(w, community(w)), "program_manager", set()),
        (
            lambda w: make_referral(w["officer"], exclusions_flagged=("violent_history",)),
            "program_manager",
            {OVERRIDE},
        ),
        (lambda w: make_referral(w["officer"], exclusions_flagged=("violent_history",)), "officer", set()),
    ],
    ids=[
        "arrest diversion: the LEAD line",
        "arrest diversion: the LEAD line, never the queue",
        "social contact: the LEAD line",
        "social contact: the LEAD line or the queue",
        "community pending: the approver decides",
        "community pending: nothing for others",
        "community approved: the queue",
        "community approved: nothing for a case manager",
        "assigned: nothing left to do",
        "not eligible: the override",
        "not eligible: nothing for the officer",
    ],
)
def test_a_referral_page_offers_only_the_step_that_fits_its_door(small_world, make, persona, shown):
    referral = make(small_world)
    page = verified_client(small_world[persona]).get(f"/referrals/{referral.pk}/").content.decode()
    offered = {a for a in (CALL, ASSIGN, DECIDE, OVERRIDE) if a.format(pk=referral.pk) in page}
    assert offered == shown


def test_the_line_refuses_a_community_referral_even_when_asked_directly(small_world):
    w = small_world
    referral = community(w)
    verified_client(w["program_manager"]).post(
        f"/referrals/{referral.pk}/handoff/", {"callback_phone": "+15855550100"}
    )
    assert not referral.handoffs.exists() and is_waiting(referral)


def test_an_assigned_referral_names_its_case_manager_to_the_program_side_only(small_world):
    w = small_world
    referral = social(w["officer"])
    referral_assign(actor=w["program_manager"], referral=referral, case_manager=w.casey, participant=NEW)
    name = w.casey.get_full_name()
    assert name in verified_client(w["program_manager"]).get(f"/referrals/{referral.pk}/").content.decode()
    officer_page = verified_client(w["officer"]).get(f"/referrals/{referral.pk}/").content.decode()
    assert "data-assigned" in officer_page and name not in officer_page


def test_the_queue_page_reads_in_the_same_few_queries_however_long_it_is(small_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = small_world
    client = verified_client(w["program_manager"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/referrals/waiting/").status_code == 200
        return len(seen)

    social(w["officer"], given_name="One")
    community(w)
    few = queries()
    for n in range(6):
        social(w["officer"], given_name=f"More{n}")
        community(w, given_name=f"Later{n}")
    assert queries() == few
