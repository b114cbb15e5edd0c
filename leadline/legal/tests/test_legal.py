"""Legal matters (issue #5): the matter an arrest diversion holds, the task that acts at its deadline
(idempotent, catching up), notices, extensions, sealing (PRODUCT §4 rule 3) and the retention purge."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from leadline.audit.models import AuditEvent
from leadline.cases.services import ContactInput, contact_log, intake_save
from leadline.core import clock
from leadline.demo.testing import verified_client
from leadline.legal import clock as legal_clock
from leadline.legal.models import LegalMatter, Notice
from leadline.legal.services import (
    LegalRefused,
    matter_extend,
    matters_resolve_due,
    notice_confirm,
    sealed_purge_due,
)
from leadline.legal.tasks import legal_sweep
from leadline.participants.models import Participant
from leadline.participants.services import StaleEdit
from leadline.referrals.models import Referral
from leadline.sites.models import Site

pytestmark = pytest.mark.django_db


def _participate(world, *, contact: bool = True) -> None:
    """Carmen completes ``mine``'s intake and, with ``contact``, logs a substantive contact (now)."""
    cm = world["case_manager"]
    intake_save(actor=cm, participant=world.mine, answers={"housing": (False, "Staying with a cousin")},
                expected_version=None, complete=True)  # fmt: skip
    if contact:
        contact_log(
            actor=cm, participant=world.mine, idempotency_key=uuid.uuid4().hex,
            data=ContactInput(kind="in_person", reached=True, substantive=True, occurred_at=clock.now()),
        )  # fmt: skip


def _after_deadline(matter: LegalMatter, minutes: int = 1):
    matter.refresh_from_db()
    return time_machine.travel(matter.deadline_at + timedelta(minutes=minutes), tick=False)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_hand_off_of_an_arrest_diversion_opens_one_matter_with_the_sites_rule(world):
    matter = world.matter
    site = Site.objects.get()
    assert matter.mode == site.legal_mode == "expunge_after_participation"
    assert (matter.window_days, matter.contacts_needed, matter.state) == (30, 1, "held")
    assert matter.deadline_at == legal_clock.deadline(world.eligible.occurred_at, 30, site.time_zone)
    assert [c.statute for c in matter.charges.all()] == ["PL 220.03"]
    from leadline.legal.services import matter_open

    again = matter_open(actor=world["case_manager"], referral=world.eligible, participant=world.mine)
    assert again.pk == matter.pk and LegalMatter.objects.filter(referral=world.eligible).count() == 1


def test_a_later_change_to_the_site_moves_no_deadline_already_given(world):
    Site.objects.update(expunge_after_days=10)
    world.matter.refresh_from_db()
    assert world.matter.window_days == 30


