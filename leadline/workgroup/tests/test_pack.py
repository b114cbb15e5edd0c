"""The Policy Coordinating Group's pack (issue #8, item 2): figures computed from planted data, small cells
suppressed with their complements, no participant named on the page or in the PDF, the period checked at
the edge, the evidence section only once the engine has run, and only three roles let in."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, UserFactory, make_referral
from leadline.evaluation.models import EvaluationRun
from leadline.participants.models import Participant
from leadline.referrals.models import Handoff, Referral
from leadline.referrals.services import handoff_request, referral_override
from leadline.sites.models import Site
from leadline.workgroup.pack import Cell, last_full_quarter, pack_data, suppress_row

pytestmark = pytest.mark.django_db

ROCHESTER = ZoneInfo("America/New_York")
IN_Q2 = datetime(2026, 5, 12, 14, 0, tzinfo=ROCHESTER)  # inside the planted period
Q2 = (date(2026, 4, 1), date(2026, 6, 30))
HANDOFF_MINUTES = [10, 20, 25, 35, 50, 60]  # median 30, 90th percentile 55 (inclusive), 3 within 30
NAMES = ("Zebulon", "Quistgaard", "Marisol", "Vantongeren")  # planted people's names, never in the pack


def _plant(world: Any) -> None:
    """In Q2 2026: 6 eligible arrest diversions handed off in known minutes, 7 found ineligible (one then
    overridden), 1 declined, 3 social contacts; 13 participants on Carmen's caseload (with ``mine``), 4 on
    Casey's (with ``other``), 1 on Cora's."""
    officer, given, family = world["officer"], NAMES[0], NAMES[1]
    Participant.objects.update(given_name=NAMES[2], family_name=NAMES[3])  # the world's people too
    with time_machine.travel(IN_Q2, tick=False):
        for minutes in HANDOFF_MINUTES:
            referral = make_referral(officer, given_name=given, family_name=family)
            handoff, _created = handoff_request(
                actor=officer, referral=referral, callback_phone="+1 585 555 0100"
            )
            Handoff.objects.filter(pk=handoff.pk).update(
                status=Handoff.Status.ARRIVED, arrived_at=handoff.requested_at + timedelta(minutes=minutes)
            )
        ineligible = [
            make_referral(
                officer, given_name=given, family_name=family, exclusions_flagged=("violent_history",)
            )
            for _i in range(3)
        ]
        make_referral(
            officer,
            given_name=given,
            family_name=family,
            exclusions_flagged=("violent_history", "no_contact_order"),
        )
        for _i in range(3):
            make_referral(officer, given_name=given, family_name=family, date_of_birth=date(2012, 1, 1))
        referral_override(
            actor=world["program_manager"],
            referral=ineligible[0],
            reason="Violent history was a misidentified record",
        )
        make_referral(officer, given_name=given, family_name=family, person_agrees=False)
        for _i in range(3):
            make_referral(
                officer,
                given_name=given,
                family_name=family,
                door="social_contact",
                offence=None,
                drug_quantity_grams=None,
                verification="records",
                verified_on=clock.today() - timedelta(days=30),
                inside_catchment=True,
            )
    cora = UserFactory.create(
        username="cora",
        first_name="Cora",
        last_name="Quinn",
        role="case_manager",
        agency=world["case_manager"].agency,
    )
    for case_manager, n in ((world["case_manager"], 12), (world.casey, 3), (cora, 1)):
        for _i in range(n):
            ParticipantFactory.create(case_manager=case_manager, given_name=NAMES[2], family_name=NAMES[3])


def _threshold(n: int, **limits: int) -> None:
    Site.objects.update(small_cell_threshold=n, **limits)


def _shown(cells: list[tuple[str, Cell]]) -> dict[str, str]:
    return {label: c.text for label, c in cells}


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_the_figures_come_from_what_happened_in_the_period(world):
    _plant(world)
    _threshold(2, caseload_soft_limit=10, caseload_hard_limit=12)
    pack = pack_data(*Q2)
    r = pack["referrals"]
    assert r["total"] == Cell(17, "17")  # the world's own referrals were made today, outside the period
    assert _shown(r["by_door"]) == {
        "Arrest diversion": "14",
        "Social-contact referral": "3",
        "Community referral": "0",
    }
    outcome = _shown(r["by_outcome"])
    assert outcome["Eligible"] == "10" and outcome["Waiting for the approver"] == "0"
    # one declined: a small cell, and the next-smallest (6 not eligible) hidden so the total cannot give it
    assert outcome["Person declined"] == "≤2" and outcome["Not eligible"] == "—"
    assert r["overridden"].text == "≤2"
    # every reason, even on the referral an override made eligible; two reasons on one referral count twice
    assert _shown(r["reasons"]) == {
        "Exclusion: Disqualifying violent history": "4",
        "Under the minimum age, or age unknown": "3",
        "Exclusion: No-contact order with a current participant": "≤2",
    }
    h = pack["handoffs"]
    assert (h["n"].value, h["median"], h["p90"], h["within_target"], h["target"]) == (
        6,
        "30.0",
        "55.0",
        "50%",
        30,
    )
    c = pack["caseloads"]
    rows = {row["case_manager"]: (row["participants"].text, row["over"]) for row in c["rows"]}
    carmen, casey = world["case_manager"].get_full_name(), world.casey.get_full_name()
    assert rows == {  # by the names people know them by, each row against the limits
        carmen: ("13", "above the hard limit"),
        casey: ("—", "within the limits"),
        "Cora Quinn": ("≤2", "within the limits"),
    }
    assert (c["total"].value, c["soft"], c["hard"], c["above_soft"], c["above_hard"]) == (18, 10, 12, 1, 1)
    assert pack["evidence"] is None


def test_a_small_count_is_never_shown_nor_left_to_work_out_from_a_total():
    cells, total = suppress_row([14, 3, 0], 10)
    assert [c.text for c in cells] == ["—", "≤10", "0"] and total.text == "17"
    cells, total = suppress_row([30, 4, 5, 40], 10)  # two small cells adding up to 9: one more is hidden
    assert [c.text for c in cells] == ["—", "≤10", "≤10", "40"] and total.text == "79"
    cells, total = suppress_row([3, 4], 10)
    assert [c.text for c in cells] == ["≤10", "≤10"] and total.text == "≤10" and total.hidden
    cells, total = suppress_row([0, 0, 25], 10)
    assert [c.text for c in cells] == ["0", "0", "25"] and total.value == 25


def test_the_page_and_the_pdf_suppress_small_cells_and_name_nobody(
    world, login, django_assert_max_num_queries
):
    _plant(world)
    pack = pack_data(*Q2)  # the site's threshold: 10
    outcome = _shown(pack["referrals"]["by_outcome"])
    assert outcome["Eligible"] == outcome["Not eligible"] == outcome["Person declined"] == "≤10"
    assert _shown(pack["referrals"]["by_door"])["Arrest diversion"] == "—"  # social contact's complement
    assert pack["handoffs"]["n"].text == "≤10" and pack["handoffs"]["median"] == "—"
    client = login(world["program_manager"])
    with django_assert_max_num_queries(25):  # a fixed number of grouped queries, whatever the numbers
        page = client.get("/policy-pack/", {"start": "2026-04-01", "end": "2026-06-30"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-period="2026-04-01/2026-06-30"' in html and "data-total>17<" in html and "≤10" in html
    assert 'href="/policy-pack/pack.pdf?start=2026-04-01&amp;end=2026-06-30"' in html
    assert 'class="table-wrap" tabindex="0" role="region" aria-label=' in html
    pdf = client.get("/policy-pack/pack.pdf", {"start": "2026-04-01", "end": "2026-06-30"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'inline; filename="lead-policy-pack-2026-04-01-2026-06-30.pdf"'
    text = _pdf_text(pdf.content)
    assert (
        "Policy Coordinating Group pack" in text and "April 1, 2026 to June 30, 2026" in text
    )  # people read days their way (decision 0040)
    assert "≤10" in text and "Exclusion: Disqualifying violent history" in text
    assert world["case_manager"].get_full_name() in text
    referral_names = set(Referral.objects.values_list("given_name", "family_name"))
    participant_names = set(Participant.objects.values_list("given_name", "family_name"))
    # Staff names are on the page (the reader's own in the header, case managers' caseloads): a random
    # participant name that happens to be a staff member's name too cannot be told apart by searching text.
    staff_names = {n for pair in User.objects.values_list("first_name", "last_name") for n in pair}
    for name in {*NAMES, *(n for pair in referral_names | participant_names for n in pair)} - staff_names:
        assert name not in html, name
        assert name not in text, name


def test_law_enforcement_access_is_counted_by_agency_and_action_with_refusals(world):
    day = datetime(2026, 8, 4, 10, 0, tzinfo=ROCHESTER)
    with time_machine.travel(day, tick=False):
        for _i in range(3):
            audit_record(
                actor=world["officer"],
                action=AuditEvent.Action.VIEW,
                subject_type="participant_card",
                participant_id=world.mine.pk,
            )
        for _i in range(2):
            audit_record(
                actor=world["officer"],
                action=AuditEvent.Action.DENIED,
                subject_type="participant",
                subject_id=world.mine.pk,
            )
        audit_record(actor=world["police_liaison"], action=AuditEvent.Action.LIST, subject_type="referral")
        audit_record(actor=world["case_manager"], action=AuditEvent.Action.VIEW, subject_type="participant")
    with time_machine.travel(day + timedelta(days=1), tick=False):
        audit_record(actor=world["officer"], action=AuditEvent.Action.VIEW, subject_type="referral")  # after
    le = pack_data(date(2026, 8, 4), date(2026, 8, 4))["law_enforcement"]
    rows = {(r["agency"], r["action"]): (r["events"], r["participant"]) for r in le["rows"]}
    assert rows == {
        ("Rochester Police Department", "denied"): (2, 0),
        ("Rochester Police Department", "listed"): (1, 0),
        ("Rochester Police Department", "viewed"): (3, 3),
    }
    assert (le["total"], le["participant"], le["denied"]) == (6, 3, 2)
    assert le["denied_by_agency"] == [("Rochester Police Department", 2)]


def _run(*, demo: bool) -> EvaluationRun:
    window = {
        "lead": {"n": 120, "events": 36, "rate": 0.3},
        "comparison": {"n": 300, "events": 135, "rate": 0.45},
    }
    public: dict[str, Any] = {
        "n": {"lead": 120, "comparison": 300},
        "recidivism": {
            "windows": {"12m": window},
            "did_or": {"estimate": 0.42, "ci_low": 0.3, "ci_high": 0.58, "p": 0.001, "n": 420},
        },
        "survival": {"hazard_ratio": {"estimate": 0.61, "ci_low": 0.5, "ci_high": 0.74}},
        "costs": {
            "annual_total": {"lead": 6784.0, "comparison": 9000.0},
            "savings": 2216.0,
            "savings_pct": 24.6,
        },
        "suppression": {"threshold": 10},
    }
    results = {**public, "recidivism": {**public["recidivism"], "did_or": {"estimate": 0.1234}}}
    return EvaluationRun.objects.create(
        as_of=date(2026, 9, 30),
        source=EvaluationRun.Source.DEMO if demo else EvaluationRun.Source.SITE,
        results=results,
        public_results=public,
        seconds=1.0,
        created_at=clock.now(),
    )


def test_the_evidence_section_appears_only_once_the_engine_has_run_from_its_public_copy(world, login):
    client = login(world["evaluator"])
    period = {"start": "2026-07-01", "end": "2026-09-30"}
    before = client.get("/policy-pack/", period).content.decode()
    assert "data-no-evidence" in before and 'data-section="evidence"' not in before
    assert "there are no evidence figures" in _pdf_text(client.get("/policy-pack/pack.pdf", period).content)
    _run(demo=True)
    after = client.get("/policy-pack/", period).content.decode()
    assert (
        'data-section="evidence"' in after and "data-no-evidence" not in after and "data-synthetic" in after
    )
    for figure in (
        "120 / 300",
        "30% / 45%",
        "0.42 (0.30–0.58)",
        "0.61 (0.50–0.74)",
        "$6,784.00 / $9,000.00",
        "$2,216.00 (24.6%)",
    ):
        assert figure in after, figure
    assert "0.12" not in after  # the full results' figure never shows
    text = _pdf_text(client.get("/policy-pack/pack.pdf", period).content)
    assert "Key evidence figures" in text and "0.42 (0.30–0.58)" in text and "synthetic cohort" in text
    EvaluationRun.objects.all().delete()
    _run(demo=False)
    assert "data-synthetic" not in client.get("/policy-pack/", period).content.decode()


def test_without_dates_the_pack_is_the_last_full_quarter(world, login):
    assert last_full_quarter(date(2026, 11, 29)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert last_full_quarter(date(2026, 1, 1)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert last_full_quarter(date(2026, 3, 31)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert last_full_quarter(date(2026, 4, 1)) == (date(2026, 1, 1), date(2026, 3, 31))
    with time_machine.travel(datetime(2026, 10, 1, 0, 30, tzinfo=ROCHESTER), tick=False):  # 04:30 UTC
        page = login(world["site_admin"]).get("/policy-pack/").content.decode()
    assert 'data-period="2026-07-01/2026-09-30"' in page and 'value="2026-07-01"' in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-13-01", "end": "2026-09-30"}, "From", "Enter a valid date."),
        ({"start": "2026-07-01"}, "To (inclusive)", "This field is required."),
        (
            {"start": "2026-09-30", "end": "2026-07-01"},
            "To (inclusive)",
            "The end date is before the start date.",
        ),
        ({"start": "2026-07-01", "end": "9999-12-31"}, "To (inclusive)", "Choose a date from 2000-01-01 to"),
    ],
)
def test_a_bad_period_is_refused_naming_the_field(world, login, query, field, message):
    client = login(world["program_manager"])
    for path in ("/policy-pack/", "/policy-pack/pack.pdf"):
        response = client.get(path, query)
        assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert f'">{field}</a>: {message}' in html and "data-section" not in html


def test_only_the_program_manager_the_evaluator_and_the_site_admin_read_the_pack(world, login, client):
    for persona in ("program_manager", "evaluator", "site_admin"):
        signed_in = login(world[persona])
        assert signed_in.get("/policy-pack/").status_code == 200
        assert signed_in.get("/policy-pack/pack.pdf").status_code == 200
    for persona in (
        "officer",
        "police_liaison",
        "case_manager",
        "outreach_worker",
        "prosecutor",
        "defender",
        "provider_staff",
        "no_role",
    ):
        signed_in = login(world[persona])
        assert signed_in.get("/policy-pack/").status_code == 403, persona
        assert signed_in.get("/policy-pack/pack.pdf").status_code == 403, persona
    anonymous = client.get("/policy-pack/pack.pdf")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_reading_and_downloading_the_pack_are_audited(world, login):
    client = login(world["evaluator"])
    client.get("/policy-pack/", {"start": "2026-07-01", "end": "2026-09-30"})
    client.get("/policy-pack/pack.pdf", {"start": "2026-07-01", "end": "2026-09-30"})
    events = AuditEvent.objects.filter(subject_type="policy_pack", actor_id=world["evaluator"].pk)
    assert sorted(events.values_list("action", "subject_id")) == [
        ("export", "2026-07-01/2026-09-30"),
        ("view", "2026-07-01/2026-09-30"),
    ]
    login(world["officer"]).get("/policy-pack/")
    assert AuditEvent.objects.filter(
        actor_id=world["officer"].pk, action="denied", reason="policy_pack.view"
    ).exists()


def test_the_pack_names_case_managers_and_says_where_each_stands_against_the_limits(world, login):
    """Issue #17, item 9: people's names, never usernames, and no empty "Limit" column."""
    _plant(world)
    _threshold(2, caseload_soft_limit=10, caseload_hard_limit=12)
    client = login(world["evaluator"])
    period = {"start": "2026-07-01", "end": "2026-09-30"}
    page = client.get("/policy-pack/", period).content.decode()
    section = page[page.index('data-section="caseloads"') :]
    section = section[: section.index("</section>")]
    assert "Cora Quinn" in section and world["case_manager"].get_full_name() in section
    assert ">cora<" not in section and f">{world['case_manager'].username}<" not in section
    assert "Against the limits" in section and section.count("<td></td>") == 1  # the total's row only
    assert "within the limits" in section and "above the hard limit" in section
    text = _pdf_text(client.get("/policy-pack/pack.pdf", period).content)
    assert "Cora Quinn" in text and "Against the limits" in text
