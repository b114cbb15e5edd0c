"""The operational workgroup (issue #8, item 1): a meeting is scheduled, its agenda fills from what
happened, each member reads it through their role and the participant's consents, decisions make action
items that their owners close, items not discussed carry over, and the meetings are an iCalendar feed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail

from leadline.consents.models import Disclosure
from leadline.core import clock
from leadline.notifications.models import Notification
from leadline.participants.models import Participant
from leadline.referrals.models import Referral
from leadline.workgroup import agenda, services
from leadline.workgroup.models import ActionItem, AgendaItem, Meeting, Member

pytestmark = pytest.mark.django_db
K = AgendaItem.Kind
PERSONAS = (
    "officer",
    "police_liaison",
    "case_manager",
    "outreach_worker",
    "program_manager",
    "prosecutor",
    "defender",
    "provider_staff",
)


@pytest.fixture
def group(world):
    """Everyone at the table is a member; Olivia's referral became ``mine`` (who opted in to officer
    feedback), ``other`` has been out of touch for six weeks, a diversion window closes in three days."""
    Meeting.objects.all().delete()  # start from no meeting (the world has one), nobody told anything
    Notification.objects.all().delete()
    for persona in PERSONAS:
        services.member_add(actor=world["program_manager"], user=world[persona])
    Referral.objects.filter(pk=world.referral.pk).update(participant=world.mine)
    Participant.objects.filter(pk=world.other.pk).update(
        status=Participant.Status.INACTIVE, last_contact_at=clock.now() - timedelta(days=42)
    )
    type(world.matter).objects.filter(pk=world.matter.pk).update(deadline_at=clock.now() + timedelta(days=3))
    return world


def _meeting(world, days: int = 1, key: str = "m1") -> Meeting:
    start = clock.now() + timedelta(days=days)
    return services.meeting_schedule(
        actor=world["program_manager"],
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        place="Room 204, 99 Exchange Blvd",
        idempotency_key=key,
    )


def test_a_meeting_is_scheduled_once_and_the_members_are_told(
    group, login, django_capture_on_commit_callbacks
):
    paula = login(group["program_manager"])
    start = (clock.now() + timedelta(days=7)).astimezone().strftime("%Y-%m-%dT10:00")
    data = {
        "starts_at": start,
        "ends_at": start.replace("T10:00", "T11:30"),
        "place": "Room 204",
        "idempotency_key": uuid.uuid4().hex,
    }
    assert paula.get("/workgroup/meetings/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        made = paula.post("/workgroup/meetings/new/", data)
        again = paula.post("/workgroup/meetings/new/", data)  # a double tap
    assert made.status_code == 302 and again["Location"] == made["Location"] and Meeting.objects.count() == 1
    told = Notification.objects.filter(kind=Notification.Kind.MEETING)
    assert told.count() == len(PERSONAS)  # every member, once
    from leadline.notifications.testing import send_queued_deliveries

    send_queued_deliveries()  # by the task worker
    assert all("Room 204" not in m.body for m in mail.outbox)  # a notice to sign in, nothing else
    wrong = paula.post(
        "/workgroup/meetings/new/",
        {**data, "ends_at": start.replace("T10:00", "T09:00"), "idempotency_key": uuid.uuid4().hex},
    )
    assert wrong.status_code == 400 and "The meeting must end after it starts." in wrong.content.decode()
    assert login(group["officer"]).get("/workgroup/meetings/new/").status_code == 403


def test_the_agenda_fills_from_what_happened_once(group):
    meeting = _meeting(group)
    added = agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    kinds = set(meeting.items.values_list("kind", flat=True))
    assert {K.NEW_REFERRAL, K.NEW_CHARGE, K.INACTIVE, K.DEADLINE} <= kinds
    assert meeting.items.filter(kind=K.INACTIVE, participant=group.other).exists()
    assert meeting.items.filter(kind=K.NEW_CHARGE, participant=group.mine).exists()
    assert (
        added == meeting.items.count()
        and agenda.agenda_build(actor=group["program_manager"], meeting=meeting) == 0
    )


def _page(client, meeting: Meeting) -> str:
    response = client.get(f"/workgroup/meetings/{meeting.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_agenda_button_says_in_full_what_it_does(group, login):
    """Issue #17, item 9: not "Add what is new since" (an unfinished sentence)."""
    meeting = _meeting(group)
    client = login(group["program_manager"])
    assert "Build the agenda from what happened since the last meeting" in _page(client, meeting)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    page = _page(client, meeting)
    start = page.index("data-build-agenda>")
    button = page[start : page.index("</button>", start)]
    assert "Add what has happened since the agenda was last built" in button