def test_rule_met_makes_an_expungement_request_once_however_often_the_task_runs(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from leadline.accounts.models import User

    User.objects.filter(pk=world["prosecutor"].pk).update(email="priya@da.example")
    _participate(world)
    with _after_deadline(world.matter), django_capture_on_commit_callbacks(execute=True):
        assert matters_resolve_due() == 1
        assert matters_resolve_due() == 0
        assert legal_sweep.call() == {"resolved": 0, "purged": 0, "reminded": 0}
    world.matter.refresh_from_db()
    assert world.matter.state == "clearance_sent"
    notice = Notice.objects.get(matter=world.matter)
    assert notice.kind == "expungement" and notice.cycle == 1
    assert notice.pdf is not None
    text = _pdf_text(bytes(notice.pdf))
    assert "Expungement request" in text and notice.reference in text
    assert world.mine.family_name in text and "PL 220.03" in text
    # The notice carries the rule and the outcome only: nothing of how (intake answers, contacts).
    assert "cousin" not in text and "ntake" not in text and "contact" not in text
    assert AuditEvent.objects.filter(subject_type="legal_notice", subject_id=str(notice.pk)).exists()
    # The prosecutor is told that a notice waits, as every notification goes (in the inbox, by email as
    # preferred, by the task worker): a link to the matter, never the person or the charge.
    from leadline.notifications.models import Notification
    from leadline.notifications.testing import send_queued_deliveries

    told = Notification.objects.get(user=world["prosecutor"], kind="legal_notice")
    assert told.url == f"/legal/{world.matter.pk}/"
    assert not mailoutbox
    with _after_deadline(world.matter):
        assert send_queued_deliveries() == 1  # by the task worker
    alert = [m for m in mailoutbox if "legal notice" in m.subject]
    assert len(alert) == 1 and alert[0].to == ["priya@da.example"]
    assert f"/legal/{world.matter.pk}/" in alert[0].body
    assert world.mine.family_name not in alert[0].body and "220.03" not in alert[0].body
    assert world.mine.family_name not in alert[0].subject and "220.03" not in alert[0].subject


def test_a_prosecutor_who_mutes_legal_notices_is_told_in_leadline_only(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    # The legal alert goes the normal way: a prosecutor who asked for legal notices in Leadline only
    # gets no email, only the notification in the inbox.
    from leadline.accounts.models import User
    from leadline.notifications.models import Delivery, Notification, Preference

    User.objects.filter(pk=world["prosecutor"].pk).update(email="priya@da.example")
    Preference.objects.create(user=world["prosecutor"], muted_kinds=["legal_notice"])
    _participate(world)
    with _after_deadline(world.matter), django_capture_on_commit_callbacks(execute=True):
        assert matters_resolve_due() == 1
    told = Notification.objects.get(user=world["prosecutor"], kind="legal_notice")
    assert not Delivery.objects.filter(notification=told).exists() and not mailoutbox


def test_the_task_catches_up_on_every_deadline_missed_while_it_was_down(world):
    # Both held matters' windows run out while nothing runs; one sweep long after handles both, and
    # judges each by what happened before its own deadline.
    LegalMatter.objects.filter(pk=world.other_matter.pk).update(state="held")
    Notice.objects.filter(matter=world.other_matter).delete()
    _participate(world, contact=False)  # intake, but no substantive contact: not met
    with time_machine.travel(world.matter.deadline_at + timedelta(days=45), tick=False):
        assert matters_resolve_due() == 2
    states = dict(LegalMatter.objects.values_list("pk", "state"))
    assert states[world.matter.pk] == "return_sent" and states[world.other_matter.pk] == "return_sent"
    assert Notice.objects.filter(kind="return").count() == 2


def test_a_contact_after_the_deadline_does_not_count_on_a_late_run(world):
    _participate(world, contact=False)
    with _after_deadline(world.matter, minutes=60):
        contact_log(
            actor=world["case_manager"], participant=world.mine, idempotency_key="late",
            data=ContactInput(kind="phone", reached=True, substantive=True, occurred_at=clock.now()),
        )  # fmt: skip
        matters_resolve_due()
    assert Notice.objects.get(matter=world.matter).kind == "return"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.integers(min_value=-3, max_value=40), min_size=1, max_size=6))
def test_any_sequence_of_runs_makes_exactly_one_notice_per_run_out_window(world, runs):
    """Runs before the deadline do nothing; any number of runs after it, in any order of days, make one
    notice, of the kind the rule decides."""
    Notice.objects.filter(matter=world.matter).delete()
    LegalMatter.objects.filter(pk=world.matter.pk).update(state="held", cycle=1)
    world.matter.refresh_from_db()
    for day in runs:
        with time_machine.travel(world.matter.deadline_at + timedelta(days=day, minutes=1), tick=False):
            matters_resolve_due()
    ran_after = any(day >= 0 for day in runs)
    assert Notice.objects.filter(matter=world.matter).count() == (1 if ran_after else 0)
    world.matter.refresh_from_db()
    assert world.matter.state == ("return_sent" if ran_after else "held")


def test_the_prosecutor_extends_an_unmet_matter_and_the_next_deadline_decides_again(world):
    priya = world["prosecutor"]
    with _after_deadline(world.matter):
        matters_resolve_due()
        world.matter.refresh_from_db()
        assert world.matter.state == "return_sent"
        matter = matter_extend(actor=priya, matter_id=world.matter.pk, days=14,
                               reason="Intake booked for Monday", version=world.matter.version)  # fmt: skip
        _participate(world)
    assert matter.state == "held" and matter.cycle == 2 and matter.extension_days == 14
    site = Site.objects.get()
    assert matter.deadline_at == legal_clock.deadline(matter.incident_at, 44, site.time_zone)
    first = Notice.objects.get(matter=matter, cycle=1)
    assert first.withdrawn_at is not None
    with pytest.raises(LegalRefused):
        notice_confirm(actor=priya, notice_id=first.pk)  # a withdrawn notice cannot be confirmed
    with _after_deadline(matter):
        assert matters_resolve_due() == 1
    assert Notice.objects.get(matter=matter, cycle=2).kind == "expungement"
    extension = matter.extensions.get()
    assert (extension.days, extension.reason, extension.granted_by) == (14, "Intake booked for Monday", priya)


