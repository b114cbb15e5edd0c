"""Every hand-over told (issue #17, item 2; decision 0037): each status change of a hand-off, a LEAD
referral, a community referral, a service referral, a message thread, a legal notice and an action item
tells the people on both sides — nobody else, never the one who made the change — with the work it is
(``work_key``), and the notifications about a piece of work are marked done in the transaction that does
it. Email and SMS carry no participant content (the hand-off page's SMS is the one exception)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from leadline.accounts.models import Agency, User
from leadline.accounts.roles import Role
from leadline.core import clock
from leadline.demo.testing import UserFactory, make_referral
from leadline.directory import referrals as srefs
from leadline.legal.models import LegalMatter, Notice
from leadline.legal.services import matter_extend, matters_resolve_due, notice_confirm
from leadline.messaging.services import message_post, thread_mark_read
from leadline.notifications.models import Delivery, Notification, Preference
from leadline.referrals.models import Handoff, OnCallShift
from leadline.referrals.services import (
    NEW_PARTICIPANT,
    community_referral_decide,
    handoff_acknowledge,
    handoff_arrive,
    handoff_cancel,
    handoff_complete,
    handoff_escalate_due,
    handoff_request,
    referral_override,
)
from leadline.workgroup.services import action_done, decision_record

pytestmark = pytest.mark.django_db
K = Notification.Kind


def told(key: str, kind: str | None = None) -> dict[str, int]:
    """username -> how many notifications about ``key`` (of ``kind``) they were given."""
    rows = Notification.objects.filter(work_key=key)
    if kind is not None:
        rows = rows.filter(kind=kind)
    out: dict[str, int] = {}
    for name in rows.values_list("user__username", flat=True):
        out[name] = out.get(name, 0) + 1
    return out


def open_for(key: str, kind: str) -> set[str]:
    """Who still has work open (not done) about ``key`` of ``kind``."""
    rows = Notification.objects.filter(work_key=key, kind=kind, done_at__isnull=True)
    return set(rows.values_list("user__username", flat=True))


@pytest.fixture
def roster(world):
    """Carmen on call, Casey her backup, Paula the supervisor."""
    now = clock.now()
    OnCallShift.objects.create(
        case_manager=world["case_manager"],
        backup=world.casey,
        supervisor=world["program_manager"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    return world


def _fresh_handoff(world, given_name: str = "Quinn") -> Handoff:
    referral = make_referral(world["officer"], given_name=given_name)
    handoff, _created = handoff_request(
        actor=world["officer"], referral=referral, callback_phone="+15855550199"
    )
    return handoff


# Hand-offs -----------------------------------------------------------------------------------------------
def test_a_hand_off_tells_the_officer_at_every_step_and_every_page_is_done_once_someone_has_it(roster):
    world = roster
    handoff = _fresh_handoff(world)
    key = f"handoff:{handoff.pk}"
    assert told(key) == {"carmen": 1}  # paged: the on-call case manager, nobody else yet
    with time_machine.travel(clock.now() + timedelta(minutes=30), tick=False):
        assert handoff_escalate_due() == 1
    assert told(key, K.HANDOFF_PAGE) == {"carmen": 1, "casey": 1}  # the backup too, the same work
    assert open_for(key, K.HANDOFF_PAGE) == {"carmen", "casey"}

    handoff_acknowledge(actor=world.casey, handoff=handoff, eta_minutes=15)
    assert open_for(key, K.HANDOFF_PAGE) == set()  # both pages done: Casey has it
    assert Notification.objects.filter(work_key=key, kind=K.HANDOFF_PAGE, read_at__isnull=True).count() == 0
    assert told(key, K.HANDOFF_UPDATE) == {"olivia": 1}  # the officer on the scene; not Casey herself

    handoff_arrive(actor=world.casey, handoff=handoff)
    assert told(key, K.HANDOFF_UPDATE) == {"olivia": 2}
    handoff_complete(actor=world.casey, handoff=handoff, match=NEW_PARTICIPANT)
    assert told(key, K.HANDOFF_UPDATE) == {"olivia": 3}
    # Information, not work: the officer's stay unread until she reads them, never "done".
    assert (
        Notification.objects.filter(work_key=key, kind=K.HANDOFF_UPDATE, done_at__isnull=False).count() == 0
    )
    # Nobody outside the hand-off: not Otto (another precinct), the police liaison, Paula (never paged).
    assert set(told(key)) == {"carmen", "casey", "olivia"}


def test_an_officer_calling_it_off_tells_everyone_paged_and_closes_their_pages(world):
    handoff = world.handoff  # nobody on call: paged to the program manager
    key = f"handoff:{handoff.pk}"
    assert open_for(key, K.HANDOFF_PAGE) == {"paula"}
    handoff_cancel(actor=world["officer"], handoff=handoff, reason="He walked away")
    assert open_for(key, K.HANDOFF_PAGE) == set()
    assert told(key, K.HANDOFF_UPDATE) == {"paula": 1}  # the case side; the officer did it herself


def test_the_case_side_calling_it_off_tells_the_officer(world):
    handoff = world.handoff
    key = f"handoff:{handoff.pk}"
    handoff_cancel(actor=world["program_manager"], handoff=handoff, reason="Not eligible after all")
    assert told(key, K.HANDOFF_UPDATE) == {"olivia": 1}
    assert open_for(key, K.HANDOFF_PAGE) == set()


# LEAD referrals ------------------------------------------------------------------------------------------
def test_an_override_tells_the_officer_who_referred_and_nobody_else(world):
    referral = world.referral  # Olivia's, ineligible
    referral_override(
        actor=world["program_manager"], referral=referral, reason="The exclusion is 12 years old"
    )
    assert told(f"referral:{referral.pk}") == {"olivia": 1}
    assert Notification.objects.get(work_key=f"referral:{referral.pk}").kind == K.REFERRAL_UPDATE


def test_a_community_referral_waits_with_the_designated_approvers_and_the_decision_goes_to_the_partner(world):
    referral = world.community  # Pat's organisation referred; Paula is the designated approver
    key = f"referral:{referral.pk}"
    undesignated = UserFactory.create(
        username="pm2", role=Role.PROGRAM_MANAGER.value, agency=world["program_manager"].agency
    )
    assert open_for(key, K.REFERRAL) == {
        "paula"
    }  # not Pat who sent it, not an approver without the designation
    assert "pm2" not in told(key)
    community_referral_decide(
        actor=world["program_manager"], referral=referral, approve=True, reason="Known to outreach"
    )
    assert open_for(key, K.REFERRAL) == set()
    assert told(key, K.REFERRAL_UPDATE) == {"pat": 1}
    assert set(told(key)) == {"paula", "pat"} and undesignated.notifications.count() == 0


# Service referrals ---------------------------------------------------------------------------------------
@pytest.fixture
def other_provider(world):
    """Staff of another organisation."""
    agency = Agency.objects.create(name="Genesee Recovery", kind=Agency.Kind.SERVICE_PROVIDER)
    return UserFactory.create(username="gina", role=Role.PROVIDER_STAFF.value, agency=agency)


def test_a_service_referral_goes_to_the_providers_staff_and_each_answer_back_to_the_sender(
    world, other_provider, login
):
    sref = world.sref  # Carmen's, to Pat's organisation
    key = f"service_referral:{sref.pk}"
    assert open_for(key, K.SERVICE_REFERRAL) == {"pat"}
    srefs.referral_move(
        actor=world["provider_staff"], referral_id=sref.pk, to="accepted", version=sref.version
    )
    assert open_for(key, K.SERVICE_REFERRAL) == set()  # answered: the provider's work is done
    assert open_for(key, K.SERVICE_REFERRAL_UPDATE) == {"carmen"}
    sref.refresh_from_db()
    assert sref.answer_seen_at is None

    login(world["program_manager"]).get(f"/directory/referrals/{sref.pk}/")  # not the sender: nothing seen
    assert open_for(key, K.SERVICE_REFERRAL_UPDATE) == {"carmen"}
    assert login(world["case_manager"]).get(f"/directory/referrals/{sref.pk}/").status_code == 200
    sref.refresh_from_db()
    assert sref.answer_seen_at is not None and open_for(key, K.SERVICE_REFERRAL_UPDATE) == set()

    srefs.referral_move(
        actor=world["provider_staff"],
        referral_id=sref.pk,
        to="completed",
        version=sref.version,
        outcome="Moved in on Monday",
    )
    sref.refresh_from_db()
    assert sref.answer_seen_at is None and told(key, K.SERVICE_REFERRAL_UPDATE) == {"carmen": 2}
    assert set(told(key)) == {"pat", "carmen"}  # not Gina of another organisation, not Casey


def test_a_cancelled_service_referral_tells_the_provider_and_closes_what_it_had_to_answer(
    world, other_provider
):
    sref = world.sref
    key = f"service_referral:{sref.pk}"
    srefs.referral_move(
        actor=world["program_manager"],
        referral_id=sref.pk,
        to="cancelled",
        version=sref.version,
        reason="The participant found a room",
    )
    assert open_for(key, K.SERVICE_REFERRAL) == set()
    assert told(key, K.SERVICE_REFERRAL_UPDATE) == {"pat": 1, "carmen": 1}  # both sides; Paula did it
    assert "gina" not in told(key)


# Messages ------------------------------------------------------------------------------------------------
def test_a_message_tells_the_members_who_may_read_it_and_reading_closes_only_the_readers_own(world):
    thread = world.thread  # Paula's, with Carmen and Priya (under a consent naming the DA's office)
    key = f"message_thread:{thread.pk}"
    assert open_for(key, K.MESSAGE) == {"carmen", "priya"}  # not Paula who wrote
    thread_mark_read(user=world["case_manager"], thread=thread)
    assert open_for(key, K.MESSAGE) == {"priya"}
    message_post(
        actor=world["prosecutor"],
        thread=thread,
        body="Court moved to the 14th",
        idempotency_key=uuid.uuid4().hex,
    )
    assert open_for(key, K.MESSAGE) == {"paula", "carmen"}  # Priya answered: she had read it
    assert "casey" not in told(key)


# Legal notices -------------------------------------------------------------------------------------------
def test_a_notice_waits_for_the_prosecutors_and_its_confirmation_is_told_to_the_program_and_the_defender(
    world,
):
    matter: LegalMatter = world.matter  # Carmen's participant, Dana defends; the clock runs
    matter.refresh_from_db()
    with time_machine.travel(matter.deadline_at + timedelta(minutes=1), tick=False):
        assert matters_resolve_due() == 1
    notice = Notice.objects.get(matter=matter)
    key = f"legal_notice:{notice.pk}"
    assert open_for(key, K.LEGAL_NOTICE) == {"priya", "dana"}
    assert told(key, K.LEGAL_UPDATE) == {"carmen": 1}  # the program's side hears it went out
    assert notice.kind == Notice.Kind.RETURN  # no participation yet: back to the prosecutor
    with time_machine.travel(matter.deadline_at + timedelta(minutes=2), tick=False):
        notice_confirm(actor=world["prosecutor"], notice_id=notice.pk)
    assert open_for(key, K.LEGAL_NOTICE) == set()  # Priya's and Dana's alike
    assert told(key, K.LEGAL_UPDATE) == {"carmen": 2, "dana": 1}  # not Priya who confirmed it
    assert not ({"casey", "olivia", "pat", "paula"} & set(told(key)))


def test_a_confirmed_clearance_is_told_to_the_program_but_never_again_to_the_defender(world):
    from leadline.legal.tests.test_legal import _clear_and_confirm

    notice = _clear_and_confirm(world)  # sealed once confirmed: hidden from every criminal-justice role
    key = f"legal_notice:{notice.pk}"
    assert open_for(key, K.LEGAL_NOTICE) == set()
    assert told(key, K.LEGAL_UPDATE) == {"carmen": 2}  # no notification points Dana at a sealed matter


def test_an_extension_withdraws_the_return_notice_and_tells_the_other_side(world):
    matter = world.matter
    matter.refresh_from_db()
    with time_machine.travel(matter.deadline_at + timedelta(minutes=1), tick=False):
        matters_resolve_due()  # no contact: a return notice
        notice = Notice.objects.get(matter=matter)
        assert notice.kind == Notice.Kind.RETURN
        matter.refresh_from_db()
        matter_extend(
            actor=world["prosecutor"],
            matter_id=matter.pk,
            days=14,
            reason="Intake booked",
            version=matter.version,
        )
    key = f"legal_notice:{notice.pk}"
    assert open_for(key, K.LEGAL_NOTICE) == set()
    assert told(key, K.LEGAL_UPDATE) == {"carmen": 2, "dana": 1}


# Action items --------------------------------------------------------------------------------------------
def test_an_action_item_is_told_to_its_owner_and_done_when_done(world):
    owner = world["case_manager"]
    decision = decision_record(
        actor=world["program_manager"],
        meeting=world.meeting,
        text="Find a bed",
        idempotency_key="d1",
        action_text="Call the shelter",
        owner=owner,
        due_on=clock.today() + timedelta(days=3),
    )
    action = decision.actions.get()
    key = f"workgroup_action:{action.pk}"
    assert open_for(key, K.ACTION_ITEM) == {"carmen"}
    action_done(actor=owner, action_id=action.pk, version=action.version, note="Called")
    assert open_for(key, K.ACTION_ITEM) == set()


# What leaves Leadline ------------------------------------------------------------------------------------
def test_no_email_or_sms_of_a_hand_over_carries_participant_content(
    roster, django_capture_on_commit_callbacks
):
    world = roster
    for user in User.objects.all():
        user.email, user.phone = f"{user.username}@lead.example", f"+1585555{user.pk:04d}"
        user.save(update_fields=["email", "phone"])
        Preference.objects.update_or_create(user=user, defaults={"by_email": True, "by_sms": True})
    for record in (world.referral, world.community, world.sref, world.thread, world.matter):
        record.refresh_from_db()  # their people as they are now, with the addresses above
    start = max(Delivery.objects.values_list("pk", flat=True), default=0)
    handoff = _fresh_handoff(world, given_name="Zephyrine")
    handoff_acknowledge(actor=world["case_manager"], handoff=handoff, eta_minutes=10)
    handoff_arrive(actor=world["case_manager"], handoff=handoff)
    handoff_complete(actor=world["case_manager"], handoff=handoff, match=NEW_PARTICIPANT)
    referral_override(
        actor=world["program_manager"], referral=world.referral, reason="The exclusion is old enough"
    )
    community_referral_decide(
        actor=world["program_manager"],
        referral=world.community,
        approve=False,
        reason="Outside the catchment",
    )
    sref = world.sref
    srefs.referral_move(
        actor=world["provider_staff"],
        referral_id=sref.pk,
        to="rejected",
        version=sref.version,
        reason="No rooms this month",
    )
    message_post(
        actor=world["case_manager"],
        thread=world.thread,
        body="Secret plan for Avery",
        idempotency_key=uuid.uuid4().hex,
    )
    world.matter.refresh_from_db()
    with time_machine.travel(world.matter.deadline_at + timedelta(minutes=1), tick=False):
        matters_resolve_due()
        notice_confirm(actor=world["prosecutor"], notice_id=Notice.objects.get(matter=world.matter).pk)

    sent = list(
        Delivery.objects.filter(notification__isnull=False, pk__gt=start).select_related("notification")
    )
    kinds = {d.notification.kind for d in sent if d.notification is not None}
    assert {
        K.HANDOFF_PAGE,
        K.HANDOFF_UPDATE,
        K.REFERRAL_UPDATE,
        K.SERVICE_REFERRAL_UPDATE,
        K.MESSAGE,
        K.LEGAL_NOTICE,
        K.LEGAL_UPDATE,
    } <= kinds
    mine = world.mine
    content = [
        "Zephyrine",
        "Rivera",
        "Avery",
        "Sky",
        "Ward",
        mine.given_name,
        mine.family_name,
        "PL 220.03",
        "Secret plan",
        "Intake on Thursday",
        "No rooms",
        "Rapid rehousing",
        "room near the clinic",
        "catchment",
        "exclusion",
    ]
    for delivery in sent:
        assert delivery.notification is not None
        if delivery.notification.kind == K.HANDOFF_PAGE and delivery.channel == Delivery.Channel.SMS:
            assert (
                "Zephyrine" not in delivery.body and "Rivera" not in delivery.body
            )  # door, offence, place only
            continue
        for word in content:
            assert word not in delivery.body, (delivery.notification.kind, delivery.channel, word)


# The notifications page ----------------------------------------------------------------------------------
def test_a_page_whose_hand_off_is_done_reads_done_not_new(roster, login):
    world = roster
    handoff = _fresh_handoff(world)
    page = Notification.objects.get(work_key=f"handoff:{handoff.pk}", kind=K.HANDOFF_PAGE)
    client = login(world["case_manager"])
    before = client.get("/notifications/").content.decode()
    assert f'data-notification="{page.pk}" data-unread' in before
    handoff_acknowledge(actor=world["case_manager"], handoff=handoff, eta_minutes=5)
    after = client.get("/notifications/").content.decode()
    assert f'data-notification="{page.pk}" data-done' in after
    row = after.split(f'data-notification="{page.pk}"', 1)[1].split("</li>", 1)[0]
    assert 'data-state="done"' in row and 'data-state="new"' not in row


def test_work_done_marks_only_that_work_of_those_kinds_and_that_person(world):
    from leadline.notifications.services import notify, work_done

    carmen, casey = world["case_manager"], world.casey
    notify([carmen, casey], kind=K.MESSAGE, work_key="message_thread:999")
    notify([carmen], kind=K.SERVICE_REFERRAL_UPDATE, work_key="message_thread:999")
    notify([carmen], kind=K.MESSAGE, work_key="message_thread:998")
    assert work_done(work_key="message_thread:999", user=carmen, kinds=[K.MESSAGE]) == 1
    assert open_for("message_thread:999", K.MESSAGE) == {"casey"}
    assert open_for("message_thread:999", K.SERVICE_REFERRAL_UPDATE) == {"carmen"}
    assert open_for("message_thread:998", K.MESSAGE) == {"carmen"}
    assert work_done(work_key="") == 0
