from __future__ import annotations

import csv
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import capability_required
from leadline.audit.models import AuditEvent
from leadline.cases import services as case_services
from leadline.cases.selectors import case_note_list_for, contact_list_for, intake_completed_on
from leadline.core import clock
from leadline.core.csvsafe import csv_cell
from leadline.messaging.policy import program_may_start
from leadline.participants import services
from leadline.participants.forms import (
    AssignForm,
    CaseNoteForm,
    ContactForm,
    IdentityForm,
    MonthlyStatusForm,
    StatusForm,
    WhereaboutsForm,
)
from leadline.participants.models import TRANSITIONS
from leadline.participants.selectors import (
    caseload_sizes,
    participant_get_for,
    participant_list_for,
    participant_reads_audit,
)


@capability_required("participant_card.view")
@require_GET
def participant_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100].replace("\x00", "")  # PostgreSQL text holds no NUL: a 500 otherwise
    mine = request.GET.get("mine") == "1"
    page = Paginator(participant_list_for(user=request.user, q=q, caseload_only=mine), 25).get_page(
        request.GET.get("page")
    )
    participant_reads_audit(
        user=request.user,
        participants=list(page.object_list),
        action=AuditEvent.Action.SEARCH if q else AuditEvent.Action.LIST,
    )
    return render(
        request,
        "participants/list.html",
        {
            "page": page,
            "q": q,
            "mine": mine,
            "can_create": policy.can(request.user, "participant_record.edit"),
        },
    )


def _detail_context(request: HttpRequest, participant_id: int, **extra: object) -> dict:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    access = view.access
    ctx: dict = {"p": view.participant, "access": access, "notes": None, "note_form": None}
    # Threads about the participant (issue #8): the program starts them.
    ctx["may_message"] = program_may_start(request.user, view.participant, access)
    if access.note_sensitivities_visible:
        ctx["notes"] = list(case_note_list_for(view=view)[:50])
    if access.note_sensitivities_writable:
        ctx["note_form"] = CaseNoteForm(
            writable=access.note_sensitivities_writable, initial={"idempotency_key": uuid.uuid4().hex}
        )
    if access.has("whereabouts.edit"):
        ctx["whereabouts_form"] = WhereaboutsForm(
            initial={
                "whereabouts": view.participant.last_known_whereabouts,
                "version": view.participant.version,
            }
        )
    p = view.participant
    alias_names = (
        list(p.aliases.values_list("name", flat=True)) if access.has("participant_record.view") else []
    )
    if access.has("participant_record.edit"):
        ctx["identity_form"] = IdentityForm(
            initial={
                "given_name": p.given_name, "family_name": p.family_name, "preferred_name": p.preferred_name,
                "date_of_birth": p.date_of_birth, "phone": p.phone, "language": p.language,
                "aliases": "\n".join(alias_names), "version": p.version,
            }
        )  # fmt: skip
    if access.has("participant_record.view"):
        ctx["aliases"] = alias_names
        ctx["status_history"] = list(p.status_changes.select_related("changed_by")[:20])
    if access.has("participant_record.edit") and p.status in TRANSITIONS:
        ctx["status_form"] = StatusForm(current=p.status, initial={"version": p.version})
    if policy.can(request.user, "caseload.edit"):
        ctx["assign_form"] = assign_form(version=p.version)
        if p.merged_into_id is None:
            from leadline.participants.lookup import find_candidates

            ctx["merge_candidates"] = [
                c
                for c in find_candidates(
                    given=p.given_name, family=p.family_name, dob=p.date_of_birth, limit=4
                )
                if c.pk != p.pk and c.merged_into_id is None
            ][:3]
    if policy.can(request.user, "legal_clock.view"):
        from leadline.legal.selectors import clocks_for_participants

        ctx["legal_clocks"] = clocks_for_participants(user=request.user, participant_ids=[p.pk]).get(p.pk, [])
        ctx["may_open_matters"] = policy.can(request.user, "legal_matter.view")
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
        current = next((m for m in ctx["monthly"] if m.month == this_month), None)
        ctx["monthly_form"] = MonthlyStatusForm(
            initial={
                "month": this_month,
                "housing": current.housing if current else "unknown",
                "employed": current.employed if current else "unknown",
                "income_or_benefits": current.income_or_benefits if current else "unknown",
                "version": current.version if current else None,
            }
        )
    if access.has("consent.view"):
        from leadline.consents.forms import ConsentForm, RevokeForm
        from leadline.consents.selectors import accounting_open_for_participant, consent_list_for_participant

        ctx["consents"] = consent_list_for_participant(participant_id=view.participant.pk)
        ctx["accounting_open"] = accounting_open_for_participant(participant_id=view.participant.pk)
        if access.has("consent.edit"):
            open_kinds = {c.kind for c in ctx["consents"] if c.ended_at is None}
            if "officer_feedback" not in open_kinds and not view.participant.merged_into_id:
                ctx["consent_form"] = ConsentForm(
                    initial={"kind": "officer_feedback", "method": "verbal", "housed": True}
                )
            ctx["revoke_form"] = RevokeForm()
    if "status_form_errors" in extra:
        ctx["status_form"] = extra.pop("status_form_errors")
    ctx.update(extra)
    return ctx


