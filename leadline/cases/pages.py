"""Cases' part of the participant's page (registered in participants.pages from CasesConfig.ready()):
the notes and the note form, whether the intake is done, the contacts with the contact and outreach attempt
forms, and the monthly status with its form; and the rules of the header's next step that cases knows.
Each only for a reader whose access to this participant allows it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from leadline.cases.forms import CaseNoteForm, ContactForm, MonthlyStatusForm
from leadline.cases.models import MonthlyStatus, PlanItem
from leadline.cases.selectors import (
    CONTACT_DUE_DAYS,
    case_note_list_for,
    contact_list_for,
    intake_completed_on,
)
from leadline.core import clock
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.pages import NextStep, register_next_step, register_part
from leadline.participants.selectors import ParticipantView


def case_part(request: HttpRequest, view: ParticipantView) -> dict[str, Any]:
    access = view.access
    p = view.participant
    ctx: dict[str, Any] = {"notes": None, "note_form": None}
    if access.note_sensitivities_visible:
        ctx["notes"] = list(case_note_list_for(view=view)[:50])
    if access.note_sensitivities_writable:
        ctx["note_form"] = CaseNoteForm(
            writable=access.note_sensitivities_writable, initial={"idempotency_key": uuid.uuid4().hex}
        )
    if access.has("case_notes.view"):
        ctx["intake_done"] = intake_completed_on(p)
    if access.has("contact.view"):
        ctx["contacts"] = contact_list_for(view=view)
    if access.has("contact.edit"):
        ctx["contact_form"] = contact_form_for(view, "contact")
        ctx["outreach_form"] = contact_form_for(view, "outreach")
    if access.has("monthly_status.view"):
        ctx["monthly"] = list(p.monthly_statuses.select_related("recorded_by")[:12])
    if access.has("monthly_status.edit"):
        # The month the header's next step names (?month=2026-11), else this month.
        this_month = _month_asked(request) or clock.today().replace(day=1)
        current = next((m for m in ctx.get("monthly", []) if m.month == this_month), None)
        ctx["monthly_form"] = MonthlyStatusForm(
            initial={
                "month": this_month,
                "housing": current.housing if current else "unknown",
                "employed": current.employed if current else "unknown",
                "income_or_benefits": current.income_or_benefits if current else "unknown",
                "version": current.version if current else None,
            }
        )
    return ctx


def contact_form_for(view: ParticipantView, which: str, data: Any = None) -> ContactForm:
    """The contact form ("contact": reached in person by default) or the outreach attempt's ("outreach":
    looked for them, not reached, and the place where they looked becomes the last known whereabouts),
    with the fields this reader may fill."""
    access = view.access
    outreach = which == "outreach"
    return ContactForm(
        data,
        place=access.has("contact_locations.edit"),
        summary=access.has("case_notes.edit"),
        whereabouts=access.has("whereabouts.edit"),
        which=which,
        initial=None if data is not None else {
            "idempotency_key": uuid.uuid4().hex,
            "kind": "outreach" if outreach else "in_person",
            "reached": "no" if outreach else "yes",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "update_whereabouts": outreach,
            "form": which,
        },
    )  # fmt: skip


def _month_asked(request: HttpRequest) -> date | None:
    """``?month=YYYY-MM`` (a machine value: the next step's link), within the months one may record."""
    raw = request.GET.get("month", "")
    try:
        month = datetime.strptime(raw, "%Y-%m").date() if len(raw) == 7 else None
    except ValueError:
        return None
    today = clock.today()
    if month is None or month > today or (today.year - month.year) * 12 + today.month - month.month > 24:
        return None
    return month


register_part("cases", case_part)


# The header's next step (participants.pages.register_next_step), first that applies; each reads the
# participant's own columns or one small query, and only for a reader who could do it.


def _open(view: ParticipantView) -> bool:
    return view.participant.status in CASELOAD_STATUSES and view.participant.merged_into_id is None


def _intake_due(request: HttpRequest, view: ParticipantView) -> NextStep | None:
    p = view.participant
    if not _open(view) or p.status != Participant.Status.REFERRED:
        return None
    since = clock.local_date(p.created_at).isoformat()
    if view.access.has("case_notes.edit"):
        return NextStep(
            "intake", _("Referred on %(d)s: the intake is not done yet.") % {"d": since},
            _("Do the intake"), reverse("cases:intake", args=[p.pk]),
        )  # fmt: skip
    if view.access.has("contact.edit"):  # outreach finds referred people who have not come in
        return NextStep(
            "outreach", _("Referred on %(d)s and not yet engaged.") % {"d": since},
            _("Log an outreach attempt"), "#outreach-form",
        )  # fmt: skip
    return None


def _not_reached(request: HttpRequest, view: ParticipantView) -> NextStep | None:
    p = view.participant
    if not _open(view) or p.status == Participant.Status.REFERRED or not view.access.has("contact.edit"):
        return None
    if p.last_reached_at is not None and p.last_reached_at >= clock.now() - timedelta(days=CONTACT_DUE_DAYS):
        return None
    text = (
        _("Not reached since %(d)s.") % {"d": clock.local_date(p.last_reached_at).isoformat()}
        if p.last_reached_at
        else _("Not reached yet.")
    )
    return NextStep("outreach", text, _("Log an outreach attempt"), "#outreach-form")


def _monthly_due(request: HttpRequest, view: ParticipantView) -> NextStep | None:
    p = view.participant
    if not _open(view) or p.status == Participant.Status.REFERRED:
        return None
    if not view.access.has("monthly_status.edit"):
        return None
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    if MonthlyStatus.objects.filter(participant=p, month=last_month).exists():
        return None
    month = last_month.strftime("%Y-%m")
    return NextStep(
        "monthly", _("The status for %(m)s is not recorded.") % {"m": month},
        _("Record the month"), f"?month={month}#monthly-form",
    )  # fmt: skip


def _step_due(request: HttpRequest, view: ParticipantView) -> NextStep | None:
    if not _open(view) or not view.access.has("case_notes.edit"):
        return None
    due = (
        PlanItem.objects.filter(
            goal__participant=view.participant, done_at__isnull=True, due_on__isnull=False,
            due_on__lte=clock.today() + timedelta(days=3),
        ).order_by("due_on").values_list("due_on", flat=True).first()
    )  # fmt: skip
    if due is None:
        return None
    # The date only: the step's words belong to its goal's domain (health, Part 2) and stay on the plan.
    return NextStep(
        "plan_step", _("A plan step is due on %(d)s.") % {"d": due.isoformat()}, _("Open the plan"),
        reverse("cases:plan", args=[view.participant.pk]),
    )  # fmt: skip


def _log_a_contact(request: HttpRequest, view: ParticipantView) -> NextStep | None:
    if not _open(view) or not view.access.has("contact.edit"):
        return None
    return NextStep("contact", _("Nothing is due."), _("Log a contact"), "#contact-form")


register_next_step("cases.intake", 10, _intake_due)
register_next_step("cases.not_reached", 20, _not_reached)
register_next_step("cases.monthly", 30, _monthly_due)
register_next_step("cases.plan_step", 40, _step_due)
register_next_step("cases.contact", 900, _log_a_contact)
