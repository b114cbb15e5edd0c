"""An audited merge of a duplicate that keeps every linked record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from leadline.audit.models import AuditEvent
from leadline.cases.models import CaseNote, Contact, MonthlyStatus
from leadline.cases.services import ContactInput, case_note_add, contact_log, monthly_status_record
from leadline.consents.models import Consent
from leadline.consents.services import consent_record
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, make_referral, verified_client
from leadline.participants import services
from leadline.participants.lookup import find_participant
from leadline.participants.models import Participant
from leadline.referrals.models import Referral


@pytest.fixture
def pair(world):
    carmen = world["case_manager"]
    keep = ParticipantFactory.create(
        given_name="Dolores", family_name="Vega", date_of_birth=date(1975, 2, 2), case_manager=carmen
    )
    dup = ParticipantFactory.create(
        given_name="Lola", family_name="Vega", date_of_birth=None, case_manager=carmen
    )
    month = clock.today().replace(day=1)
    for p in (keep, dup):
        monthly_status_record(
            actor=carmen, participant=p, month=month, housing="sheltered", employed="no",
            income_or_benefits="no", expected_version=None,
        )  # fmt: skip
        consent_record(actor=carmen, participant=p, kind="officer_feedback", method="verbal")
    last = (month - timedelta(days=1)).replace(day=1)
    monthly_status_record(
        actor=carmen, participant=dup, month=last, housing="unsheltered", employed="no",
        income_or_benefits="no", expected_version=None,
    )  # fmt: skip
    case_note_add(
        actor=carmen, participant=dup, body="Met at the pantry", sensitivity="general", idempotency_key="m"
    )
    contact_log(
        actor=carmen, participant=dup, idempotency_key="mc",
        data=ContactInput(kind="in_person", reached=True, substantive=True, occurred_at=clock.now()),
    )  # fmt: skip
    referral = make_referral(world["officer"], given_name="Lola", family_name="Vega")
    Referral.objects.filter(pk=referral.pk).update(participant=dup)
    return world, keep, dup, referral


def test_merge_moves_every_linked_record_and_deletes_nothing(pair):
    world, keep, dup, referral = pair
    before = {m: m.objects.count() for m in (CaseNote, Contact, MonthlyStatus, Consent, Referral)}
    client = verified_client(world["program_manager"])
    page = client.get(f"/participants/{dup.pk}/").content.decode()
    assert "data-merge" in page and f'value="{keep.pk}"' in page
    response = client.post(
        f"/participants/{dup.pk}/merge/", {"survivor": keep.pk, "reason": "Lola is Dolores"}
    )
    assert response.status_code == 302 and response["Location"] == f"/participants/{keep.pk}/"
    assert {m: m.objects.count() for m in before} == before  # nothing deleted
    assert (
        CaseNote.objects.filter(participant=keep).exists()
        and Contact.objects.filter(participant=keep).exists()
    )
    referral.refresh_from_db()
    assert referral.participant == keep
    # Where the survivor already had its one record (this month, an open consent), the duplicate keeps it.
    assert MonthlyStatus.objects.filter(participant=keep).count() == 2
    assert MonthlyStatus.objects.filter(participant=dup).count() == 1
    assert Consent.objects.filter(participant=keep, ended_at__isnull=True).count() == 1
    dup.refresh_from_db()
    keep.refresh_from_db()
    assert dup.merged_into == keep and dup.case_manager is None
    assert "Lola Vega" in set(keep.aliases.values_list("name", flat=True))
    assert keep.last_reached_at is not None
    # Gone from lists and lookups; found through the survivor by the duplicate's name.
    assert f"/participants/{dup.pk}/" not in client.get("/participants/?q=Vega").content.decode()
    assert find_participant(given="Lola", family="Vega", dob=date(1975, 2, 2)) == keep
    events = AuditEvent.objects.filter(subject_type="participant", reason="Lola is Dolores")
    assert {e.subject_id for e in events} == {str(keep.pk), str(dup.pk)}
    assert "data-merged" in client.get(f"/participants/{dup.pk}/").content.decode()


def test_only_the_program_manager_merges_and_only_once(pair):
    world, keep, dup, _ = pair
    assert (
        verified_client(world["case_manager"])
        .post(f"/participants/{dup.pk}/merge/", {"survivor": keep.pk, "reason": "same"})
        .status_code
        == 403
    )
    services.participant_merge(
        actor=world["program_manager"], duplicate=dup, survivor=keep, reason="same person"
    )
    with pytest.raises(services.InvalidChange):
        services.participant_merge(
            actor=world["program_manager"], duplicate=dup, survivor=keep, reason="again"
        )
    with pytest.raises(services.InvalidChange):
        services.participant_merge(
            actor=world["program_manager"], duplicate=keep, survivor=keep, reason="self"
        )
    assert Participant.objects.filter(merged_into=keep).count() == 1


def test_the_survivors_audit_report_includes_what_was_done_to_the_duplicate(pair):
    world, keep, dup, _ = pair
    services.participant_merge(
        actor=world["program_manager"], duplicate=dup, survivor=keep, reason="same person"
    )
    client = verified_client(world["program_manager"])
    events = client.get(f"/audit/participants/{keep.pk}/").context["page"].object_list
    shown = {e.participant_id for e in events}
    assert {keep.pk, dup.pk} <= shown


def test_court_texts_go_to_the_number_given_with_the_choice_that_wins(world):
    """The duplicate's later opt-in to court-date texts wins the merge: the texts go to the phone the
    person gave with it, not to the survivor's older number (review of issue #15)."""
    carmen = world["case_manager"]
    keep = ParticipantFactory.create(case_manager=carmen, phone="+1 585 555 0101")
    services.participant_set_court_reminders(
        actor=carmen, participant=keep, on=False, expected_version=keep.version
    )
    dup = ParticipantFactory.create(case_manager=carmen, phone="+1 585 555 0202")
    services.participant_set_court_reminders(
        actor=carmen, participant=dup, on=True, expected_version=dup.version
    )
    services.participant_merge(actor=world["program_manager"], duplicate=dup, survivor=keep, reason="same")
    keep.refresh_from_db()
    assert keep.court_reminders and keep.phone == "+1 585 555 0202"


def test_the_survivors_later_choice_keeps_its_own_phone(world):
    carmen = world["case_manager"]
    dup = ParticipantFactory.create(case_manager=carmen, phone="+1 585 555 0202")
    services.participant_set_court_reminders(
        actor=carmen, participant=dup, on=True, expected_version=dup.version
    )
    keep = ParticipantFactory.create(case_manager=carmen, phone="+1 585 555 0101")
    services.participant_set_court_reminders(
        actor=carmen, participant=keep, on=True, expected_version=keep.version
    )
    services.participant_merge(actor=world["program_manager"], duplicate=dup, survivor=keep, reason="same")
    keep.refresh_from_db()
    assert keep.court_reminders and keep.phone == "+1 585 555 0101"
