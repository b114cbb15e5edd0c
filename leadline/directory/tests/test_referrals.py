"""Closed-loop referrals to services (issue #7, items 2 and 3): statuses as the Gravity referral Task has
them, reasons where required, the provider seeing of the person only what the participant's consent
allows (and each showing logged as a disclosure), nothing ever vanishing, unanswered referrals chased."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail

from leadline.consents.models import Consent, Disclosure
from leadline.consents.policy import Info
from leadline.core import clock
from leadline.directory import referrals
from leadline.directory.models import Service, ServiceReferral
from leadline.notifications.services import deliver_due  # what the task worker does with queued emails
from leadline.participants.services import StaleEdit

pytestmark = pytest.mark.django_db
S = ServiceReferral.Status


def _move(world, to, *, who="provider_staff", reason="", outcome="", version=None):
    r = ServiceReferral.objects.get(pk=world.sref.pk)
    return referrals.referral_move(
        actor=world[who], referral_id=r.pk, to=to, version=r.version if version is None else version,
        reason=reason, outcome=outcome,
    )  # fmt: skip


def test_the_provider_takes_a_referral_from_requested_to_completed_and_every_step_stays(world):
    _move(world, S.ACCEPTED)
    _move(world, S.IN_PROGRESS)
    _move(world, S.ON_HOLD, reason="Waiting for the ID")
    _move(world, S.IN_PROGRESS)
    done = _move(world, S.COMPLETED, outcome="Housed in a studio on Lyell Ave")
    assert done.status == S.COMPLETED and done.outcome == "Housed in a studio on Lyell Ave"
    assert done.answered_at is not None
    steps = [e.status for e in done.events.all()]
    assert steps == [S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD, S.IN_PROGRESS, S.COMPLETED]
    with pytest.raises(referrals.ReferralRefused):  # a completed referral is closed
        _move(world, S.IN_PROGRESS)


def test_reasons_and_outcomes_are_required_where_the_guide_requires_them(world):
    with pytest.raises(referrals.ReferralRefused) as declined:
        _move(world, S.REJECTED)
    assert declined.value.field == "reason"
    _move(world, S.ACCEPTED)
    with pytest.raises(referrals.ReferralRefused) as done:
        _move(world, S.COMPLETED)
    assert done.value.field == "outcome"
    with pytest.raises(referrals.ReferralRefused):  # the program cancels; it does not accept for the provider
        _move(world, S.IN_PROGRESS, who="case_manager")
    cancelled = _move(world, S.CANCELLED, who="case_manager", reason="Found a place with family")
    assert cancelled.status == S.CANCELLED and cancelled.status_reason == "Found a place with family"


def test_a_stale_answer_is_refused_not_written(world):
    first = ServiceReferral.objects.get(pk=world.sref.pk).version
    _move(world, S.ACCEPTED, version=first)
    with pytest.raises(StaleEdit):
        _move(world, S.REJECTED, reason="Full", version=first)
    assert ServiceReferral.objects.get(pk=world.sref.pk).status == S.ACCEPTED


def test_a_double_submit_makes_one_referral_and_a_closed_service_takes_none(world):
    def send():
        return referrals.referral_create(
            actor=world["case_manager"],
            participant=world.mine,
            service=world.service,
            reason="Twice",
            idempotency_key="k1",
        )

    assert send().pk == send().pk
    assert ServiceReferral.objects.filter(idempotency_key="k1").count() == 1
    Service.objects.filter(pk=world.service.pk).update(status=Service.Status.TEMPORARILY_CLOSED)
    world.service.refresh_from_db()
    with pytest.raises(referrals.ReferralRefused):
        referrals.referral_create(actor=world["case_manager"], participant=world.mine, service=world.service,
                                  reason="Closed", idempotency_key="k2")  # fmt: skip


def _consent_naming_pat(world, infos=(Info.ENROLMENT, Info.REFERRAL)) -> Consent:
    from leadline.consents.services import consent_record
    from leadline.demo.testing import sample_signature

    consent, _created = consent_record(
        actor=world["case_manager"], participant=world.mine, kind="part2", method="written",
        recipient_kind="provider", recipient_agency=world["provider_staff"].agency, categories=tuple(infos),
        purpose="To get housing help", expires_on=clock.today() + timedelta(days=90),
        signature=sample_signature(),
    )  # fmt: skip
    return consent


def test_the_provider_sees_the_person_only_under_a_consent_naming_it_and_each_showing_is_logged(world, login):
    pat = login(world["provider_staff"])
    page = pat.get(f"/directory/referrals/{world.sref.pk}/").content.decode()
    assert "data-who-withheld" in page and world.mine.family_name not in page
    assert "A room near the clinic" not in page  # the reason is about the person: withheld too
    assert not Disclosure.objects.exists()
    consent = _consent_naming_pat(world)
    page = pat.get(f"/directory/referrals/{world.sref.pk}/").content.decode()
    assert world.mine.family_name in page and "A room near the clinic" in page
    assert "data-notice" in page  # the 42 CFR 2.32 notice goes with a Part 2 disclosure
    shown = Disclosure.objects.get()
    assert shown.consent == consent and shown.participant_id == world.mine.pk
    Consent.objects.filter(pk=consent.pk).update(ended_at=clock.now())  # ended: withheld at once
    page = pat.get(f"/directory/referrals/{world.sref.pk}/").content.decode()
    assert world.mine.family_name not in page


def test_a_consent_for_other_information_opens_nothing(world, login):
    _consent_naming_pat(world, infos=(Info.ENROLMENT, Info.STATUS))
    page = login(world["provider_staff"]).get(f"/directory/referrals/{world.sref.pk}/").content.decode()
    assert world.mine.family_name not in page


def test_providers_see_only_their_organisations_referrals(world, login):
    other = referrals.referral_create(
        actor=world["case_manager"],
        participant=world.mine,
        service=world.other_service,
        reason="Treatment",
        idempotency_key="k3",
    )
    pat = login(world["provider_staff"])
    listing = pat.get("/directory/referrals/").content.decode()
    assert f'data-referral="{world.sref.pk}"' in listing and f'data-referral="{other.pk}"' not in listing
    assert pat.get(f"/directory/referrals/{other.pk}/").status_code == 404


def test_the_outcome_shows_on_the_plan(world, login):
    _move(world, S.ACCEPTED)
    _move(world, S.COMPLETED, outcome="Moved in on Friday")
    plan = login(world["case_manager"]).get(f"/participants/{world.mine.pk}/plan/").content.decode()
    assert "Moved in on Friday" in plan and "data-service-referrals" in plan


def test_an_unanswered_referral_is_chased_every_two_days_and_answered_ones_are_not(world):
    world["provider_staff"].email = "pat@opendoor.example"
    world["provider_staff"].save()
    assert referrals.referral_reminders_send() == 0  # sent today
    with time_machine.travel(clock.now() + timedelta(days=3), tick=False):
        assert referrals.referral_reminders_send() == 1
        assert referrals.referral_reminders_send() == 0
        deliver_due()
        body = mail.outbox[-1].body
        assert world.sref.reference in body and world.mine.family_name not in body  # the reference only
    with time_machine.travel(clock.now() + timedelta(days=6), tick=False):
        assert referrals.referral_reminders_send() == 1
        _move(world, S.ACCEPTED)
    with time_machine.travel(clock.now() + timedelta(days=9), tick=False):
        assert referrals.referral_reminders_send() == 0


def test_what_the_program_writes_about_the_person_never_reaches_the_provider(world, login):
    carmen = login(world["case_manager"])
    version = ServiceReferral.objects.get(pk=world.sref.pk).version
    reason = "Started methadone at the clinic, no longer needs it"
    assert carmen.post(f"/directory/referrals/{world.sref.pk}/cancel/",
                       {"reason": reason, "version": version}).status_code == 302  # fmt: skip
    _consent_naming_pat(world)  # even with a consent: a cancel reason is not among what it names
    page = login(world["provider_staff"]).get(f"/directory/referrals/{world.sref.pk}/").content.decode()
    assert "Cancelled" in page and reason not in page
    assert reason in carmen.get(f"/directory/referrals/{world.sref.pk}/").content.decode()


def test_a_merge_keeps_the_referral_with_the_survivor(world):
    from leadline.participants.services import participant_merge

    participant_merge(actor=world["program_manager"], duplicate=world.mine, survivor=world.other,
                      reason="Same person, two records")  # fmt: skip
    assert ServiceReferral.objects.get(pk=world.sref.pk).participant_id == world.other.pk


def test_refusing_a_referral_page_is_audited_as_a_refusal_not_a_view(world, login):
    from leadline.audit.models import AuditEvent

    carmen = login(world["case_manager"])
    assert carmen.get(f"/directory/refer/{world.other.pk}/").status_code == 404  # not on her caseload
    rows = AuditEvent.objects.filter(subject_type="participant", subject_id=str(world.other.pk))
    assert rows.filter(action=AuditEvent.Action.DENIED).exists()
    assert not rows.filter(action=AuditEvent.Action.VIEW, actor_id=world["case_manager"].pk).exists()


def test_an_organisation_nobody_answers_for_reminds_the_site_administrators(world):
    world["site_admin"].email = "adam@lead.example"
    world["site_admin"].save()
    referrals.referral_create(
        actor=world["case_manager"],
        participant=world.mine,
        service=world.other_service,
        reason="Treatment",
        idempotency_key="k9",
    )
    with time_machine.travel(clock.now() + timedelta(days=3), tick=False):
        referrals.referral_reminders_send()
        deliver_due()
    assert any(m.to == ["adam@lead.example"] and "Genesee Recovery" in m.subject for m in mail.outbox)


def test_only_a_provider_may_be_named_for_referral_details(world):
    from leadline.consents.services import ConsentRefused, consent_record

    with pytest.raises(ConsentRefused) as refused:
        consent_record(
            actor=world["case_manager"], participant=world.mine, kind="part2", method="written",
            recipient_kind="defender", recipient_agency=world["defender"].agency,
            categories=(Info.ENROLMENT, Info.REFERRAL), purpose="Help with my case",
            expires_on=clock.today() + timedelta(days=30),
        )  # fmt: skip
    assert refused.value.field == "categories"


# Answering by the emailed link ---------------------------------------------------------------------------
def _link_path(body: Any) -> str:
    import re

    found = re.search(r"https?://[^/\s]+(/directory/answer/[^/\s]+/)", body)
    assert found, body
    return found.group(1)


def _open(client, link: str) -> str:
    """Open the emailed link as the browser would: the token is traded for the session, and the page is
    at an address without it."""
    opened = client.get(link)
    assert opened.status_code == 302, opened.status_code
    assert "/directory/answer/r/" in opened["Location"] and link.split("/")[-2] not in opened["Location"]
    return opened["Location"]


def _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks, key="k-link"):
    from leadline.directory.models import Organization

    Organization.objects.filter(pk=world.other_service.organization_id).update(
        email="intake@recovery.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        made = referrals.referral_create(
            actor=world["case_manager"], participant=world.mine, reason="Needs a same-day start",
            service=Service.objects.select_related("organization").get(pk=world.other_service.pk),
            idempotency_key=key,
        )  # fmt: skip
    deliver_due()
    return made


def test_an_organisation_nobody_signs_in_for_answers_by_the_emailed_link_and_never_sees_the_person(
    world, client, login, django_capture_on_commit_callbacks
):
    from leadline.audit.models import AuditEvent

    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    sent = [m for m in mail.outbox if m.to == ["intake@recovery.example"]]
    assert len(sent) == 1 and made.reference in sent[0].subject
    body = sent[0].body
    assert world.mine.family_name not in body and world.mine.given_name not in body
    assert "Needs a same-day start" not in body  # the reason is about the person
    link = _link_path(body)
    page_url = _open(client, link)
    page = client.get(page_url)
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    text = page.content.decode()
    assert made.reference in text and "data-who-withheld" in text
    assert world.mine.family_name not in text and "Needs a same-day start" not in text

    def answer(to, **extra):
        version = ServiceReferral.objects.get(pk=made.pk).version
        return client.post(page_url, {"to": to, "version": version, **extra})

    assert answer(S.ACCEPTED).status_code == 302
    assert answer(S.IN_PROGRESS).status_code == 302
    refused = answer(S.COMPLETED)  # an outcome is required, by link as in Leadline
    assert refused.status_code == 400 and "Record the outcome" in refused.content.decode()
    assert answer(S.COMPLETED, outcome="Started buprenorphine the same day").status_code == 302
    done = ServiceReferral.objects.get(pk=made.pk)
    assert done.status == S.COMPLETED and done.answered_at is not None
    steps = list(done.events.values_list("status", "by_id", "by_link"))
    assert steps[1:] == [(S.ACCEPTED, None, True), (S.IN_PROGRESS, None, True), (S.COMPLETED, None, True)]
    trail = AuditEvent.objects.filter(subject_type="service_referral", subject_id=str(made.pk),
                                      action=AuditEvent.Action.UPDATE, actor_id=None)  # fmt: skip
    assert trail.filter(actor_username="answer link · intake@recovery.example").count() == 3
    assert trail.filter(actor_username="leadline", changes__answer_link="sent").count() == 1
    token = link.split("/")[-2]  # the live token is nowhere on the audit trail
    assert not AuditEvent.objects.filter(path__contains=token).exists()
    closed = client.get(page_url).content.decode()
    assert "data-closed" in closed and "Started buprenorphine the same day" in closed
    plan = login(world["case_manager"]).get(f"/participants/{world.mine.pk}/plan/").content.decode()
    assert "Started buprenorphine the same day" in plan


def test_an_altered_replaced_ended_or_expired_link_does_not_work(
    world, client, login, django_capture_on_commit_callbacks
):
    from django.test import Client

    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    first = _link_path(mail.outbox[-1].body)
    changed = "y" if first[-3] == "x" else "x"
    assert client.get(first[:-3] + changed + first[-2:]).status_code == 404  # one character changed
    assert client.get("/directory/answer/not-a-link/").status_code == 404
    assert client.get(f"/directory/answer/r/{made.pk}/").status_code == 404  # never opened in this browser
    page_url = _open(client, first)
    carmen = login(world["case_manager"])
    detail = carmen.get(f"/directory/referrals/{made.pk}/").content.decode()
    assert "data-answer-link" in detail and "intake@recovery.example" in detail
    assert carmen.post(f"/directory/referrals/{made.pk}/link/").status_code == 302  # a new link...
    deliver_due()
    second = _link_path(mail.outbox[-1].body)
    assert second != first
    provider = Client()
    assert provider.get(first).status_code == 404  # ...ends the earlier ones,
    assert provider.get(page_url).status_code == 404  # and the page opened with one of them
    second_page = _open(provider, second)
    assert provider.get(second_page).status_code == 200
    assert carmen.post(f"/directory/referrals/{made.pk}/link/", {"end": "1"}).status_code == 302
    assert provider.get(second_page).status_code == 404  # the program ended every link
    carmen.post(f"/directory/referrals/{made.pk}/link/")
    deliver_due()
    third = _link_path(mail.outbox[-1].body)
    with time_machine.travel(clock.now() + timedelta(days=31), tick=False):
        gone = Client().get(third)
        assert gone.status_code == 410 and "expired" in gone.content.decode()
        with pytest.raises(referrals.ReferralRefused):
            referrals.referral_answer_by_link(token=third.split("/")[-2], to=S.ACCEPTED, version=made.version)


def test_a_new_address_or_staff_in_leadline_ends_the_links(world, client, django_capture_on_commit_callbacks):
    from leadline.accounts.models import Agency
    from leadline.accounts.roles import Role
    from leadline.demo.testing import UserFactory
    from leadline.directory.models import Organization

    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    link = _link_path(mail.outbox[-1].body)
    org = Organization.objects.get(pk=made.organization_id)
    org.email = "new-intake@recovery.example"
    org.save()
    assert client.get(link).status_code == 404  # sent to an address they no longer have
    org.email = "intake@recovery.example"
    org.agency = Agency.objects.create(name="Genesee Recovery", kind=Agency.Kind.SERVICE_PROVIDER)
    org.save()
    assert client.get(link).status_code == 302  # an agency nobody signs in for: still by link
    UserFactory.create(username="rita", role=Role.PROVIDER_STAFF.value, agency=org.agency)
    assert client.get(link).status_code == 404  # someone answers in Leadline now: no more links


def test_a_signed_in_user_never_answers_through_a_link(world, login, django_capture_on_commit_callbacks):
    from leadline.audit.models import AuditEvent

    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    link = _link_path(mail.outbox[-1].body)
    paula = login(world["program_manager"])
    refused = paula.get(link)
    assert refused.status_code == 403 and "This link is for the provider" in refused.content.decode()
    assert paula.post(f"/directory/answer/r/{made.pk}/", {"to": S.ACCEPTED, "version": 1}).status_code == 404
    assert ServiceReferral.objects.get(pk=made.pk).status == S.REQUESTED
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, actor_id=world["program_manager"].pk,
                                     subject_id=str(made.pk)).exists()  # fmt: skip


def test_an_answer_racing_a_new_link_is_refused_under_the_lock(world, django_capture_on_commit_callbacks):
    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    with pytest.raises(referrals.ReferralRefused):
        referrals._move(
            actor=None, as_provider=True, referral_id=made.pk, to=S.ACCEPTED, version=made.version, reason="",
            outcome="", link_nonce="the nonce of a link since replaced",
        )  # fmt: skip
    assert ServiceReferral.objects.get(pk=made.pk).status == S.REQUESTED


def test_a_failing_mail_server_does_not_fail_the_referral_and_the_reminder_sends_it_again(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    import django.core.mail

    def down(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(django.core.mail, "send_mail", down)
    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    assert ServiceReferral.objects.filter(pk=made.pk).exists() and not mail.outbox
    monkeypatch.undo()
    with time_machine.travel(clock.now() + timedelta(days=3), tick=False):
        assert referrals.referral_reminders_send() == 1
        deliver_due()
    assert mail.outbox[-1].to == ["intake@recovery.example"]


def test_a_stale_answer_by_link_is_refused_and_program_notes_stay_with_the_program(
    world, client, login, django_capture_on_commit_callbacks
):
    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    page_url = _open(client, _link_path(mail.outbox[-1].body))
    old = made.version
    assert client.post(page_url, {"to": S.ACCEPTED, "version": old}).status_code == 302
    stale = client.post(page_url, {"to": S.REJECTED, "reason": "Full", "version": old})
    assert stale.status_code == 409 and "Someone else changed" in stale.content.decode()
    assert ServiceReferral.objects.get(pk=made.pk).status == S.ACCEPTED
    carmen = login(world["case_manager"])
    version = ServiceReferral.objects.get(pk=made.pk).version
    note = "Moved in with his sister, no longer needs it"
    carmen.post(f"/directory/referrals/{made.pk}/cancel/", {"reason": note, "version": version})
    page = client.get(page_url).content.decode()
    assert "Cancelled" in page and note not in page


def test_an_unanswered_referral_by_email_sends_its_link_again(world, django_capture_on_commit_callbacks):
    made = _refer_to_an_organisation_nobody_signs_in_for(world, django_capture_on_commit_callbacks)
    first = _link_path(mail.outbox[-1].body)
    with time_machine.travel(clock.now() + timedelta(days=3), tick=False):
        assert referrals.referral_reminders_send() == 1
        deliver_due()
        reminder = mail.outbox[-1]
        assert reminder.to == ["intake@recovery.example"] and "Waiting for your answer" in reminder.subject
        assert made.reference in reminder.subject and world.mine.family_name not in reminder.body
        again = _link_path(reminder.body)
    assert referrals.referral_by_link(again.split("/")[-2])[0] is not None
    assert referrals.referral_by_link(first.split("/")[-2])[0] is not None  # a reminder ends no link


def test_the_refer_page_says_an_emailed_link_shows_nobody_even_under_a_consent(world, login):
    from leadline.directory.models import Organization

    Organization.objects.filter(pk=world.other_service.organization_id).update(
        email="intake@recovery.example"
    )
    page = (
        login(world["case_manager"])
        .get(f"/directory/refer/{world.mine.pk}/?service={world.other_service.pk}")
        .content.decode()
    )
    assert "data-by-email" in page and "data-shares" not in page
