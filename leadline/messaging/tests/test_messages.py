"""Secure threads about a participant (issue #8, item 3; decision 0025): only the people allowed to discuss
them, decided again on every read and post under the one consent decision point; every showing outside the
program logged as a disclosure with its notice; append-only, one message per submit; and never a word of
the subject or the body in an email or an SMS."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail

from leadline.audit.models import AuditEvent
from leadline.consents.models import Consent, Disclosure
from leadline.consents.policy import Info
from leadline.core import clock, sms
from leadline.messaging import policy, services
from leadline.messaging.models import Message, Thread, ThreadMember
from leadline.participants.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world):
    """The shared world, without its example thread (these tests count threads)."""
    from leadline.messaging.models import Thread

    Thread.objects.all().delete()
    return world


def _start(world, *members, who="case_manager", subject="Housing next week", body="Room at Lyell Ave?"):
    thread, _created = services.thread_start(
        actor=world[who], participant=world.mine, subject=subject, body=body,
        members=[world[m] for m in members], idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    return thread


def _post(client, thread, body, key=None):
    return client.post(f"/messages/{thread.pk}/", {"body": body, "idempotency_key": key or uuid.uuid4().hex})


def _names(world, people):
    by_pk = {u.pk: name for name, u in world.users.items()}
    return sorted(by_pk.get(p.pk, p.username) for p, _s in people)


def _sign_defender_consent(world, categories=("enrolment", "status")):
    Consent.objects.filter(pk=world.unsigned.pk).update(signed_at=clock.now(), categories=list(categories))


def _consent_naming_pat(world):
    from leadline.consents.services import consent_record
    from leadline.demo.testing import sample_signature

    consent, _created = consent_record(
        actor=world["case_manager"], participant=world.mine, kind="part2", method="written",
        recipient_kind="provider", recipient_agency=world["provider_staff"].agency,
        categories=(Info.ENROLMENT, Info.REFERRAL), purpose="To get housing help",
        expires_on=clock.today() + timedelta(days=90), signature=sample_signature(),
    )  # fmt: skip
    return consent


# --- Who may discuss a participant ---


def test_the_program_and_a_prosecutor_under_consent_may_discuss_the_participant_and_nobody_else(world):
    people = policy.candidates(world.mine)
    assert _names(world, people) == ["case_manager", "program_manager", "prosecutor"]
    standing = dict((p.pk, s) for p, s in people)
    assert not standing[world["program_manager"].pk].outside
    priya = standing[world["prosecutor"].pk]
    assert priya.outside and priya.consent.pk == world.part2.pk
    assert Info.STATUS in priya.infos and Info.ATTENDANCE in priya.infos
    assert Info.PLAN_PROGRESS not in priya.infos  # the consent does not name it
    # Another case manager (Casey), outreach, the evaluator, the site administrator: never.
    for who in ("outreach_worker", "evaluator", "site_admin", "no_role"):
        assert policy.standing(world[who], world.mine) is None
    assert policy.standing(world.casey, world.mine) is None
    assert _names(world, policy.candidates(world.other)) == ["casey", "program_manager"]


def test_law_enforcement_never_takes_part_even_with_a_consent_naming_the_officer(world):
    assert world.consent.kind == Consent.Kind.OFFICER_FEEDBACK  # the officer's opt-in is in force
    for who in ("officer", "police_liaison"):
        assert policy.standing(world[who], world.mine) is None
        assert world[who].pk not in {p.pk for p, _s in policy.candidates(world.mine)}


def test_an_officer_forged_into_the_form_is_refused_with_a_field_error(world, login):
    carmen = login(world["case_manager"])
    response = carmen.post(f"/messages/new/{world.mine.pk}/", {
        "subject": "Court on Monday", "body": "Can you come?", "members": [world["officer"].pk],
        "idempotency_key": uuid.uuid4().hex,
    })  # fmt: skip
    assert response.status_code == 400
    assert "Someone you chose may not discuss this participant." in response.content.decode()
    assert not Thread.objects.exists()
    with pytest.raises(services.MessagingRefused):  # and the service refuses it too, whatever the form
        _start(world, "officer")
    thread = _start(world, "program_manager")
    response = carmen.post(f"/messages/{thread.pk}/members/", {"member": world["officer"].pk})
    assert response.status_code == 400
    assert "This person may not discuss this participant." in response.content.decode()
    with pytest.raises(services.MessagingRefused):
        services.member_add(actor=world["case_manager"], thread=thread, user=world["officer"])
    assert not ThreadMember.objects.filter(user=world["officer"]).exists()


def test_a_defender_takes_part_only_for_a_client_under_a_signed_consent_naming_the_status(world):
    from leadline.demo.testing import UserFactory

    assert policy.standing(world["defender"], world.mine) is None  # the consent is not signed yet
    _sign_defender_consent(world, categories=("enrolment",))
    assert policy.standing(world["defender"], world.mine) is None  # signed, but it names no status
    _sign_defender_consent(world)
    dana = policy.standing(world["defender"], world.mine)
    assert dana is not None and dana.outside  # Dana defends ``mine``'s matter
    colleague = UserFactory.create(username="dora", role="defender", agency=world["defender"].agency)
    assert policy.standing(colleague, world.mine) is None  # same office, not her client


def test_provider_staff_take_part_under_a_consent_naming_their_organisation_for_a_referral_to_it(world):
    assert policy.standing(world["provider_staff"], world.mine) is None
    _consent_naming_pat(world)
    standing = policy.standing(world["provider_staff"], world.mine)
    assert standing is not None and standing.outside and Info.REFERRAL in standing.infos
    from leadline.directory.models import ServiceReferral

    # The referral (world.sref) is what brings the organisation in: without one, no thread.
    ServiceReferral.objects.filter(participant=world.mine).update(participant=world.other)
    assert policy.standing(world["provider_staff"], world.mine) is None  # no referral to them: no thread


# --- Reading and writing ---


def test_carmen_starts_a_thread_with_paula_who_reads_it_unread_first_and_answers(world, login):
    carmen, paula = login(world["case_manager"]), login(world["program_manager"])
    page = carmen.get(f"/messages/new/{world.mine.pk}/")
    assert page.status_code == 200
    form = page.content.decode()
    assert f'value="{world["program_manager"].pk}"' in form and f'value="{world["prosecutor"].pk}"' in form
    assert f'value="{world["officer"].pk}"' not in form and f'value="{world["defender"].pk}"' not in form
    response = carmen.post(f"/messages/new/{world.mine.pk}/", {
        "subject": "Intake on Thursday", "body": "Can you cover the intake?",
        "members": [world["program_manager"].pk], "idempotency_key": "start-1",
    })  # fmt: skip
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/messages/{thread.pk}/"
    listing = paula.get("/messages/").content.decode()
    assert "Intake on Thursday" in listing and f'data-thread="{thread.pk}" data-unread' in listing
    page = paula.get(f"/messages/{thread.pk}/").content.decode()
    assert "Can you cover the intake?" in page and world.mine.family_name in page
    assert "data-unread" not in paula.get("/messages/").content.decode()  # read now
    assert _post(paula, thread, "Yes, I will.").status_code == 302
    assert "Yes, I will." in carmen.get(f"/messages/{thread.pk}/").content.decode()
    assert list(Message.objects.values_list("body", flat=True)) == [
        "Can you cover the intake?",
        "Yes, I will.",
    ]


def test_a_double_submit_makes_one_message_and_a_reused_key_for_other_words_is_refused(world, login):
    thread = _start(world, "program_manager")
    carmen = login(world["case_manager"])
    first = _post(carmen, thread, "See you at 9", key="same")
    second = _post(carmen, thread, "See you at 9", key="same")
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Message.objects.filter(body="See you at 9").count() == 1
    reused = _post(carmen, thread, "Other words", key="same")  # a conflict: 409 (issue #16 item 3)
    assert reused.status_code == 409 and "already used for another message" in reused.content.decode()
    data = {
        "subject": "Twice",
        "body": "Once",
        "members": [world["program_manager"].pk],
        "idempotency_key": "k",
    }
    carmen.post(f"/messages/new/{world.mine.pk}/", data)
    carmen.post(f"/messages/new/{world.mine.pk}/", data)
    assert Thread.objects.filter(subject="Twice").count() == 1
    other = carmen.post(f"/messages/new/{world.mine.pk}/", {**data, "subject": "Another"})
    assert other.status_code == 409 and "already used for another message" in other.content.decode()
    assert not Thread.objects.filter(subject="Another").exists()


def test_non_members_and_people_no_longer_allowed_get_404_and_it_is_audited(world, login):
    thread = _start(world, "program_manager")
    for who in ("prosecutor", "defender", "provider_staff"):  # may hold the capability, not a member
        assert login(world[who]).get(f"/messages/{thread.pk}/").status_code == 404
        assert _post(login(world[who]), thread, "hello").status_code == 404
    assert login(world.casey).get(f"/messages/{thread.pk}/").status_code == 404
    assert login(world["case_manager"]).get("/messages/999999/").status_code == 404
    for who in ("officer", "police_liaison", "outreach_worker", "evaluator", "site_admin", "no_role"):
        assert login(world[who]).get(f"/messages/{thread.pk}/").status_code == 403
        assert login(world[who]).get("/messages/").status_code == 403
    assert AuditEvent.objects.filter(action="denied", subject_type="message_thread",
                                     subject_id=str(thread.pk)).count() == 7  # fmt: skip
    # A caseload transfer closes the thread to the former case manager at once.
    Participant.objects.filter(pk=world.mine.pk).update(case_manager=world.casey)
    assert login(world["case_manager"]).get(f"/messages/{thread.pk}/").status_code == 404
    assert f'data-thread="{thread.pk}"' not in login(world["case_manager"]).get("/messages/").content.decode()


def test_every_view_and_post_is_audited_with_the_participant(world, login):
    thread = _start(world, "program_manager")
    carmen = login(world["case_manager"])
    carmen.get(f"/messages/{thread.pk}/")
    _post(carmen, thread, "A private thing")
    carmen.get("/messages/")
    rows = AuditEvent.objects.filter(participant_id=world.mine.pk, actor_id=world["case_manager"].pk)
    assert rows.filter(action="view", subject_type="message_thread").exists()
    assert rows.filter(action="create", subject_type="message").count() == 2  # the first message and this one
    assert rows.filter(action="create", subject_type="message_thread").count() == 1
    assert rows.filter(action="list", subject_type="message_thread").exists()
    created = rows.filter(action="create", subject_type="message").last()
    assert created is not None and "A private thing" not in str(
        created.changes
    )  # the body never enters the audit trail


# --- Outside the program: the consent decides, now ---


def test_a_prosecutor_reads_under_the_consent_each_read_a_disclosure_and_not_the_moment_it_ends(world, login):
    thread = _start(world, "program_manager", "prosecutor", subject="Progress for the DA",
                    body="Intake done, active.")  # fmt: skip
    priya = login(world["prosecutor"])
    page = priya.get(f"/messages/{thread.pk}/").content.decode()
    assert "Intake done, active." in page and 'data-notice="2.32-2024-statement-1"' in page
    priya.get(f"/messages/{thread.pk}/")
    listing = priya.get("/messages/").content.decode()
    assert "Progress for the DA" in listing and 'data-notice="2.32-2024-statement-1"' in listing
    shown = Disclosure.objects.filter(recipient=world["prosecutor"])
    assert shown.count() == 3 and {d.consent_id for d in shown} == {world.part2.pk}
    assert all(d.channel == "page" and Info.STATUS in d.categories and d.notice for d in shown)
    views = AuditEvent.objects.filter(
        actor_id=world["prosecutor"].pk, action="view", subject_type="message_thread"
    )
    assert views.filter(participant_id=world.mine.pk).count() == 2
    assert _post(priya, thread, "Thank you, holding the charge.").status_code == 302
    # The program sees that Priya reads the thread, and what the consent lets it tell her.
    carmen_page = login(world["case_manager"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "data-outside-terms" in carmen_page and "data-shared" in carmen_page
    assert (
        Disclosure.objects.filter(recipient=world["case_manager"]).count() == 0
    )  # the program: no disclosure

    Consent.objects.filter(pk=world.part2.pk).update(ended_at=clock.now(), end_reason="expiry_event")
    assert priya.get(f"/messages/{thread.pk}/").status_code == 404
    assert _post(priya, thread, "Still there?").status_code == 404
    assert "Progress for the DA" not in priya.get("/messages/").content.decode()
    assert Disclosure.objects.filter(recipient=world["prosecutor"]).count() == 3  # nothing more went out
    carmen_page = login(world["case_manager"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "can no longer read this thread" in carmen_page
    from leadline.notifications.models import Notification

    _post(login(world["case_manager"]), thread, "After the consent ended")
    last = Message.objects.get(body="After the consent ended")
    assert not last.outside_readers.exists()
    assert not Notification.objects.filter(user=world["prosecutor"], url=f"/messages/{thread.pk}/").filter(
        created_at__gte=last.posted_at).exists()  # fmt: skip


def test_an_outside_member_reads_only_what_was_posted_while_they_could_read_it(world, login):
    thread = _start(world, "program_manager", body="Relapsed last week, back at the clinic")
    carmen = login(world["case_manager"])
    assert (
        carmen.post(f"/messages/{thread.pk}/members/", {"member": world["prosecutor"].pk}).status_code == 302
    )
    _post(carmen, thread, "Status: active, intake done")
    assert (
        f'data-thread="{thread.pk}" data-unread'
        in login(world["prosecutor"]).get("/messages/").content.decode()
    )
    page = login(world["prosecutor"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "Status: active, intake done" in page
    assert "Relapsed last week" not in page  # written for the program, before Priya took part
    # A consent that ends and a new one: what was posted in between never reaches her.
    Consent.objects.filter(pk=world.part2.pk).update(ended_at=clock.now())
    _post(carmen, thread, "Between consents")
    Consent.objects.filter(pk=world.part2.pk).update(ended_at=None)
    page = login(world["prosecutor"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "Status: active, intake done" in page and "Between consents" not in page


def test_only_the_program_starts_threads_and_adds_people(world, login):
    thread = _start(world, "prosecutor")
    priya = login(world["prosecutor"])
    assert priya.get(f"/messages/new/{world.mine.pk}/").status_code == 404
    response = priya.post(f"/messages/{thread.pk}/members/", {"member": world["program_manager"].pk})
    assert response.status_code == 404
    assert not ThreadMember.objects.filter(thread=thread, user=world["program_manager"]).exists()
    assert login(world.casey).get(f"/messages/new/{world.mine.pk}/").status_code == 404  # not her caseload


def test_a_provider_reads_under_its_consent_with_the_notice(world, login):
    _consent_naming_pat(world)
    thread = _start(world, "provider_staff", subject="Room keys", body="She can move in Monday")
    page = login(world["provider_staff"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "She can move in Monday" in page and "data-notice" in page
    shown = Disclosure.objects.get(recipient=world["provider_staff"])
    assert Info.REFERRAL in shown.categories


def test_a_criminal_justice_member_loses_a_thread_begun_before_a_sealing(world, login):
    from leadline.legal.models import LegalMatter

    thread = _start(world, "prosecutor")
    priya = login(world["prosecutor"])
    assert priya.get(f"/messages/{thread.pk}/").status_code == 200
    LegalMatter.objects.filter(pk=world.matter.pk).update(sealed_at=clock.now() + timedelta(seconds=1))
    assert priya.get(f"/messages/{thread.pk}/").status_code == 404
    assert (
        login(world["case_manager"]).get(f"/messages/{thread.pk}/").status_code == 200
    )  # the program: still


# --- Merged duplicates ---


def test_a_merged_duplicate_is_refused_and_its_threads_follow_the_survivor(world, login):
    from leadline.demo.testing import ParticipantFactory

    dup = ParticipantFactory.create(case_manager=world["case_manager"])
    thread, _created = services.thread_start(
        actor=world["case_manager"], participant=dup, subject="Which record?", body="Same person?",
        members=[world["program_manager"]], idempotency_key="dup",
    )  # fmt: skip
    Participant.objects.filter(pk=dup.pk).update(merged_into=world.mine, case_manager=None)
    carmen = login(world["case_manager"])
    assert carmen.get(f"/messages/new/{dup.pk}/").status_code == 404
    page = carmen.get(f"/messages/{thread.pk}/").content.decode()
    assert world.mine.family_name in page
    assert AuditEvent.objects.filter(action="view", subject_type="message_thread", subject_id=str(thread.pk),
                                     participant_id=world.mine.pk).exists()  # fmt: skip
    Participant.objects.filter(pk=world.mine.pk).update(case_manager=world.casey)
    assert carmen.get(f"/messages/{thread.pk}/").status_code == 404  # the survivor decides


# --- Telling people: never the content ---


def test_a_new_message_tells_the_others_by_email_and_sms_without_a_word_of_it(
    world, login, settings, django_capture_on_commit_callbacks
):
    from leadline.notifications.models import Preference

    settings.LEADLINE_SMS_BACKEND = "locmem"
    sms.outbox.clear()
    paula = world["program_manager"]
    paula.email, paula.phone = "paula@lead.example", "+1 585 555 0142"
    paula.save()
    Preference.objects.create(user=paula, by_email=True, by_sms=True)
    carmen = login(world["case_manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = carmen.post(f"/messages/new/{world.mine.pk}/", {
            "subject": "Zanzibar turquoise subject", "body": "Quetzal marmalade body",
            "members": [paula.pk], "idempotency_key": uuid.uuid4().hex,
        })  # fmt: skip
    assert response.status_code == 302
    thread = Thread.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        _post(carmen, thread, "Xylophone aubergine follow-up")
    from leadline.notifications.testing import send_queued_deliveries

    assert not mail.outbox and send_queued_deliveries() == 4  # the task worker sends them, not the request
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2
    sent = [f"{m.subject} {m.body}" for m in mail.outbox] + [m.body for m in sms.outbox]
    for text in sent:
        assert f"/messages/{thread.pk}/" in text and "You have a new message in Leadline" in text
        for secret in ("Zanzibar", "Quetzal", "Xylophone", world.mine.family_name):
            assert secret not in text
    assert all(m.to == ["paula@lead.example"] for m in mail.outbox)  # the author is not told


def test_my_threads_page_reads_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    for n in range(6):
        _start(world, "program_manager", "prosecutor", subject=f"Thread {n}")
    carmen, priya = login(world["case_manager"]), login(world["prosecutor"])
    with django_assert_max_num_queries(16):
        assert carmen.get("/messages/").status_code == 200
    with django_assert_max_num_queries(25):
        page = priya.get("/messages/").content.decode()
    assert page.count("data-thread=") == 6


def test_an_outside_reader_sees_neither_the_other_outsiders_nor_a_subject_written_before_they_joined(
    world, login
):
    _consent_naming_pat(world)
    thread = _start(world, "program_manager", "prosecutor", subject="Relapse and the DA", body="For the DA.")
    carmen = login(world["case_manager"])
    assert (
        carmen.post(f"/messages/{thread.pk}/members/", {"member": world["provider_staff"].pk}).status_code
        == 302
    )
    _post(carmen, thread, "Pat: can you hold the room until Friday?")
    pat = login(world["provider_staff"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "hold the room until Friday" in pat and "For the DA." not in pat
    assert (
        "Relapse and the DA" not in pat and "A thread about a participant" in pat
    )  # the subject predates him
    assert world["prosecutor"].get_full_name() not in pat  # another outside reader: not his to know
    assert world["case_manager"].get_full_name() in pat  # the program's people are shown
    listing = login(world["provider_staff"]).get("/messages/").content.decode()
    assert "Relapse and the DA" not in listing
    priya = login(world["prosecutor"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "Relapse and the DA" in priya and world["provider_staff"].get_full_name() not in priya


def test_what_one_outside_reader_writes_goes_to_the_program_only(world, login):
    _consent_naming_pat(world)
    thread = _start(world, "program_manager", "prosecutor", "provider_staff", body="Both of you, please.")
    _post(login(world["provider_staff"]), thread, "A bed at our detox program from Monday")
    _post(login(world["prosecutor"]), thread, "DA here: the hearing moved to the 12th")
    priya = login(world["prosecutor"]).get(f"/messages/{thread.pk}/").content.decode()
    pat = login(world["provider_staff"]).get(f"/messages/{thread.pk}/").content.decode()
    carmen = login(world["case_manager"]).get(f"/messages/{thread.pk}/").content.decode()
    assert "detox" not in priya and "the hearing moved" not in pat
    assert "detox" in carmen and "the hearing moved" in carmen
    assert "Both of you, please." in priya and "Both of you, please." in pat
