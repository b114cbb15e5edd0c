from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.core.csvsafe import csv_cell
from leadline.participants import services
from leadline.participants.forms import AssignForm, IdentityForm, StatusForm, WhereaboutsForm
from leadline.participants.lookup import find_candidates
from leadline.participants.models import TRANSITIONS
from leadline.participants.pages import parts_context
from leadline.participants.selectors import (
    caseload_sizes,
    participant_get_for,
    participant_list_for,
    participant_reads_audit,
)


@capability_required("participant_card.view")
@require_GET
def participant_list(request: AuthedRequest) -> HttpResponse:
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


def _detail_context(request: AuthedRequest, participant_id: int, **extra: object) -> dict:
    """The participant's page: participants' own parts here, the other apps' parts from their registered
    page parts (participants.pages), then ``extra`` (a form sent back with its errors) over both."""
    view = participant_get_for(user=request.user, participant_id=participant_id)
    access = view.access
    p = view.participant
    ctx: dict = {"p": p, "access": access}
    if access.has("whereabouts.edit"):
        ctx["whereabouts_form"] = WhereaboutsForm(
            initial={"whereabouts": p.last_known_whereabouts, "version": p.version}
        )
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
            ctx["merge_candidates"] = [
                c
                for c in find_candidates(
                    given=p.given_name, family=p.family_name, dob=p.date_of_birth, limit=4
                )
                if c.pk != p.pk and c.merged_into_id is None
            ][:3]
    ctx.update(parts_context(request, view))
    if "status_form_errors" in extra:
        ctx["status_form"] = extra.pop("status_form_errors")
    ctx.update(extra)
    return ctx


def assign_form(data: dict | None = None, **initial: object) -> AssignForm:
    soft, hard = services.caseload_limits()
    return AssignForm(data, sizes=caseload_sizes(), soft=soft, hard=hard, initial=initial or None)


@login_required  # the selector decides, record by record (404), including break-glass
@require_GET
def participant_detail(request: AuthedRequest, participant_id: int) -> HttpResponse:
    return render(request, "participants/detail.html", _detail_context(request, participant_id))


@capability_required("whereabouts.edit")
@require_POST
def whereabouts_update(request: AuthedRequest, participant_id: int) -> HttpResponse:
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
def participant_export(request: AuthedRequest) -> HttpResponse:
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
