"""Status without fail-out, assignment and transfer within the caseload limits, and the caseloads page."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.cases.selectors import caseload_overview
from leadline.core import refusals
from leadline.participants import services
from leadline.participants.forms import StatusForm
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.selectors import participant_get_for, participant_reads_audit
from leadline.participants.views import _detail_context, assign_form


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
            messages.success(request, _("Status changed."))
            if note:
                messages.warning(request, note)
            return redirect("participants:detail", participant_id=participant_id)
    ctx = _detail_context(request, participant_id, status_form_errors=form)
    return render(request, "participants/detail.html", ctx, status=status)


@capability_required("caseload.edit")
@require_POST
def assign(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    form = assign_form(request.POST)
    status = 400
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
            messages.success(request, _("Case assigned."))
            if warning:
                messages.warning(request, warning)
            return redirect("participants:detail", participant_id=participant_id)
    ctx = _detail_context(request, participant_id, assign_form=form)
    return render(request, "participants/detail.html", ctx, status=status)


@capability_required("caseload.view")
@require_GET
def caseloads(request: AuthedRequest) -> HttpResponse:
    """Every caseload (program manager) or one's own (case manager): size against the limits, by status,
    and who waits for intake longest; plus the participants waiting for a case manager."""
    soft, hard = services.caseload_limits()
    everyone = caseload_overview(user=request.user)
    page = Paginator(everyone, 50).get_page(request.GET.get("page"))
    waiting: list[Participant] = []
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
        {"rows": page.object_list, "page": page, "soft": soft, "hard": hard, "waiting": waiting},
    )
