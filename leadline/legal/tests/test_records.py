"""The prosecutor's coordination records (issue #5, items 3 and 4): other cases, court dates, warrants and
new charges — entered or imported (all or nothing) — decisions with reasons, who sees them, and the
court-date text reminders sent once to participants who opted in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from leadline.audit.models import AuditEvent
from leadline.core import clock, sms
from leadline.demo.testing import verified_client
from leadline.legal.models import CourtCase, CourtDate, NewCharge, Warrant
from leadline.legal.records import court_reminders_due, new_charge_decide, record_add, records_import
from leadline.legal.services import LegalRefused
from leadline.participants.models import Participant
from leadline.participants.services import InvalidChange, StaleEdit, participant_set_court_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _born(world):
    """Imports match on name and date of birth: give ``mine`` one."""
    Participant.objects.filter(pk=world.mine.pk).update(date_of_birth=date(1990, 5, 17))
    world.mine.refresh_from_db()


def _csv(world, *rows: str) -> bytes:
    p = world.mine
    head = (
        "record,given_name,family_name,date_of_birth,docket,court,description,status,date,time,purpose,"
        "reference,statute,degree"
    )
    person = f"{p.given_name},{p.family_name},{p.date_of_birth}"
    return "\n".join([head, *(r.replace("PERSON", person) for r in rows)]).encode()


def _good_file(world) -> bytes:
    soon, past = clock.today() + timedelta(days=10), clock.today() - timedelta(days=2)
    return _csv(
        world,
        "case,PERSON,CR-2026-0042,Rochester City Court,Petit larceny,open,,,,,,",
        f"court_date,PERSON,CR-2026-0042,Rochester City Court,,,{soon},09:30,Arraignment,,,",
        "warrant,PERSON,,Monroe County Court,,active,2026-10-01,,,BW-7781,,",
        f"new_charge,PERSON,,,Trespass in the library,,{past},,,,PL 140.05,violation",
    )


def test_an_import_writes_every_record_and_a_second_import_changes_nothing(world):
    priya = world["prosecutor"]
    report = records_import(actor=priya, data=_good_file(world))
    assert report.errors == [] and report.counts == {"created": 4, "updated": 0, "unchanged": 0}
    court_date = CourtDate.objects.get(participant=world.mine)
    assert court_date.case == CourtCase.objects.get(docket="CR-2026-0042") and court_date.source == "imported"
    assert Warrant.objects.get(reference="BW-7781").status == "active"
    assert NewCharge.objects.get(statute="PL 140.05").decision == "pending"
    again = records_import(actor=priya, data=_good_file(world))
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 4}
    assert AuditEvent.objects.filter(subject_type="legal_import").count() == 2


def test_one_bad_row_names_row_and_column_and_nothing_is_written(world):
    good = _good_file(world).decode().splitlines()[1:]  # rows 2-5
    data = _csv(
        world,
        *good,
        "warrant,Nobody,Here,1970-01-01,,,,,2026-01-01,,,W-1,,",  # row 6: matches no participant
        "court_date,PERSON,,,,,2026-13-40,25:00,,,,",  # row 7: bad date, bad time, no court
    )
    report = records_import(actor=world["prosecutor"], data=data)
    assert any(e.startswith("Row 6, given_name") for e in report.errors)
    assert any(e.startswith("Row 7, date") for e in report.errors)
    assert any(e.startswith("Row 7, time") for e in report.errors)
    assert any(e.startswith("Row 7, court") for e in report.errors)
    assert not CourtCase.objects.exists() and not Warrant.objects.exists() and not CourtDate.objects.exists()


def test_an_import_never_matches_on_a_name_alone_nor_reaches_beyond_the_prosecutors_people(world):
    from leadline.demo.testing import ParticipantFactory

    stranger = ParticipantFactory.create(given_name="Quincy", family_name="Adler", date_of_birth=None)
    data = _csv(world, "warrant,Quincy,Adler,,,County Court,,active,2026-10-01,,,W-5,,")
    assert records_import(actor=world["prosecutor"], data=data).errors[0].startswith("Row 2, date_of_birth")
    Participant.objects.filter(pk=stranger.pk).update(date_of_birth="1970-01-01")
    data = _csv(world, "warrant,Quincy,Adler,1970-01-01,,County Court,,active,2026-10-01,,,W-5,,")
    report = records_import(actor=world["prosecutor"], data=data)
    assert "no participant in your legal matters" in report.errors[0] and not Warrant.objects.exists()
    # No matter, no consent: the prosecutor cannot open the stranger's legal page either.
    assert verified_client(world["prosecutor"]).get(f"/legal/people/{stranger.pk}/").status_code == 404
    assert verified_client(world["program_manager"]).get(f"/legal/people/{stranger.pk}/").status_code == 200


def test_a_status_change_by_import_is_audited_with_before_and_after(world):
    records_import(actor=world["prosecutor"], data=_good_file(world))
    data = _csv(world, "warrant,PERSON,,Monroe County Court,,cleared,2026-10-01,,,BW-7781,,")
    assert records_import(actor=world["prosecutor"], data=data).counts["updated"] == 1
    warrant = Warrant.objects.get(reference="BW-7781")
    event = AuditEvent.objects.get(subject_type="legal_warrant", subject_id=str(warrant.pk))
    assert event.changes["status"] == {"before": "active", "after": "cleared"}


def test_an_import_without_the_columns_or_not_in_utf8_is_refused_whole(world):
    assert (
        records_import(actor=world["prosecutor"], data=b"name,when\nx,y")
        .errors[0]
        .startswith("Missing columns")
    )
    assert records_import(actor=world["prosecutor"], data="record\n\xe9".encode("latin-1")).errors == [
        "The file is not UTF-8 text."
    ]
    with pytest.raises(LegalRefused):
        records_import(actor=world["case_manager"], data=_good_file(world))


def test_the_import_page_reports_what_it_did(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leadline.core.models import ImportJob
    from leadline.legal.tasks import records_import_run

    client = verified_client(world["prosecutor"])

    def imported(data: bytes) -> str:
        # The page hands the file to a background job (issue #15 item 8); its page says what came of it.
        sent = client.post("/legal/import/", {"file": SimpleUploadedFile("court.csv", data)})
        assert sent.status_code == 302
        records_import_run.call(str(ImportJob.objects.latest("created_at").pk))
        return client.get(sent["Location"]).content.decode()

    assert "data-import-done" in imported(_good_file(world))
    assert "Nothing was imported" in imported(b"nothing")


def test_a_record_entered_by_hand_names_the_missing_field(world):
    priya = world["prosecutor"]
    with pytest.raises(LegalRefused) as refused:
        record_add(
            actor=priya,
            participant=world.mine,
            kind="warrant",
            values={"reference": "W-9", "date": "2026-11-01"},
        )
    assert refused.value.field == "court"
    response = verified_client(priya).post(
        f"/legal/people/{world.mine.pk}/add/court_date/", {"time": "09:00"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Court is required." in page and "Date is required." in page
    assert not CourtDate.objects.exists()
    when = (clock.today() + timedelta(days=5)).isoformat()
    ok = verified_client(priya).post(
        f"/legal/people/{world.mine.pk}/add/court_date/",
        {"date": when, "time": "09:00", "court": "City Court"},
    )
    assert ok.status_code == 302 and CourtDate.objects.get().entered_by == priya
    again = verified_client(priya).post(  # a double submit: still one court date
        f"/legal/people/{world.mine.pk}/add/court_date/",
        {"date": when, "time": "09:00", "court": "City Court"},
    )
    assert again.status_code == 302 and CourtDate.objects.count() == 1


def test_the_prosecutor_decides_a_new_charge_with_a_reason_once(world):
    priya, charge = world["prosecutor"], world.charge
    with pytest.raises(LegalRefused) as no_reason:
        new_charge_decide(
            actor=priya, charge_id=charge.pk, decision="hold", reason="", version=charge.version
        )
    assert no_reason.value.field == "reason"
    decided = new_charge_decide(
        actor=priya,
        charge_id=charge.pk,
        decision="hold",
        reason="Wait for the diversion",
        version=charge.version,
    )
    assert (decided.decision, decided.decided_by, decided.reason) == ("hold", priya, "Wait for the diversion")
    with pytest.raises(StaleEdit):  # a second tab, opened before the decision
        new_charge_decide(
            actor=priya, charge_id=charge.pk, decision="file", reason="Changed", version=charge.version
        )
    response = verified_client(priya).post(
        f"/legal/charges/{charge.pk}/decide/",
        {"decision": "file", "reason": "x" * 5, "version": charge.version},
    )
    assert response.status_code == 409
    assert NewCharge.objects.get(pk=charge.pk).decision == "hold"
    assert AuditEvent.objects.filter(subject_type="legal_new_charge", subject_id=str(charge.pk)).count() == 1


def test_who_sees_a_participants_legal_records(world):
    record_add(actor=world["prosecutor"], participant=world.other, kind="warrant",
               values={"reference": "W-1", "court": "County Court", "date": "2026-10-01"})  # fmt: skip
    priya = verified_client(world["prosecutor"]).get("/legal/").content.decode()
    assert f'data-new-charge="{world.charge.pk}"' in priya and "W-1" in priya
    title = priya.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "W-1" not in title and world.mine.family_name not in title  # nothing in the tab or history
    # Dana defends mine's matter: she sees mine's records, not other's.
    dana = verified_client(world["defender"])
    assert dana.get(f"/legal/people/{world.mine.pk}/").status_code == 200
    assert dana.get(f"/legal/people/{world.other.pk}/").status_code == 404
    assert "W-1" not in dana.get("/legal/").content.decode()
    # The prosecutor's link to a progress summary exists only under a 2.35 consent naming the office.
    mine = verified_client(world["prosecutor"]).get(f"/legal/people/{world.mine.pk}/").content.decode()
    other = verified_client(world["prosecutor"]).get(f"/legal/people/{world.other.pk}/").content.decode()
    assert "data-summary-link" in mine and "data-summary-link" not in other
    assert "data-summary-link" not in dana.get(f"/legal/people/{world.mine.pk}/").content.decode()  # unsigned


def test_court_reminders_need_the_opt_in_and_go_once_without_the_charge(world):
    cm, p = world["case_manager"], world.mine
    Participant.objects.filter(pk=p.pk).update(phone="")
    p.refresh_from_db()
    with pytest.raises(InvalidChange):
        participant_set_court_reminders(actor=cm, participant=p, on=True, expected_version=p.version)
    Participant.objects.filter(pk=p.pk).update(phone="+1 585 555 0177")
    p.refresh_from_db()
    record_add(actor=world["prosecutor"], participant=p, kind="case",
               values={"docket": "CR-1", "court": "City Court", "description": "PL 165.40"})  # fmt: skip
    hearing = clock.now() + timedelta(days=3)
    record_add(actor=world["prosecutor"], participant=p, kind="court_date",
               values={"date": clock.local_date(hearing).isoformat(), "time": "10:00", "court": "City Court",
                       "docket": "CR-1"})  # fmt: skip
    sms.outbox.clear()
    at = CourtDate.objects.get().at
    with time_machine.travel(at - timedelta(hours=40), tick=False):
        assert court_reminders_due() == 0  # not opted in
    participant_set_court_reminders(actor=cm, participant=p, on=True, expected_version=p.version)
    with time_machine.travel(at - timedelta(hours=60), tick=False):
        assert court_reminders_due() == 0  # too early
    with time_machine.travel(at - timedelta(hours=40), tick=False):
        assert court_reminders_due() == 1
        assert court_reminders_due() == 0  # once
        assert not sms.outbox  # queued: the notifications' worker task sends it
        from leadline.notifications.services import deliver_due

        assert deliver_due() == 1
    assert [m.to for m in sms.outbox] == ["+1 585 555 0177"]
    body = sms.outbox[0].body
    assert "City Court" in body and "10:00" in body and "165.40" not in body and p.family_name not in body


def test_the_reminder_choice_page_refuses_a_stale_form(world):
    client = verified_client(world["case_manager"])
    version = Participant.objects.get(pk=world.mine.pk).version
    assert client.post(f"/legal/people/{world.mine.pk}/reminders/", {"version": version}).status_code == 302
    assert client.post(f"/legal/people/{world.mine.pk}/reminders/", {"version": version}).status_code == 409
