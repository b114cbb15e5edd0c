"""Cases' part of the participant's page (registered in participants.pages from CasesConfig.ready()):
the notes and the note form, whether the intake is done, the contacts and the quick contact form, and the
monthly status with its form. Each only for a reader whose access to this participant allows it."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from leadline.cases.forms import CaseNoteForm, ContactForm, MonthlyStatusForm
from leadline.cases.selectors import case_note_list_for, contact_list_for, intake_completed_on
from leadline.core import clock
from leadline.participants.pages import register_part
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
        ctx["contact_form"] = ContactForm(
            place=access.has("contact_locations.edit"),
            summary=access.has("case_notes.edit"),
            initial={
                "idempotency_key": uuid.uuid4().hex,
                "kind": "in_person",
                "reached": "yes",
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            },
        )
    if access.has("monthly_status.view"):
        ctx["monthly"] = list(p.monthly_statuses.select_related("recorded_by")[:12])
    if access.has("monthly_status.edit"):
        this_month = clock.today().replace(day=1)
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


register_part("cases", case_part)
