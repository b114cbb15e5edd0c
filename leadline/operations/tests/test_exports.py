"""The grant-report exports: their columns, what never leaves, sealed people left out, the audit rows, the
XLSX the same rows as the CSV, machine values in every language, and the bound on their size."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.conf import settings
from openpyxl import load_workbook

from leadline.audit.models import AuditEvent
from leadline.operations import exports

PARTICIPANT_HEADER = [
    "Participant id", "Status at the end of the period", "Case manager", "Referral door", "Referred on",
    "Intake completed on", "Enrolled on", "Exited on", "Precinct", "Referring agency", "Last contact on",
]  # fmt: skip
CONTACT_HEADER = ["Date", "Participant id", "Kind of contact", "Reached them", "Logged by"]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    sheet: Any = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(
            ["" if v is None else (v.date().isoformat() if hasattr(v, "date") else str(v)) for v in row]
        )
    return rows


def test_the_participants_export_has_its_columns_and_everyone_in_lead_during_the_period(ops, login):
    client = login(ops["program_manager"])
    rows = _csv(client.get("/operations/export/participants.csv"))
    assert rows[0] == PARTICIPANT_HEADER
    p = ops.p
    by_id = {int(r[0]): r for r in rows[1:]}
    # D left in September; G's matter is sealed; M is a merged duplicate.
    assert set(by_id) == {p[k].pk for k in "ABCEF"}
    carmen = ops["case_manager"].get_full_name()
    assert by_id[p["A"].pk] == [
        str(p["A"].pk), "engaged", carmen, "arrest_diversion", "2026-11-03", "2026-11-05", "2026-11-03", "",
        "Clinton Section", "Rochester Police Department", "2026-11-03",
    ]  # fmt: skip
    assert by_id[p["C"].pk][1] == "exited" and by_id[p["C"].pk][7] == "2026-11-17"
    assert by_id[p["F"].pk][1:4] == ["inactive", "", ""]


def test_a_past_period_reads_the_status_then_and_leaves_out_who_came_later(ops, login):
    client = login(ops["program_manager"])
    rows = _csv(
        client.get("/operations/export/participants.csv?period=custom&start=2026-10-01&end=2026-10-31")
    )
    p = ops.p
    by_id = {int(r[0]): r for r in rows[1:]}
    assert set(by_id) == {p[k].pk for k in "ACF"}  # B and E came in November; D had left
    assert by_id[p["C"].pk][1] == "inactive" and by_id[p["C"].pk][7] == ""  # C left on 17 November
    # A's referral, intake and engagement came in November: nothing of them in October's file; their last
    # contact then was at 23:30 on 31 October in Rochester (1 November in UTC).
    carmen = ops["case_manager"].get_full_name()
    assert by_id[p["A"].pk][1:] == ["referred", carmen, "", "", "", "", "", "", "", "2026-10-31"]


def test_the_contacts_export_has_its_columns_and_no_sealed_persons_contact(ops, login):
    client = login(ops["program_manager"])
    rows = _csv(client.get("/operations/export/contacts.csv"))
    assert rows[0] == CONTACT_HEADER
    p, carmen = ops.p, ops["case_manager"].get_full_name()
    assert rows[1:] == [
        ["2026-11-01", str(p["A"].pk), "phone", "yes", carmen],
        ["2026-11-03", str(p["A"].pk), "in_person", "yes", carmen],
        ["2026-11-04", str(p["B"].pk), "outreach", "no", carmen],
        ["2026-11-17", str(p["B"].pk), "phone", "yes", carmen],
    ]  # G's contact of 5 November is left out: G's matter is sealed


@pytest.mark.parametrize("kind", ["participants", "contacts"])
def test_no_forbidden_field_leaves_in_either_format(ops, login, kind):
    client = login(ops["program_manager"])
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/operations/export/{kind}.{fmt}")
        cells = " ".join(" ".join(r) for r in (_csv(response) if fmt == "csv" else _xlsx(response)))
        for forbidden in ("Secret", "Nameless", "Under bridge", "Secret place", "Secret summary"):
            assert forbidden not in cells, (fmt, forbidden)
        header = " ".join((_csv(response) if fmt == "csv" else _xlsx(response))[0]).lower()
        for word in ("name", "note", "place", "summary", "whereabouts", "health", "substance"):
            assert word not in header, (fmt, word)


@pytest.mark.parametrize("kind", ["participants", "contacts"])
def test_the_xlsx_holds_the_same_rows_as_the_csv(ops, login, kind):
    client = login(ops["program_manager"])
    as_csv = _csv(client.get(f"/operations/export/{kind}.csv?period=quarter"))
    as_xlsx = _xlsx(client.get(f"/operations/export/{kind}.xlsx?period=quarter"))
    assert len(as_csv) > 2
    assert as_xlsx == as_csv


def test_dates_are_date_cells_and_ids_numbers_in_the_xlsx(ops, login):
    response = login(ops["program_manager"]).get("/operations/export/contacts.xlsx")
    sheet: Any = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    assert isinstance(sheet["B2"].value, int)


def test_each_exported_participant_is_an_export_row_in_the_audit_trail(ops, login):
    client = login(ops["program_manager"])
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    client.get("/operations/export/participants.xlsx")
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("id")[before:]
    p = ops.p
    assert sorted(r.participant_id or 0 for r in rows) == sorted(p[k].pk for k in "ABCEF")
    assert {(r.actor_username, r.subject_type) for r in rows} == {("paula", "participant")}
    assert all("participants-2026-11-01-2026-11-18.xlsx" in r.reason for r in rows)
    client.get("/operations/export/contacts.csv")
    contacts = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, subject_type="contact")
    assert sorted(r.participant_id or 0 for r in contacts) == sorted([p["A"].pk, p["B"].pk])


def test_the_numbers_and_dates_are_the_same_in_every_language(ops, login):
    client = login(ops["program_manager"])
    english = _csv(client.get("/operations/export/participants.csv"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get("/operations/export/participants.csv")
    assert response.wsgi_request.LANGUAGE_CODE == "es"
    spanish = _csv(response)
    assert len(english) > 2 and spanish[1:] == english[1:]


def test_a_formula_in_a_name_is_quoted_in_both_formats(ops, login):
    carmen = ops["case_manager"]
    carmen.first_name, carmen.last_name = "=HYPERLINK(1)", "x"
    carmen.save()
    client = login(ops["program_manager"])
    assert _csv(client.get("/operations/export/contacts.csv"))[1][4] == "'=HYPERLINK(1) x"
    sheet: Any = load_workbook(io.BytesIO(client.get("/operations/export/contacts.xlsx").content)).active
    assert sheet["E2"].data_type == "s" and sheet["E2"].value == "'=HYPERLINK(1) x"


def test_a_period_too_big_to_export_is_refused_naming_the_period_and_nothing_is_audited(
    ops, login, monkeypatch
):
    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    client = login(ops["program_manager"])
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    response = client.get("/operations/export/contacts.csv")
    assert response.status_code == 400
    assert "The period holds 4 rows; an export holds at most 3." in response.content.decode()
    assert 'id="id_start_error"' in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before


def test_only_the_program_manager_exports(ops, login):
    for persona in ("case_manager", "outreach_worker", "officer", "prosecutor", "evaluator", "site_admin"):
        assert login(ops[persona]).get("/operations/export/contacts.xlsx").status_code == 403, persona
