"""The participant's accounting of disclosures (42 CFR 2.25, answered as 45 CFR 164.528 says) and their
requests to restrict a disclosure (42 CFR 2.26), honoured by the one decision point (issue #15, 13b)."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from leadline.audit.models import AuditEvent
from leadline.consents import accounting
from leadline.consents.models import AccountingRequest, Disclosure, DisclosureRestriction
from leadline.consents.policy import Info, may_disclose, may_disclose_each
from leadline.consents.services import ConsentRefused
from leadline.core import clock
from leadline.demo.testing import verified_client


@pytest.fixture(autouse=True)
def _none_recorded_yet(world):
    """The shared world holds a request and a restriction for the matrix test; these tests start from none."""
    AccountingRequest.objects.all().delete()
    DisclosureRestriction.objects.all().delete()


def restrict(world, *, decision="agreed", categories=(Info.STATUS,), agency=None, kind="prosecutor"):
    made, _created = accounting.restriction_record(
        actor=world["case_manager"],
        participant=world.mine,
        categories=categories,
        recipient_kind=kind,
        recipient_agency=agency,
        request_text="Please do not tell the DA my status",
        requested_on=clock.today(),
        decision=decision,
        reason="The participant asked; nothing requires the disclosure",
        idempotency_key=uuid.uuid4().hex,
    )
    return made


def summary_page(world) -> str:
    response = verified_client(world["prosecutor"]).get(f"/summaries/{world.mine.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def status_allowed(world) -> bool:
    return may_disclose(
        recipient=world["prosecutor"], participant_ids=[world.mine.pk], info=Info.STATUS
    ).allowed(world.mine.pk)


# --- restrictions (42 CFR 2.26) ---------------------------------------------------------------------


def test_an_agreed_restriction_stops_what_a_consent_allows_and_lifting_it_restores_it(world):
    # world.part2: a signed 2.35 consent naming Priya's office for status and attendance.
    assert status_allowed(world)
    assert 'data-section="status"' in summary_page(world)
    restriction = restrict(world)
    answers = may_disclose_each(
        recipient=world["prosecutor"], participant_ids=[world.mine.pk], infos=[Info.STATUS, Info.ATTENDANCE]
    )
    assert answers[Info.STATUS].decisions[world.mine.pk].reason == "restricted"
    assert answers[Info.ATTENDANCE].allowed(world.mine.pk)  # only what the restriction names
    page = summary_page(world)
    assert 'data-section="status"' not in page and 'data-section="attendance"' in page
    shown = [d.categories for d in Disclosure.objects.filter(recipient=world["prosecutor"])]
    assert [c for c in shown if "status" in c] == [shown[-1]]  # the one before only
    accounting.restriction_lift(
        actor=world["case_manager"], restriction=restriction, reason="She asked again"
    )
    assert status_allowed(world)
    assert 'data-section="status"' in summary_page(world)
    actions = AuditEvent.objects.filter(subject_type="disclosure_restriction", subject_id=str(restriction.pk))
    assert sorted(actions.values_list("action", flat=True)) == ["create", "update"]


def test_a_refused_restriction_or_one_naming_another_organisation_changes_nothing(world):
    from leadline.accounts.models import Agency

    other_da = Agency.objects.create(name="Another DA", kind=Agency.Kind.PROSECUTOR)
    restrict(world, decision="refused")
    restrict(world, agency=other_da)
    restrict(world, kind="provider")
    assert status_allowed(world)


def test_a_restriction_naming_the_organisation_applies_to_it(world):
    restrict(world, agency=world["prosecutor"].agency)
    assert not status_allowed(world)


def test_a_restriction_without_a_reason_is_refused_naming_the_field_and_nothing_is_written(world):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{world.mine.pk}/consents/restrictions/",
        {
            "categories": ["status"],
            "recipient_kind": "prosecutor",
            "request_text": "Not my status",
            "requested_on": clock.today().isoformat(),
            "decision": "agreed",
            "decision_reason": "",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 400
    assert 'id="restrict_decision_reason_error"' in response.content.decode()
    assert not DisclosureRestriction.objects.exists()
    with pytest.raises(ConsentRefused) as refused:
        restrict(world, categories=())
    assert refused.value.field == "categories"


def test_the_restriction_page_records_and_lifts(world):
    client = verified_client(world["case_manager"])
    base = f"/participants/{world.mine.pk}/consents"
    response = client.post(
        f"{base}/restrictions/",
        {
            "categories": ["status"],
            "recipient_kind": "prosecutor",
            "request_text": "Not my status",
            "requested_on": clock.today().isoformat(),
            "decision": "agreed",
            "decision_reason": "Agreed at intake",
            "idempotency_key": "r-1",
        },
    )
    assert response.status_code == 302
    assert not status_allowed(world)
    restriction = DisclosureRestriction.objects.get()
    assert client.post(f"{base}/restrictions/{restriction.pk}/lift/", {"reason": ""}).status_code == 400
    assert (
        client.post(f"{base}/restrictions/{restriction.pk}/lift/", {"reason": "She asked"}).status_code == 302
    )
    assert status_allowed(world)


# --- the accounting (42 CFR 2.25) -------------------------------------------------------------------


def record(world, **overrides) -> AccountingRequest:
    fields = dict(
        actor=world["case_manager"],
        participant=world.mine,
        requested_by_name="Marisol Vega",
        received_on=clock.today(),
        idempotency_key=uuid.uuid4().hex,
    )
    fields.update(overrides)
    made, _created = accounting.accounting_request_record(**fields)
    return made


def test_a_request_covers_three_years_and_is_due_in_60_days(world):
    made = record(world)
    today = clock.today()
    assert made.period_end == today and made.period_start == accounting.years_before(today, 3)
    assert made.due_on == today + timedelta(days=60) and made.answered_at is None
    assert (
        AuditEvent.objects.filter(
            subject_type="accounting_request", subject_id=str(made.pk), action="create"
        ).count()
        == 1
    )
    shorter = record(world, period_start=today - timedelta(days=90))
    assert shorter.period_start == today - timedelta(days=90)
    assert accounting.years_before(date(2024, 2, 29), 3) == date(2021, 2, 28)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"period_start": date(2000, 1, 1)}, "period_start"),
        ({"received_on": date(2999, 1, 1)}, "received_on"),
        ({"requested_by_name": " "}, "requested_by_name"),
    ],
)
def test_a_request_outside_the_rule_is_refused_naming_the_field(world, overrides, field):
    with pytest.raises(ConsentRefused) as refused:
        record(world, **overrides)
    assert refused.value.field == field
    assert not AccountingRequest.objects.exists()


def test_the_page_refuses_a_period_over_three_years_with_the_fields_message(world):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{world.mine.pk}/consents/accounting/new/",
        {
            "requested_by_name": "Marisol",
            "received_on": clock.today().isoformat(),
            "period_start": "2001-01-01",
            "idempotency_key": "a-1",
        },
    )
    assert response.status_code == 400
    assert 'id="acct_period_start_error"' in response.content.decode()
    assert not AccountingRequest.objects.exists()


def test_the_answer_may_be_put_off_once_by_30_days_with_a_reason_told_in_writing(world):
    made = record(world)
    with pytest.raises(ConsentRefused) as refused:
        accounting.accounting_request_extend(
            actor=world["case_manager"], request=made, reason="late", told_on=clock.today()
        )
    assert refused.value.field == "reason"
    with pytest.raises(ConsentRefused) as refused:
        accounting.accounting_request_extend(
            actor=world["case_manager"],
            request=made,
            reason="Records from the old system are being checked",
            told_on=clock.today() + timedelta(days=1),
        )
    assert refused.value.field == "told_on"
    extended = accounting.accounting_request_extend(
        actor=world["case_manager"],
        request=made,
        reason="Records from the old system are being checked",
        told_on=clock.today(),
    )
    assert extended.due_on == clock.today() + timedelta(days=90)
    with pytest.raises(ConsentRefused):
        accounting.accounting_request_extend(
            actor=world["case_manager"],
            request=extended,
            reason="Records from the old system are being checked",
            told_on=clock.today(),
        )


def test_the_accounting_lists_every_disclosure_in_the_period_and_is_marked_answered(world):
    summary_page(world)  # Priya reads Marisol's summary under the 2.35 consent: one disclosure
    summary_page(world)  # and again: the same recipient, information and purpose, counted
    old = Disclosure.objects.create(
        disclosed_at=clock.now() - timedelta(days=4 * 365),
        participant=world.mine,
        consent=world.part2,
        recipient=world["prosecutor"],
        recipient_role="prosecutor",
        categories=["status"],
        channel="page",
    )
    made = record(world)
    client = verified_client(world["case_manager"])
    base = f"/participants/{world.mine.pk}/consents/accounting/{made.pk}/"
    page = client.get(base).content.decode()
    prosecutor = world["prosecutor"]
    assert page.count("data-accounting-row>") == 1  # the four-year-old one is outside the period
    assert prosecutor.get_full_name() in page and prosecutor.agency.name in page
    assert world.part2.purpose in page and str(Info.STATUS.label) in page and "(2 times)" in page
    assert old.pk  # kept, just not listed
    pdf = client.get(base + "accounting.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert prosecutor.get_full_name() in text and world.part2.purpose in text
    assert client.post(base + "answer/").status_code == 302
    made.refresh_from_db()
    assert made.answered_at is not None and made.answered_by == world["case_manager"]
    assert made.disclosures_listed == 2
    assert AuditEvent.objects.filter(
        subject_type="accounting_request", subject_id=str(made.pk), action="export"
    ).exists()


def test_the_accounting_is_in_the_participants_language(world):
    type(world.mine).objects.filter(pk=world.mine.pk).update(language="es")
    world.mine.refresh_from_db()
    summary_page(world)
    made = record(world)
    assert made.language == "es"
    client = verified_client(world["case_manager"])
    base = f"/participants/{world.mine.pk}/consents/accounting/{made.pk}/"
    page = client.get(base).content.decode()
    assert 'lang="es"' in page and "Destinatario" in page
    text = pdf_text(client.get(base + "accounting.pdf").content)
    assert "Registro de divulgaciones" in text


def test_open_requests_reach_the_program_manager_and_only_the_participants_case_manager(world):
    made = record(world)
    listing = verified_client(world["program_manager"]).get("/disclosure-requests/").content.decode()
    assert f'data-accounting-request="{made.pk}"' in listing
    casey = verified_client(world.casey).get("/disclosure-requests/").content.decode()
    assert f'data-accounting-request="{made.pk}"' not in casey
    mine = verified_client(world["case_manager"]).get("/disclosure-requests/").content.decode()
    assert f'data-accounting-request="{made.pk}"' in mine
    detail = verified_client(world["case_manager"]).get(f"/participants/{world.mine.pk}/").content.decode()
    assert "data-accounting-open" in detail
    home = verified_client(world["case_manager"]).get("/").content.decode()
    assert f'data-work="accounting_request:{made.pk}"' in home and f"/accounting/{made.pk}/" in home


@pytest.mark.parametrize("persona", ["officer", "prosecutor", "defender", "provider_staff", "evaluator"])
def test_nobody_outside_the_program_reaches_the_accounting(world, persona):
    made = record(world)
    client = verified_client(world[persona])
    base = f"/participants/{world.mine.pk}/consents/accounting/"
    assert client.get(base).status_code == 403
    assert client.get(f"{base}{made.pk}/accounting.pdf").status_code == 403
    assert client.get("/disclosure-requests/").status_code == 403


def test_the_lists_and_the_accounting_run_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for n in range(6):
        record(world, requested_by_name=f"Asker {n}")
        summary_page(world)
    made = record(world)
    pm = verified_client(world["program_manager"])
    with django_assert_max_num_queries(20):
        assert pm.get("/disclosure-requests/").status_code == 200
    base = f"/participants/{world.mine.pk}/consents/accounting/"
    with django_assert_max_num_queries(30):
        assert pm.get(base).status_code == 200
    with django_assert_max_num_queries(30):
        assert pm.get(f"{base}{made.pk}/").status_code == 200
