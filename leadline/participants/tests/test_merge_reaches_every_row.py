"""A merge reaches every record (PRODUCT.md §4 rule 13, issue #15 item 4).

Every model with a foreign key, one-to-one or many-to-many to Participant is found by introspection. Each
needs a row-maker in FACTORIES (or a reason in BY_DESIGN): a new model that points at a participant and is
in neither fails the first test, so a merge cannot forget it. The second test makes one row of every such
model on the duplicate, merges, and finds nothing left on the duplicate."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, World, make_referral
from leadline.participants import services
from leadline.participants.models import BreakGlassGrant, Participant

# Fields that by design point at the duplicate after a merge, and why.
BY_DESIGN: dict[str, str] = {
    # A break-glass grant is an administrator's access to one record, opened with a written reason for
    # that record. Moving it would give the administrator the survivor's records, which nobody granted;
    # it stays with the duplicate (and on the audit trail, which the survivor's report includes).
    "participants.BreakGlassGrant.participant": (
        "an access grant for one record: moving it would widen access"
    ),
}


def participant_fields() -> list[tuple[type[models.Model], Any]]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.get_fields():
            to_participant = f.concrete and f.is_relation and f.related_model is Participant
            if to_participant and (f.many_to_one or f.one_to_one or f.many_to_many):
                found.append((model, f))
    return found


def _name(model: type[models.Model], f: Any) -> str:
    return f"{model._meta.label}.{f.name}"


def _ctx(world: World) -> dict[str, Any]:
    return {"world": world, "pm": world["program_manager"], "cm": world["case_manager"]}


def _referral(ctx: dict[str, Any], dup: Participant) -> Any:
    from leadline.referrals.models import Referral

    referral = make_referral(ctx["world"]["officer"], given_name="Lola", family_name="Vega")
    Referral.objects.filter(pk=referral.pk).update(participant=dup)
    return referral


def _consent(ctx: dict[str, Any], dup: Participant) -> Any:
    from leadline.consents.services import consent_record

    return consent_record(actor=ctx["cm"], participant=dup, kind="officer_feedback", method="verbal")[0]


def _legal_matter(ctx: dict[str, Any], dup: Participant) -> Any:
    from leadline.legal.services import matter_open

    return matter_open(actor=ctx["cm"], referral=_referral(ctx, dup), participant=dup)


def _record(kind: str, values: dict[str, Any]) -> Callable[[dict[str, Any], Participant], None]:
    def make(ctx: dict[str, Any], dup: Participant) -> None:
        from leadline.legal.records import record_add

        record_add(actor=ctx["world"]["prosecutor"], participant=dup, kind=kind, values=values)

    return make


def _now() -> Any:
    return clock.now()


def _make_status_change(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.participants.models import StatusChange

    StatusChange.objects.create(
        participant=dup,
        from_status="referred",
        to_status="engaged",
        note="met",
        changed_by=ctx["cm"],
        changed_at=_now(),
    )


def _make_alias(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.participants.models import ParticipantAlias

    ParticipantAlias.objects.create(participant=dup, name="La Flaca")


def _make_photo(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.participants.models import ParticipantPhoto

    ParticipantPhoto.objects.create(
        participant=dup, data=b"x", sha256="0" * 64, added_by=ctx["cm"], added_at=_now()
    )


def _make_earlier_duplicate(ctx: dict[str, Any], dup: Participant) -> None:
    """A record merged into the duplicate earlier: after this merge it names the survivor (no chains)."""
    earlier = ParticipantFactory.create(given_name="Dolly", family_name="Vega")
    Participant.objects.filter(pk=earlier.pk).update(merged_into=dup)


def _make_match_key(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.participants.services import participant_match_keys_refresh

    participant_match_keys_refresh(participant=dup)


def _make_disclosure(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.consents.models import Disclosure

    Disclosure.objects.create(
        disclosed_at=_now(),
        participant=dup,
        consent=_consent(ctx, dup),
        recipient=ctx["world"]["officer"],
        recipient_role="officer",
        channel="page",
    )


def _make_case_note(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.cases.services import case_note_add

    case_note_add(
        actor=ctx["cm"],
        participant=dup,
        body="Met at the pantry",
        sensitivity="general",
        idempotency_key=uuid.uuid4().hex,
    )


def _make_contact(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.cases.services import ContactInput, contact_log

    contact_log(
        actor=ctx["cm"],
        participant=dup,
        idempotency_key=uuid.uuid4().hex,
        data=ContactInput(kind="in_person", reached=True, substantive=True, occurred_at=_now()),
    )


def _make_month(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.cases.services import monthly_status_record

    monthly_status_record(
        actor=ctx["cm"],
        participant=dup,
        month=clock.today().replace(day=1),
        housing="sheltered",
        employed="no",
        income_or_benefits="no",
        expected_version=None,
    )


def _make_intake(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.cases.models import Intake

    Intake.objects.create(participant=dup, started_at=_now(), started_by=ctx["cm"])


def _make_goal(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.cases.models import PlanGoal

    PlanGoal.objects.create(
        participant=dup,
        domain="housing",
        text="A room",
        created_by=ctx["cm"],
        created_at=_now(),
        idempotency_key=uuid.uuid4().hex,
    )


def _make_service_referral(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.directory.models import ServiceReferral

    service = ctx["world"].service
    ServiceReferral.objects.create(
        participant=dup,
        service=service,
        organization=service.organization,
        reason="a room",
        requested_by=ctx["cm"],
        requested_at=_now(),
        updated_at=_now(),
        idempotency_key=uuid.uuid4().hex,
    )


def _make_thread(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.messaging.models import Thread

    Thread.objects.create(
        participant=dup, subject="Housing", started_by=ctx["pm"], created_at=_now(), last_message_at=_now()
    )


def _make_agenda_item(ctx: dict[str, Any], dup: Participant) -> None:
    from leadline.workgroup.models import AgendaItem

    AgendaItem.objects.create(
        meeting=ctx["world"].meeting, kind="inactive", participant=dup, source_key=f"inactive:{dup.pk}"
    )


def _make_break_glass(ctx: dict[str, Any], dup: Participant) -> None:
    BreakGlassGrant.objects.create(
        user=ctx["world"]["site_admin"],
        participant=dup,
        reason="court order",
        opened_at=_now(),
        expires_at=_now() + timedelta(hours=1),
    )


def _consent_rights(ctx: dict[str, Any], dup: Participant, which: str) -> Any:
    from leadline.consents import accounting

    if which == "accounting":
        return accounting.accounting_request_record(
            actor=ctx["cm"], participant=dup, requested_by_name="The participant", received_on=clock.today(),
            idempotency_key=uuid.uuid4().hex,
        )[0]  # fmt: skip
    return accounting.restriction_record(
        actor=ctx["cm"], participant=dup, categories=["status"], recipient_kind="prosecutor",
        recipient_agency=None, request_text="Not my status", requested_on=clock.today(), decision="agreed",
        reason="Asked at intake", idempotency_key=uuid.uuid4().hex,
    )[0]  # fmt: skip


def _tomorrow_at_nine() -> dict[str, str]:
    return {
        "date": (clock.today() + timedelta(days=1)).isoformat(),
        "time": "09:00",
        "court": "Rochester City Court",
    }


# One row-maker per field pointing at a participant: a new one without an entry fails the first test.
FACTORIES: dict[str, Callable[[dict[str, Any], Participant], Any]] = {
    "referrals.Referral.participant": _referral,
    "participants.Participant.merged_into": _make_earlier_duplicate,
    "participants.ParticipantMatchKey.participant": _make_match_key,
    "participants.StatusChange.participant": _make_status_change,
    "participants.ParticipantAlias.participant": _make_alias,
    "participants.ParticipantPhoto.participant": _make_photo,
    "consents.Consent.participant": _consent,
    "consents.Disclosure.participant": _make_disclosure,
    "consents.AccountingRequest.participant": lambda ctx, dup: _consent_rights(ctx, dup, "accounting"),
    "consents.DisclosureRestriction.participant": lambda ctx, dup: _consent_rights(ctx, dup, "restriction"),
    "cases.CaseNote.participant": _make_case_note,
    "cases.Contact.participant": _make_contact,
    "cases.MonthlyStatus.participant": _make_month,
    "cases.Intake.participant": _make_intake,
    "cases.PlanGoal.participant": _make_goal,
    "legal.LegalMatter.participant": _legal_matter,
    "legal.CourtCase.participant": _record(
        "case", {"docket": "CR-1", "court": "Rochester City Court", "status": "open"}
    ),
    "legal.CourtDate.participant": lambda ctx, dup: _record("court_date", _tomorrow_at_nine())(ctx, dup),
    "legal.Warrant.participant": _record(
        "warrant", {"reference": "W-1", "court": "Rochester City Court", "date": "2026-01-05"}
    ),
    "legal.NewCharge.participant": _record("new_charge", {"statute": "PL 165.40", "date": "2026-01-04"}),
    "directory.ServiceReferral.participant": _make_service_referral,
    "messaging.Thread.participant": _make_thread,
    "workgroup.AgendaItem.participant": _make_agenda_item,
    "participants.BreakGlassGrant.participant": _make_break_glass,
}


def test_every_field_pointing_at_a_participant_has_a_row_maker():
    names = {_name(m, f) for m, f in participant_fields()}
    missing = names - set(FACTORIES) - set(BY_DESIGN)
    assert not missing, f"no row-maker (FACTORIES) nor reason (BY_DESIGN) for {sorted(missing)}"
    assert not (set(FACTORIES) | set(BY_DESIGN)) - names, "an entry names a field that no longer exists"


@pytest.mark.django_db
def test_a_merge_leaves_no_row_on_the_duplicate(world):
    keep = ParticipantFactory.create(
        given_name="Dolores",
        family_name="Vega",
        date_of_birth=date(1975, 2, 2),
        case_manager=world["case_manager"],
        court_reminders=True,
        phone="+15855550111",
    )
    dup = ParticipantFactory.create(
        given_name="Lola", family_name="Vega", date_of_birth=None, case_manager=world["case_manager"]
    )
    ctx = _ctx(world)
    for make in FACTORIES.values():
        make(ctx, dup)
    fields = participant_fields()
    for model, f in fields:
        assert model._default_manager.filter(**{f.name: dup}).exists(), f"no row made for {_name(model, f)}"

    services.participant_merge(actor=world["program_manager"], duplicate=dup, survivor=keep, reason="same")

    left = {
        _name(model, f): model._default_manager.filter(**{f.name: dup}).count()
        for model, f in fields
        if _name(model, f) not in BY_DESIGN
    }
    assert {k: n for k, n in left.items() if n} == {}
    for model, f in fields:
        name = _name(model, f)
        if name in BY_DESIGN or model is Participant:
            continue
        assert model._default_manager.filter(**{f.name: keep}).exists(), (
            f"{name}: nothing reached the survivor"
        )


@pytest.mark.django_db
def test_after_a_merge_the_court_date_text_still_goes_out(world):
    """The duplicate held the court date and the opt-in (with the phone): the survivor texts the person."""
    import time_machine

    from leadline.core import sms
    from leadline.legal.models import CourtDate
    from leadline.legal.records import court_reminders_due, record_add
    from leadline.notifications.models import Delivery

    cm = world["case_manager"]
    keep = ParticipantFactory.create(given_name="Dolores", family_name="Vega", case_manager=cm)
    dup = ParticipantFactory.create(
        given_name="Lola", family_name="Vega", case_manager=cm, phone="+1 585 555 0177"
    )
    services.participant_set_court_reminders(actor=cm, participant=dup, on=True, expected_version=dup.version)
    record_add(actor=world["prosecutor"], participant=dup, kind="court_date", values=_tomorrow_at_nine())
    services.participant_merge(actor=world["program_manager"], duplicate=dup, survivor=keep, reason="same")

    court_date = CourtDate.objects.get()
    assert court_date.participant_id == keep.pk
    keep.refresh_from_db()
    assert keep.court_reminders and keep.phone == "+1 585 555 0177"
    sms.outbox.clear()
    with time_machine.travel(court_date.at - timedelta(hours=20), tick=False):
        assert court_reminders_due() == 1
    # Sent at once, or queued for the notifications' worker (issue #15 item 7): to the person's phone.
    queued = Delivery.objects.filter(channel=Delivery.Channel.SMS).values_list("to", flat=True)
    assert [m.to for m in sms.outbox] + list(queued) == ["+1 585 555 0177"]


@pytest.mark.django_db
def test_a_court_date_and_a_new_charge_held_twice_are_combined_not_lost(world):
    from leadline.audit.models import AuditEvent
    from leadline.legal.models import CourtDate, NewCharge
    from leadline.legal.records import record_add

    cm, priya = world["case_manager"], world["prosecutor"]
    keep = ParticipantFactory.create(given_name="Dolores", family_name="Vega", case_manager=cm)
    dup = ParticipantFactory.create(given_name="Lola", family_name="Vega", case_manager=cm)
    charge = {"statute": "PL 165.40", "date": "2026-01-04"}
    for p in (keep, dup):
        record_add(actor=priya, participant=p, kind="court_date", values=_tomorrow_at_nine())
        record_add(actor=priya, participant=p, kind="new_charge", values=charge)
    other_court = _tomorrow_at_nine() | {"court": "Monroe County Court"}
    record_add(actor=priya, participant=dup, kind="court_date", values=other_court)
    CourtDate.objects.filter(participant=dup, court="Rochester City Court").update(purpose="Arraignment")
    NewCharge.objects.filter(participant=dup).update(
        decision="hold", reason="in LEAD", decided_by=priya, decided_at=clock.now()
    )

    moved = services.participant_merge(
        actor=world["program_manager"], duplicate=dup, survivor=keep, reason="same"
    )

    # One hearing entered on both records is one court date, with what only the duplicate's knew.
    assert moved["combined"] == 2 and moved["court_dates"] == 1
    assert sorted(CourtDate.objects.filter(participant=keep).values_list("court", "purpose")) == [
        ("Monroe County Court", ""),
        ("Rochester City Court", "Arraignment"),
    ]
    # The prosecutor's decision on the duplicate's copy is not lost to the survivor's pending one.
    kept = NewCharge.objects.get(participant__in=[keep, dup])
    assert kept.participant_id == keep.pk and kept.decision == "hold" and kept.reason == "in LEAD"
    combined = AuditEvent.objects.filter(reason="participant merge")
    assert {e.subject_type for e in combined} == {"legal_court_date", "legal_new_charge"}
    assert all(e.participant_id == keep.pk for e in combined)