def test_the_officer_and_the_case_manager_read_the_same_agenda_differently(group, login):
    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    services.meeting_update(
        actor=group["program_manager"],
        meeting_id=meeting.pk,
        version=meeting.version,
        minutes="Discussed the shelter bed for Avery",
    )
    carmen = _page(login(group["case_manager"]), meeting)
    name = f"{group.mine.given_name} {group.mine.family_name}"
    assert name in carmen and "New charge" in carmen and "Inactive for more than 30 days" in carmen
    assert "data-hidden" not in carmen and "Discussed the shelter bed" in carmen  # the program reads it all
    olivia = _page(login(group["officer"]), meeting)
    assert "Your referral of" in olivia and (
        "Engaged with LEAD: not yet" in olivia or "Engaged with LEAD: yes" in olivia
    )  # the opt-in's own words (consents.wording), nothing beyond them
    assert "New charge" not in olivia and "PL 165.40" not in olivia and "Inactive" not in olivia
    assert group.other.family_name not in olivia and "Discussed the shelter bed" not in olivia
    assert 'data-hidden="' in olivia  # the rest is counted, not shown
    assert Disclosure.objects.filter(recipient=group["officer"], participant=group.mine).exists()
    sam = _page(login(group["police_liaison"]), meeting)
    assert name not in sam and "data-agenda-empty" in sam


def test_the_prosecutor_reads_legal_items_and_progress_only_under_the_consent(group, login):
    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    priya = _page(login(group["prosecutor"]), meeting)
    assert "New charge" in priya and group.mine.family_name in priya
    assert "LEAD status" in priya  # world.part2: a 2.35 consent naming her office for status
    assert Disclosure.objects.filter(recipient=group["prosecutor"], consent=group.part2).exists()
    assert "Inactive for more than 30 days" not in priya  # not a legal item
    type(group.part2).objects.filter(pk=group.part2.pk).update(ended_at=clock.now())
    assert "LEAD status" not in _page(login(group["prosecutor"]), meeting)
    omar = _page(login(group["outreach_worker"]), meeting)
    assert group.other.family_name in omar and "New charge" not in omar  # outreach finds the inactive


def test_a_decision_makes_an_action_item_its_owner_closes(group, login, django_capture_on_commit_callbacks):
    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    item = meeting.items.get(kind=K.INACTIVE)
    paula = login(group["program_manager"])
    due = (clock.today() + timedelta(days=7)).isoformat()
    data = {
        "item": item.pk,
        "text": "Outreach looks for him this week",
        "action_text": "Check the shelters",
        "owner": group["outreach_worker"].pk,
        "due_on": due,
        "idempotency_key": "d1",
    }
    missing = paula.post(f"/workgroup/meetings/{meeting.pk}/decisions/", {**data, "due_on": ""})
    assert missing.status_code == 400 and "Give a due date." in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert paula.post(f"/workgroup/meetings/{meeting.pk}/decisions/", data).status_code == 302
        assert paula.post(f"/workgroup/meetings/{meeting.pk}/decisions/", data).status_code == 302  # twice
    action = ActionItem.objects.get()
    assert (
        action.owner == group["outreach_worker"]
        and action.decision is not None
        and action.decision.item == item
    )
    assert (
        Notification.objects.filter(user=group["outreach_worker"], kind=Notification.Kind.ACTION_ITEM).count()
        == 1
    )
    carmen = login(group["case_manager"])
    assert carmen.post(f"/workgroup/actions/{action.pk}/done/", {"version": 1}).status_code == 404  # not hers
    omar = login(group["outreach_worker"])
    assert "Check the shelters" in omar.get("/workgroup/actions/").content.decode()
    assert (
        omar.post(
            f"/workgroup/actions/{action.pk}/done/", {"version": 1, "note": "Found at the day centre"}
        ).status_code
        == 302
    )
    done = ActionItem.objects.get(pk=action.pk)
    assert done.done_at is not None and done.done_by == group["outreach_worker"] and done.version == 2
    omar.post(f"/workgroup/actions/{action.pk}/done/", {"version": 1, "note": "again"})  # a stale second tap
    assert ActionItem.objects.get(pk=action.pk).done_note == "Found at the day centre"