def assign_form(data: dict | None = None, **initial: object) -> AssignForm:
    soft, hard = services.caseload_limits()
    return AssignForm(data, sizes=caseload_sizes(), soft=soft, hard=hard, initial=initial or None)


@login_required  # the selector decides, record by record (404), including break-glass
@require_GET
def participant_detail(request: HttpRequest, participant_id: int) -> HttpResponse:
    return render(request, "participants/detail.html", _detail_context(request, participant_id))


@capability_required("case_notes.edit")
@require_POST
def case_note_add(request: HttpRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.note_sensitivities_writable:
        raise Http404
    form = CaseNoteForm(request.POST, writable=view.access.note_sensitivities_writable)
    if not form.is_valid():
        ctx = _detail_context(request, participant_id, note_form=form)
        return render(request, "participants/detail.html", ctx, status=400)
    try:
        _note, created = case_services.case_note_add(
            actor=request.user, participant=view.participant, **form.cleaned_data
        )
    except (case_services.NotAllowed, case_services.IdempotencyConflict) as exc:
        if isinstance(exc, case_services.IdempotencyConflict):
            form.add_error(None, _("This form was already used for another note. Write the note again."))
        else:
            form.add_error(
                "sensitivity", _("You may not write notes of this sensitivity for this participant.")
            )
        return render(
            request,
            "participants/detail.html",
            _detail_context(request, participant_id, note_form=form),
            status=400,
        )
    messages.success(request, _("Note saved.") if created else _("This note was already saved."))
    return redirect("participants:detail", participant_id=participant_id)


@capability_required("whereabouts.edit")
@require_POST
def whereabouts_update(request: HttpRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.has("whereabouts.edit"):
        raise Http404
    form = WhereaboutsForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "participants/detail.html",
            _detail_context(request, participant_id, whereabouts_form=form),
            status=400,
        )
    try:
        services.participant_update_whereabouts(
            actor=request.user,
            participant=view.participant,
            whereabouts=form.cleaned_data["whereabouts"],
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleEdit:
        form.add_error(
            None,
            _(
                "Someone else changed this record while you were editing. "
                "Their version is shown below; make your change again."
            ),
        )
        fresh = _detail_context(request, participant_id)
        fresh["whereabouts_conflict"] = form
        return render(request, "participants/detail.html", fresh, status=409)
    except services.NotAllowed as exc:
        raise Http404 from exc
    messages.success(request, _("Whereabouts updated."))
    return redirect("participants:detail", participant_id=participant_id)


@capability_required("participant_export.view")
@require_GET
def participant_export(request: HttpRequest) -> HttpResponse:
    """CSV of the participants the user may list: identity and status only, never notes or whereabouts."""
    rows = list(participant_list_for(user=request.user))
    participant_reads_audit(user=request.user, participants=rows, action=AuditEvent.Action.EXPORT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="participants.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "given_name", "family_name", "status", "case_manager"])
    for p in rows:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    p.pk,
                    p.given_name,
                    p.family_name,
                    p.status,
                    p.case_manager.get_full_name() if p.case_manager else "",
                )
            ]
        )
    return response