def test_an_extension_names_the_field_that_is_wrong_and_refuses_a_stale_edit(world):
    priya, m = world["prosecutor"], world.matter
    with pytest.raises(LegalRefused) as no_reason:
        matter_extend(actor=priya, matter_id=m.pk, days=7, reason=" ", version=m.version)
    assert no_reason.value.field == "reason"
    with pytest.raises(LegalRefused) as no_days:
        matter_extend(actor=priya, matter_id=m.pk, days=0, reason="More time", version=m.version)
    assert no_days.value.field == "days"
    with pytest.raises(StaleEdit):
        matter_extend(actor=priya, matter_id=m.pk, days=7, reason="More time", version=m.version - 1)
    with pytest.raises(LegalRefused):  # only the prosecutor extends
        matter_extend(
            actor=world["case_manager"], matter_id=m.pk, days=7, reason="More time", version=m.version
        )
    m.refresh_from_db()
    assert m.extension_days == 0 and not m.extensions.exists()


def test_the_extend_page_names_the_field_and_writes_nothing(world):
    client = verified_client(world["prosecutor"])
    response = client.post(
        f"/legal/{world.matter.pk}/extend/", {"days": "", "reason": "", "version": world.matter.version}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Days to add" in page and "Say why the participant is given more time." in page
    world.matter.refresh_from_db()
    assert world.matter.version == 1 and world.matter.extension_days == 0


def _clear_and_confirm(world) -> Notice:
    _participate(world)
    with _after_deadline(world.matter):
        matters_resolve_due()
    notice = Notice.objects.get(matter=world.matter)
    client = verified_client(world["prosecutor"])
    assert client.post(f"/legal/notices/{notice.pk}/confirm/").status_code == 302
    assert client.post(f"/legal/notices/{notice.pk}/confirm/").status_code == 404  # sealed: gone
    return notice


def test_a_confirmed_clearance_is_sealed_from_every_criminal_justice_role(world):
    before = verified_client(world["prosecutor"]).get("/api/v1/legal-matters/").json()["results"]
    assert world.matter.pk in [m["id"] for m in before]
    assert (
        f"\n{world.matter.pk},"
        in verified_client(world["prosecutor"]).get("/legal/holds.csv").content.decode()
    )
    officer_client = verified_client(world["officer"])
    assert officer_client.get(f"/referrals/{world.eligible.pk}/").status_code == 200  # before
    notice = _clear_and_confirm(world)
    world.matter.refresh_from_db()
    assert world.matter.state == "cleared" and world.matter.sealed_at is not None
    notice.refresh_from_db()
    assert notice.confirmed_by == world["prosecutor"]
    # The officer: the referral, its hand-off and the API.
    assert officer_client.get(f"/referrals/{world.eligible.pk}/").status_code == 404
    listing = officer_client.get("/referrals/").content.decode()
    assert f"/referrals/{world.eligible.pk}/" not in listing
    handoffs = officer_client.get("/referrals/handoffs/").content.decode()
    assert f"/referrals/handoffs/{world.handoff.pk}/" not in handoffs
    api = officer_client.get("/api/v1/referrals/").json()
    ids = [r["id"] for r in api.get("results", api)]
    assert world.eligible.pk not in ids and world.referral.pk in ids
    assert officer_client.get(f"/api/v1/referrals/{world.eligible.pk}/").status_code == 404
    # A records system replaying the referral's idempotency key gets a conflict, not the sealed referral.
    replay = officer_client.post(
        "/api/v1/referrals/",
        {"door": "arrest_diversion", "given_name": world.eligible.given_name,
         "family_name": world.eligible.family_name, "date_of_birth": "1990-05-17", "statute": "PL 220.03",
         "person_agrees": True, "aggrieved_party": "none_present",
         "idempotency_key": world.eligible.idempotency_key},
        content_type="application/json",
    )  # fmt: skip
    assert replay.status_code == 409 and world.eligible.family_name not in replay.content.decode()
    # The liaison sees the precinct's referrals, never this one.
    liaison = verified_client(world["police_liaison"])
    assert f"/referrals/{world.eligible.pk}/" not in liaison.get("/referrals/").content.decode()
    # The prosecutor and the defender: not in the workspace, not by number, not the notice, not the API.
    for persona in ("prosecutor", "defender"):
        client = verified_client(world[persona])
        matters = client.get("/api/v1/legal-matters/").json()["results"]
        assert world.matter.pk not in [m["id"] for m in matters]
        assert client.get(f"/api/v1/legal-matters/{world.matter.pk}/").status_code == 404
        assert f"/legal/{world.matter.pk}/" not in client.get("/legal/").content.decode()
        assert client.get(f"/legal/{world.matter.pk}/").status_code == 404
        assert client.get(f"/legal/notices/{notice.pk}/pdf/").status_code == 404
        assert f"\n{world.matter.pk}," not in client.get("/legal/holds.csv").content.decode()  # the export
    # The program still knows the matter was cleared.
    pm = verified_client(world["program_manager"])
    assert pm.get(f"/legal/{world.matter.pk}/").context["m"].state == "cleared"


def test_the_retention_purge_keeps_dates_and_audit_and_drops_the_details(world):
    from leadline.notifications.models import Delivery

    page = world.handoff.pages.get()  # as if the page had gone by SMS, naming the place and the offence
    Delivery.objects.create(notification=page.notification, channel="sms", to="+15855550100", status="sent",
                            body="LEAD hand-off #1: Arrest diversion PL 220.03, Bench outside 12 Elm St",
                            next_attempt_at=clock.now())  # fmt: skip
    notice = _clear_and_confirm(world)
    world.matter.refresh_from_db()
    site = Site.objects.get()
    with time_machine.travel(
        world.matter.sealed_at + timedelta(days=site.sealed_retention_days - 1), tick=False
    ):
        assert sealed_purge_due() == 0
    with time_machine.travel(
        world.matter.sealed_at + timedelta(days=site.sealed_retention_days, minutes=1), tick=False
    ):
        assert legal_sweep.call() == {"resolved": 0, "purged": 1, "reminded": 0}
        assert sealed_purge_due() == 0
    world.matter.refresh_from_db()
    assert world.matter.purged_at is not None and not world.matter.charges.exists()
    assert world.matter.purge_counts == {
        "charges": 1,
        "notice_documents": 1,
        "referral_fields": 1,
        "extension_reasons": 0,
    }
    referral = Referral.objects.get(pk=world.eligible.pk)
    assert referral.offence_id is None and referral.place == "" and referral.drug_quantity_grams is None
    # Nobody is named any more: the matter keeps a pseudonym for the evaluation, not the person.
    assert (referral.given_name, referral.family_name, referral.date_of_birth, referral.participant_id) == (
        "",
        "",
        None,
        None,
    )
    assert world.matter.participant_id is None and len(world.matter.person_key) == 32
    assert verified_client(world["program_manager"]).get(f"/legal/{world.matter.pk}/").status_code == 404
    notice.refresh_from_db()
    assert notice.pdf is None and notice.reference
    assert (
        AuditEvent.objects.filter(subject_type="legal_matter", subject_id=str(world.matter.pk)).count() >= 2
    )
    # The hand-off page's SMS (place and offence) and the workgroup's agenda items about it are gone too.
    from leadline.workgroup.models import AgendaItem

    paged = Delivery.objects.filter(notification__in=world.handoff.pages.values("notification"))
    assert paged.exists() and not paged.exclude(body="").exists()
    assert not AgendaItem.objects.filter(referral=world.eligible).exists()
    # The sealing report: the matter's number and dates, never a name or a charge.
    page = verified_client(world["program_manager"]).get("/legal/sealing/").content.decode()
    assert f'data-sealed="{world.matter.pk}"' in page
    assert f"{world.mine.given_name} {world.mine.family_name}" not in page and "220.03" not in page


def test_the_prosecutor_reads_the_clock_and_the_outcome_never_the_program_record(world):
    _participate(world)
    page = verified_client(world["prosecutor"]).get(f"/legal/{world.matter.pk}/").content.decode()
    assert "data-clock=" in page and "PL 220.03" in page
    assert "data-requirement" not in page and "Intake completed" not in page
    cm_page = verified_client(world["case_manager"]).get(f"/legal/{world.matter.pk}/").content.decode()
    assert 'data-requirement="met"' in cm_page


def test_a_case_manager_sees_the_countdown_only_on_their_caseload(world):
    page = verified_client(world["case_manager"]).get(f"/participants/{world.other.pk}/").content.decode()
    assert "data-clock" not in page  # Casey's participant: Carmen reads the card, not the clock


def test_an_extensions_reason_stays_off_the_audit_trail(world):
    m = world.matter
    matter_extend(actor=world["prosecutor"], matter_id=m.pk, days=7, reason="Treatment bed at Westfall",
                  version=m.version)  # fmt: skip
    event = (
        AuditEvent.objects.filter(subject_type="legal_matter", subject_id=str(m.pk)).order_by("-pk").first()
    )
    assert event is not None and "Westfall" not in str(event.changes) + event.reason


def test_the_countdown_shows_for_the_case_manager_and_outreach_never_for_police(world):
    cm = verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/").content.decode()
    assert 'data-section="legal-clock"' in cm and 'data-clock="30"' in cm
    Participant.objects.filter(pk=world.mine.pk).update(
        status="referred"
    )  # to be found: on the outreach list
    outreach = verified_client(world["outreach_worker"]).get("/participants/outreach/").content.decode()
    assert "data-legal-clock" in outreach and "220.03" not in outreach
    for persona in ("officer", "police_liaison"):
        assert (
            "data-clock"
            not in verified_client(world[persona]).get(f"/referrals/{world.eligible.pk}/").content.decode()
        )


def test_the_warning_shows_inside_the_sites_warning_period(world):
    site = Site.objects.get()
    last = legal_clock.last_day(world.matter.incident_at, 30, site.time_zone)
    warned = legal_clock.start_of_day(last - timedelta(days=site.legal_warning_days), site.time_zone)
    with time_machine.travel(warned + timedelta(hours=12), tick=False):
        page = verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/").content.decode()
    assert f'class="clock warn" data-clock="{site.legal_warning_days}"' in page


def test_a_clearance_text_with_an_unknown_placeholder_is_refused_naming_the_field():
    site = Site(name="X", legal_mode="no_file_on_intake", clearance_notice_text="Dear {judge}")
    with pytest.raises(ValidationError) as refused:
        site.clean()
    assert "clearance_notice_text" in refused.value.message_dict


def test_merging_moves_the_matter_to_the_record_that_stays(world):
    from leadline.participants.services import participant_merge

    participant_merge(actor=world["program_manager"], duplicate=world.mine, survivor=world.other,
                      reason="Same person, two spellings")  # fmt: skip
    world.matter.refresh_from_db()
    assert world.matter.participant_id == world.other.pk


def test_the_case_managers_inbox_warns_of_a_window_about_to_close_and_of_court(world):
    from leadline.legal.records import record_add

    client = verified_client(world["case_manager"])
    assert 'data-inbox-kind="legal_deadline"' not in client.get("/").content.decode()  # 30 days left: not yet
    site = Site.objects.get()
    last = legal_clock.last_day(world.matter.incident_at, 30, site.time_zone)
    court = {"date": (last - timedelta(days=2)).isoformat(), "time": "09:30", "court": "City Court"}
    record_add(actor=world["prosecutor"], participant=world.mine, kind="court_date", values=court)
    soon = legal_clock.start_of_day(last - timedelta(days=3), site.time_zone) + timedelta(hours=12)
    with time_machine.travel(soon, tick=False):
        page = verified_client(world["case_manager"]).get("/").content.decode()  # a fresh sign-in that day
    assert f'data-work="legal_matter:{world.matter.pk}"' in page and "3 days left" in page
    assert 'data-inbox-kind="court_date"' in page and "City Court" in page


def test_the_workspace_runs_the_same_queries_for_two_holds_or_twenty(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from leadline.demo.testing import ParticipantFactory, make_referral
    from leadline.legal.services import matter_open

    client = verified_client(world["prosecutor"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/legal/").status_code == 200
        return len(queries)

    few = count()
    for i in range(18):
        referral = make_referral(world["officer"], given_name=f"Extra{i}")
        matter_open(actor=world["case_manager"], referral=referral, participant=ParticipantFactory.create())
    assert count() == few


def test_the_prosecutor_records_the_defender_and_only_that_defender_reads_the_matter(world):
    from leadline.demo.testing import UserFactory

    other_defender = UserFactory.create(username="dora", role="defender", agency=world["defender"].agency)
    client = verified_client(world["prosecutor"])
    m = world.matter
    refused = client.post(f"/legal/{m.pk}/defender/", {"defender": world["officer"].pk, "version": m.version})
    assert refused.status_code == 400  # only a defender's account can be chosen
    assert (
        client.post(
            f"/legal/{m.pk}/defender/", {"defender": other_defender.pk, "version": m.version}
        ).status_code
        == 302
    )
    assert (
        client.post(f"/legal/{m.pk}/defender/", {"defender": "", "version": m.version}).status_code == 409
    )  # stale
    assert verified_client(other_defender).get(f"/legal/{m.pk}/").status_code == 200
    assert verified_client(world["defender"]).get(f"/legal/{m.pk}/").status_code == 404
    updates = AuditEvent.objects.filter(subject_type="legal_matter", subject_id=str(m.pk), action="update")
    event = updates.order_by("-pk").first()
    assert event is not None and event.changes["defender"]["after"] == other_defender.pk