def test_items_not_discussed_are_carried_over_to_the_next_meeting(group, login):
    first = _meeting(group, days=1, key="first")
    agenda.agenda_build(actor=group["program_manager"], meeting=first)
    talked = first.items.get(kind=K.NEW_CHARGE)
    login(group["program_manager"]).post(f"/workgroup/items/{talked.pk}/discussed/", {"discussed": "1"})
    second = _meeting(group, days=8, key="next")
    agenda.agenda_build(actor=group["program_manager"], meeting=second)
    carried = second.items.filter(kind=K.CARRIED_OVER)
    assert carried.filter(carried_from__kind=K.INACTIVE).exists()
    assert not carried.filter(carried_from=talked).exists()


def test_the_calendar_feed_lists_times_and_places_never_a_person(group, client, login):
    import icalendar

    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    member = Member.objects.get(user=group["officer"])
    feed = client.get(f"/workgroup/calendar/{member.calendar_token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(feed.content)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1 and str(events[0]["location"]) == "Room 204, 99 Exchange Blvd"
    assert (
        group.mine.family_name.encode() not in feed.content
        and group.other.family_name.encode() not in feed.content
    )
    assert client.get("/workgroup/calendar/not-a-token.ics").status_code == 404
    services.member_remove(actor=group["program_manager"], user_id=group["officer"].pk)
    assert client.get(f"/workgroup/calendar/{member.calendar_token}.ics").status_code == 404


def test_someone_not_in_the_group_sees_no_meeting(world, login):
    meeting = _meeting(world)
    services.member_remove(actor=world["program_manager"], user_id=world["officer"].pk)
    olivia = login(world["officer"])
    assert "data-not-member" in olivia.get("/workgroup/").content.decode()
    assert olivia.get(f"/workgroup/meetings/{meeting.pk}/").status_code == 404
    assert login(world["evaluator"]).get("/workgroup/").status_code == 403


def test_decisions_stay_with_the_program_and_an_action_about_a_person_goes_to_the_program(group, login):
    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    olivias = meeting.items.filter(referral=group.referral).first()
    assert olivias is not None
    paula = login(group["program_manager"])
    due = (clock.today() + timedelta(days=3)).isoformat()
    secret = {
        "item": olivias.pk,
        "text": "Relapsed; a detox bed at Genesee Recovery",
        "idempotency_key": "s1",
    }
    assert paula.post(f"/workgroup/meetings/{meeting.pk}/decisions/", secret).status_code == 302
    olivia_page = _page(login(group["officer"]), meeting)
    assert "detox" not in olivia_page and "data-decisions-hidden" in olivia_page
    to_officer = {
        **secret,
        "idempotency_key": "s2",
        "action_text": "Look for him at the encampment",
        "owner": group["officer"].pk,
        "due_on": due,
    }
    refused = paula.post(f"/workgroup/meetings/{meeting.pk}/decisions/", to_officer)
    assert refused.status_code == 400 and "goes to someone in the program" in refused.content.decode()
    assert not ActionItem.objects.filter(owner=group["officer"]).exists()
    general = {
        "text": "Bring the new referral forms",
        "idempotency_key": "s3",
        "action_text": "Bring 20 forms",
        "owner": group["officer"].pk,
        "due_on": due,
    }
    assert paula.post(f"/workgroup/meetings/{meeting.pk}/decisions/", general).status_code == 302
    assert ActionItem.objects.filter(owner=group["officer"], text="Bring 20 forms").exists()


def test_a_sealed_infraction_leaves_the_agenda_of_every_criminal_justice_reader(group, login):
    meeting = _meeting(group)
    Referral.objects.filter(pk=group.eligible.pk).update(participant=group.mine)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    before = _page(login(group["prosecutor"]), meeting)
    assert "Arrest diversion" in before or "Deadline close" in before
    type(group.matter).objects.filter(pk=group.matter.pk).update(state="cleared", sealed_at=clock.now())
    priya = agenda.item_views(group["prosecutor"], meeting)
    assert all(
        agenda._matter_of(v.item) is None or agenda._matter_of(v.item).pk != group.matter.pk
        for v in priya.items
    )
    olivia = agenda.item_views(group["officer"], meeting)
    assert all(v.item.referral_id != group.eligible.pk for v in olivia.items)
    carmen = agenda.item_views(group["case_manager"], meeting)
    assert any(v.item.referral_id == group.eligible.pk for v in carmen.items)  # the program keeps it


def test_a_provider_reads_only_that_someone_it_serves_is_out_of_touch(group):
    from leadline.consents.services import consent_record
    from leadline.demo.testing import sample_signature
    from leadline.directory.models import ServiceReferral

    ServiceReferral.objects.filter(pk=group.sref.pk).update(participant=group.other)
    consent_record(
        actor=group.casey,
        participant=group.other,
        kind="part2",
        method="written",
        recipient_kind="provider",
        recipient_agency=group["provider_staff"].agency,
        categories=("enrolment", "status"),
        purpose="Housing help",
        expires_on=clock.today() + timedelta(days=30),
        signature=sample_signature(),
    )
    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    pat = agenda.item_views(group["provider_staff"], meeting)
    assert [v.item.kind for v in pat.items] == [K.INACTIVE] and pat.items[0].title == "On the agenda"
    assert pat.hidden == meeting.items.count() - 1


def test_membership_ends_the_feed_and_a_return_gets_a_new_one(group, client, login):
    member = Member.objects.get(user=group["officer"])
    old = member.calendar_token
    services.member_remove(actor=group["program_manager"], user_id=group["officer"].pk)
    services.member_add(actor=group["program_manager"], user=group["officer"])
    assert client.get(f"/workgroup/calendar/{old}.ics").status_code == 404
    fresh = Member.objects.get(user=group["officer"]).calendar_token
    assert fresh != old and client.get(f"/workgroup/calendar/{fresh}.ics").status_code == 200
    paula = login(group["program_manager"])
    assert paula.post("/workgroup/members/", {"remove": "abc"}).status_code == 404
    assert paula.post("/workgroup/members/", {"remove": "999999"}).status_code == 404


def test_a_case_manager_reads_decisions_about_her_own_caseload_only(group, login):
    services.member_add(actor=group["program_manager"], user=group.casey)
    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    about_mine = meeting.items.filter(participant=group.mine).first()
    assert about_mine is not None
    paula = login(group["program_manager"])
    due = (clock.today() + timedelta(days=3)).isoformat()
    data = {
        "item": about_mine.pk,
        "text": "Relapsed; a detox bed on Monday",
        "action_text": "Book the detox bed",
        "owner": group["case_manager"].pk,
        "due_on": due,
        "idempotency_key": "c1",
    }
    assert paula.post(f"/workgroup/meetings/{meeting.pk}/decisions/", data).status_code == 302
    carmen = _page(login(group["case_manager"]), meeting)
    casey = _page(login(group.casey), meeting)
    assert "detox bed on Monday" in carmen and "Book the detox bed" in carmen
    assert "detox" not in casey and "data-decisions-hidden" in casey


def test_the_prosecutor_sees_no_legal_item_about_someone_the_legal_pages_hide(group, login):
    from leadline.legal.models import Warrant

    # ``other``'s one matter was cleared and sealed: the legal pages no longer show him to the prosecutor.
    type(group.other_matter).objects.filter(pk=group.other_matter.pk).update(
        state="cleared", sealed_at=clock.now()
    )
    Warrant.objects.create(
        participant=group.other,
        reference="W-1",
        court="Rochester City Court",
        issued_on=clock.today(),
        source="entered",
        entered_by=group["prosecutor"],
        created_at=clock.now(),
    )
    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    assert meeting.items.filter(kind=K.POLICE_CONTACT, participant=group.other).exists()
    priya = agenda.item_views(group["prosecutor"], meeting)
    assert all(v.item.participant_id != group.other.pk for v in priya.items)  # no matter, no consent: hidden


def test_the_purge_takes_the_action_items_about_the_infraction_with_it(group, login):
    from leadline.legal.services import sealed_purge_due
    from leadline.sites.models import Site

    meeting = _meeting(group)
    agenda.agenda_build(actor=group["program_manager"], meeting=meeting)
    item = meeting.items.filter(referral=group.eligible).first()
    assert item is not None
    services.decision_record(
        actor=group["program_manager"],
        meeting=meeting,
        text="Ask the DA",
        item=item,
        idempotency_key="p1",
        action_text="Ask the DA to dismiss PL 220.03",
        owner=group["case_manager"],
        due_on=clock.today() + timedelta(days=2),
    )
    type(group.matter).objects.filter(pk=group.matter.pk).update(
        state="cleared", sealed_at=clock.now() - timedelta(days=Site.objects.get().sealed_retention_days + 1)
    )
    assert sealed_purge_due() == 1
    assert not ActionItem.objects.filter(text__contains="PL 220.03").exists()
    assert not AgendaItem.objects.filter(referral=group.eligible).exists()
