"""The participant's accounting of disclosures (42 CFR 2.25) and restrictions (42 CFR 2.26): one page per
participant for their case manager and the program manager, the accounting itself as a page and a PDF in
the participant's language, and the program's list of requests still to answer."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents import accounting
from leadline.consents.forms import (
    AccountingExtendForm,
    AccountingRequestForm,
    RestrictionForm,
    RestrictionLiftForm,
)
from leadline.consents.models import AccountingRequest, DisclosureRestriction
from leadline.consents.pdf import accounting_pdf as render_pdf
from leadline.consents.selectors import _today
from leadline.consents.views import _load
from leadline.core import refusals
from leadline.participants.selectors import ParticipantView


def _request(view: ParticipantView, request_id: int) -> AccountingRequest:
    found = AccountingRequest.objects.filter(pk=request_id, participant=view.participant).first()
    if found is None:
        raise Http404
    return found


def _page(request: HttpRequest, view: ParticipantView, status: int = 200, **forms: Any) -> HttpResponse:
    p = view.participant
    editable = view.access.has("consent.edit")
    requests = accounting.accounting_requests_for(participant=p)
    restrictions = accounting.restrictions_for(participant=p)
    today = _today()
    for r in requests:
        r.overdue = r.answered_at is None and r.due_on < today  # type: ignore[attr-defined]
    ctx: dict[str, Any] = {"p": p, "access": view.access, "requests": requests, "restrictions": restrictions}
    if editable:
        ctx["request_form"] = forms.get("request_form") or AccountingRequestForm(
            initial={
                "requested_by_name": f"{p.given_name} {p.family_name}".strip(),
                "received_on": today,
                "idempotency_key": uuid.uuid4().hex,
            }
        )
        ctx["restriction_form"] = forms.get("restriction_form") or RestrictionForm(
            initial={"requested_on": today, "idempotency_key": uuid.uuid4().hex}
        )
        failed = forms.get("lift_form")
        for restriction in restrictions:
            if restriction.in_force:
                restriction.lift_form = (  # type: ignore[attr-defined]
                    failed
                    if failed is not None and failed.restriction_id == restriction.pk
                    else RestrictionLiftForm(auto_id=f"lift{restriction.pk}_%s")
                )
    return render(request, "consents/accounting.html", ctx, status=status)


@capability_required("consent.view")
@require_GET
def accounting_page(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.view", "accounting of disclosures")
    return _page(request, view)


@capability_required("consent.edit")
@require_POST
def accounting_request_new(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "accounting of disclosures")
    form = AccountingRequestForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            made, created = accounting.accounting_request_record(
                actor=request.user,
                participant=view.participant,
                requested_by_name=data["requested_by_name"],
                requester_relationship=data["requester_relationship"],
                received_on=data["received_on"],
                period_start=data["period_start"],
                idempotency_key=data["idempotency_key"],
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 for a conflict (a form key used for another participant)
        else:
            if created:
                messages.success(
                    request,
                    _("Request recorded. The answer is due by %(date)s.") % {"date": made.due_on.isoformat()},
                )
            return redirect("consents:accounting_report", participant_id=participant_id, request_id=made.pk)
    return _page(request, view, status=status, request_form=form)


def _report(
    request: HttpRequest,
    view: ParticipantView,
    req: AccountingRequest,
    status: int = 200,
    extend_form: Any = None,
) -> HttpResponse:
    rows = accounting.accounting_rows(req)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        subject_type="accounting_request",
        subject_id=req.pk,
        participant_id=req.participant_id,
        reason="accounting of disclosures read",
    )
    ctx: dict[str, Any] = {
        "p": view.participant,
        "req": req,
        "rows": rows,
        "access": view.access,
        "total": sum(r.count for r in rows),
        "overdue": req.answered_at is None and req.due_on < _today(),
    }
    if view.access.has("consent.edit") and req.answered_at is None and req.extended_at is None:
        ctx["extend_form"] = extend_form or AccountingExtendForm()
    return render(request, "consents/accounting_report.html", ctx, status=status)


@capability_required("consent.view")
@require_GET
@never_cache
def accounting_report(request: AuthedRequest, participant_id: int, request_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.view", "accounting of disclosures")
    return _report(request, view, _request(view, request_id))


@capability_required("consent.view")
@require_GET
@never_cache
def accounting_pdf(request: AuthedRequest, participant_id: int, request_id: int) -> HttpResponse:

    view = _load(request, participant_id, "consent.view", "accounting of disclosures printed")
    req = _request(view, request_id)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        subject_type="accounting_request",
        subject_id=req.pk,
        participant_id=req.participant_id,
        reason="accounting of disclosures printed",
    )
    response = HttpResponse(render_pdf(req, accounting.accounting_rows(req)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="accounting-of-disclosures-{req.pk}.pdf"'
    return response


@capability_required("consent.edit")
@require_POST
def accounting_answer(request: AuthedRequest, participant_id: int, request_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "accounting of disclosures")
    req = _request(view, request_id)
    try:
        accounting.accounting_request_answer(actor=request.user, request=req)
    except refusals.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as answered. Give the participant the printed accounting."))
    return redirect("consents:accounting_report", participant_id=participant_id, request_id=req.pk)


@capability_required("consent.edit")
@require_POST
def accounting_extend(request: AuthedRequest, participant_id: int, request_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "accounting of disclosures")
    req = _request(view, request_id)
    form = AccountingExtendForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            accounting.accounting_request_extend(
                actor=request.user,
                request=req,
                reason=form.cleaned_data["reason"],
                told_on=form.cleaned_data["told_on"],
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 for a conflict (a form key used for another participant)
        else:
            messages.success(request, _("The answer is now due 30 days later."))
            return redirect("consents:accounting_report", participant_id=participant_id, request_id=req.pk)
    return _report(request, view, req, status=status, extend_form=form)


@capability_required("consent.edit")
@require_POST
def restriction_new(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "restriction on disclosure")
    form = RestrictionForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            made, _created = accounting.restriction_record(
                actor=request.user,
                participant=view.participant,
                categories=data["categories"],
                recipient_kind=data["recipient_kind"],
                recipient_agency=data["recipient_agency"],
                request_text=data["request_text"],
                requested_on=data["requested_on"],
                decision=data["decision"],
                reason=data["decision_reason"],
                idempotency_key=data["idempotency_key"],
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 for a conflict (a form key used for another participant)
        else:
            messages.success(
                request,
                _("Restriction agreed: from now on it is not disclosed.")
                if made.in_force
                else _("The refusal is recorded with its reason."),
            )
            return redirect("consents:accounting", participant_id=participant_id)
    return _page(request, view, status=status, restriction_form=form)


@capability_required("consent.edit")
@require_POST
def restriction_lift(request: AuthedRequest, participant_id: int, restriction_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "restriction on disclosure")
    restriction = DisclosureRestriction.objects.filter(
        pk=restriction_id, participant=view.participant
    ).first()
    if restriction is None:
        raise Http404
    form = RestrictionLiftForm(request.POST, auto_id=f"lift{restriction.pk}_%s")
    form.restriction_id = restriction.pk  # type: ignore[attr-defined]
    status = 400
    if form.is_valid():
        try:
            accounting.restriction_lift(
                actor=request.user, restriction=restriction, reason=form.cleaned_data["reason"]
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 for a conflict (a form key used for another participant)
        else:
            messages.success(request, _("Restriction lifted: what the consents allow is shared again."))
            return redirect("consents:accounting", participant_id=participant_id)
    return _page(request, view, status=status, lift_form=form)


@capability_required("consent.view")
@require_http_methods(["GET"])
def accounting_due(request: AuthedRequest) -> HttpResponse:
    """Requests for an accounting not answered yet, the nearest due first (at most 200: a program
    with more open requests than that has a problem this page shows on its first line)."""
    rows = list(accounting.accounting_requests_open_for(user=request.user)[:200])
    today = _today()
    for r in rows:
        r.overdue = r.due_on < today  # type: ignore[attr-defined]
    return render(request, "consents/accounting_due.html", {"rows": rows, "today": today})
