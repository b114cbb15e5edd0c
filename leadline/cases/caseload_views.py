"""Status without fail-out, assignment and transfer within the caseload limits, and the caseloads page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.cases.forms import CaseloadMoveForm
from leadline.cases.selectors import caseload_overview
from leadline.core import refusals
from leadline.participants import services
from leadline.participants.forms import StatusForm
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.selectors import caseload_sizes, participant_get_for, participant_reads_audit
from leadline.participants.views import _detail_context, assign_form, back_to_section


@capability_required("participant_record.edit")
@require_POST
def status_change(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.has("participant_record.edit"):
        raise Http404
    participant = view.participant
    form = StatusForm(request.POST, current=participant.status)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            _p, note = services.participant_status_change(
                actor=request.user, participant=participant, to=d["to"], note=d["note"],
                exit_reason=d["exit_reason"], expected_version=d["version"],
            )  # fmt: skip
        except services.StaleEdit:
            form.add_error(None, _("Someone else changed this record while you were editing. "
                                   "The current status is shown; choose again."))  # fmt: skip
            status = 409
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            notes = [("success", _("Status changed."))] + ([("warning", note)] if note else [])
            return back_to_section(request, participant_id, "plan", *notes)  # stay where the form was
    ctx = _detail_context(request, participant_id, status_form_errors=form)
    return render(request, "participants/detail.html", ctx, status=status)


@capability_required("caseload.edit")
@require_POST
def assign(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    form = assign_form(request.POST)
    status = 400
    before = view.participant.case_manager
    if form.is_valid():
        d = form.cleaned_data
        try:
            _p, warning = services.caseload_assign(
                actor=request.user, participant=view.participant, case_manager=d["case_manager"],
                reason=d["reason"], expected_version=d["version"],
            )  # fmt: skip
        except services.StaleEdit:
            form.add_error(None, _("Someone else changed this record while you were editing. Choose again."))
            status = 409
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            notes = [("success", assigned_message(before, d["case_manager"]))]
            notes += [("warning", warning)] if warning else []
            return back_to_section(request, participant_id, "overview", *notes)  # stay where the form was
    ctx = _detail_context(request, participant_id, assign_form=form)
    return render(request, "participants/detail.html", ctx, status=status)


def assigned_message(before: User | None, after: User) -> str:
    """What the program manager is told: a transfer names both case managers, a first assignment one."""
    if before is None:
        return _("Case assigned to %(to)s.") % {"to": after.get_full_name() or after.username}
    return _("Case moved from %(from)s to %(to)s.") % {
        "from": before.get_full_name() or before.username,
        "to": after.get_full_name() or after.username,
    }


@capability_required("caseload.view")
@require_GET
def caseloads(request: AuthedRequest) -> HttpResponse:
    """Every caseload (program manager) or one's own (case manager): size against the limits, by status,
    and who waits for intake longest; plus the participants waiting for a case manager."""
    soft, hard = services.caseload_limits()
    everyone = caseload_overview(user=request.user)
    page = Paginator(everyone, 50).get_page(request.GET.get("page"))
    waiting: list[Participant] = []
    move = move_form() if policy.can(request.user, "caseload.edit") else None
    if policy.scope_of(request.user, "caseload.view") is Scope.ALL:
        waiting = list(
            Participant.objects.filter(status__in=CASELOAD_STATUSES, case_manager__isnull=True).order_by(
                "created_at"
            )[:50]
        )
        participant_reads_audit(user=request.user, participants=waiting, action=AuditEvent.Action.LIST)
    return render(
        request,
        "cases/caseloads.html",
        {
            "rows": page.object_list,
            "page": page,
            "soft": soft,
            "hard": hard,
            "waiting": waiting,
            "move": move,
        },
    )


def move_form(data: Any = None) -> CaseloadMoveForm:
    _soft, hard = services.caseload_limits()
    managers = policy.users_with_capability("caseload.view", scope=Scope.CASELOAD).order_by(
        "last_name", "first_name"
    )
    return CaseloadMoveForm(data, managers=managers, sizes=caseload_sizes(), hard=hard)


@capability_required("caseload.edit")
@require_POST
def caseload_move(request: AuthedRequest) -> HttpResponse:
    """Move a whole caseload to another case manager (participants.services.caseload_move_all): all or
    nothing, within the hard limit; a second submit moves nothing more and says so."""
    form = move_form(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            moved, warning = services.caseload_move_all(
                actor=request.user, from_manager=d["from_manager"], to_manager=d["to_manager"],
                reason=d["reason"],
            )  # fmt: skip
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            names = {
                "from": d["from_manager"].get_full_name(),
                "to": d["to_manager"].get_full_name(),
                "n": moved,
            }
            if moved:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s participant moved from %(from)s to %(to)s.",
                        "%(n)s participants moved from %(from)s to %(to)s.",
                        moved,
                    )
                    % names,
                )
            else:
                messages.info(request, _("%(from)s has no participants left to move.") % names)
            if warning:
                messages.warning(request, warning)
            return redirect("cases:caseloads")
    soft, hard = services.caseload_limits()
    page = Paginator(caseload_overview(user=request.user), 50).get_page(1)
    return render(
        request,
        "cases/caseloads.html",
        {"rows": page.object_list, "page": page, "soft": soft, "hard": hard, "waiting": [], "move": form},
        status=400,
    )
