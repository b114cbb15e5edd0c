"""Service referrals' pages (issue #7, items 2 and 3): the case manager refers a participant from the plan
or from a listing and follows the answer; the provider's staff answer the referrals sent to their
organisation, seeing of the person only what the participant's consent lets them."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts import policy
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.core.decorators import capability_required
from leadline.directory import referrals
from leadline.directory.forms import CancelForm, ReferForm, StatusForm
from leadline.directory.models import ServiceReferral
from leadline.directory.selectors import (
    provider_recipient,
    referral_disclosure,
    referrals_visible_to,
    services_visible_to,
)
from leadline.participants.services import StaleEdit


def _referable(request: HttpRequest, participant_id: int) -> Any:
    """The participant, when this user may refer them (a merged duplicate is referred as its survivor);
    a refusal is audited as one, never as a view."""
    from leadline.participants.models import Participant
    from leadline.participants.policy import participant_access

    participant = Participant.objects.filter(pk=participant_id, merged_into__isnull=True).first()
    if participant is None or not participant_access(request.user, participant).has("service_referral.edit"):
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="participant",
                     subject_id=participant_id)  # fmt: skip
        raise Http404
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        subject_type="participant",
        subject_id=participant.pk,
        participant_id=participant.pk,
        reason="service referral",
    )
    return participant


@capability_required("service_referral.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def refer(request: HttpRequest, participant_id: int) -> HttpResponse:
    if referrals.answers_as_provider(request.user):
        raise Http404  # a provider answers referrals; it does not make them
    participant = _referable(request, participant_id)
    services = services_visible_to(request.user).filter(status="active")
    used = list(services.filter(referrals__participant=participant).distinct().order_by("name"))
    chosen = request.POST.get("service") or request.GET.get("service") or ""
    form = ReferForm(
        request.POST or None, participant=participant, services=services,
        initial={"service": chosen, "idempotency_key": uuid.uuid4().hex},
    )  # fmt: skip
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = referrals.referral_create(
                    actor=request.user, participant=participant, service=data["service"],
                    goal=data.get("goal"), reason=data["reason"], idempotency_key=data["idempotency_key"],
                )  # fmt: skip
            except referrals.ReferralRefused as exc:
                form.add_error(exc.field, exc.message)
            else:
                return redirect("directory:referral", referral_id=made.pk)
    service = None
    try:
        service = (
            services.filter(pk=uuid.UUID(chosen)).select_related("organization").first() if chosen else None
        )
    except ValueError:
        service = None
    shares = None
    if service is not None:
        fake = ServiceReferral(participant=participant, organization=service.organization)
        shares = bool(referral_disclosure(provider_recipient(service.organization), [fake]))
    return render(request, "directory/refer.html", {
        "form": form, "participant": participant, "used": used, "service": service, "shares": shares,
    }, status=status)  # fmt: skip


@capability_required("service_referral.view")
@require_GET
@never_cache
def referral_list(request: HttpRequest) -> HttpResponse:
    visible = referrals_visible_to(request.user).order_by("-requested_at", "-id")
    page = Paginator(visible, 25).get_page(request.GET.get("page"))
    late = clock.now() - referrals.UNANSWERED_AFTER
    waiting = {r.pk for r in page if r.status == ServiceReferral.Status.REQUESTED and r.requested_at < late}
    audit_record(actor=request.user, action=AuditEvent.Action.LIST, subject_type="service_referral")
    return render(request, "directory/referrals.html", {"page": page, "waiting": waiting})


def _referral_or_404(request: HttpRequest, referral_id: int) -> ServiceReferral:
    referral = (
        referrals_visible_to(request.user).prefetch_related("events__by").filter(pk=referral_id).first()
    )
    if referral is None:
        raise Http404
    return referral


def _detail(request: HttpRequest, referral: ServiceReferral, *, status: int = 200, status_form: Any = None,
            cancel_form: Any = None) -> HttpResponse:  # fmt: skip
    from leadline.consents.policy import Info, record_disclosures

    as_provider = referrals.answers_as_provider(request.user)
    who, notice = True, None
    if as_provider:
        allowed = referral_disclosure(request.user, [referral])
        who = referral.participant_id in allowed
        if who:  # each showing outside the program is a logged disclosure, with its 2.32 notice
            shown = {referral.participant_id: (allowed[referral.participant_id], [str(Info.REFERRAL)])}
            notice = record_disclosures(recipient=request.user, channel="page", shown=shown)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="service_referral",
                 subject_id=referral.pk, participant_id=referral.participant_id if who else None)  # fmt: skip
    may_edit = policy.can(request.user, "service_referral.edit")
    open_ = referral.status in referrals.OPEN
    if as_provider and may_edit and referral.status in referrals.PROVIDER_MOVES and status_form is None:
        status_form = StatusForm(initial={"version": referral.version})
        moves = referrals.PROVIDER_MOVES[referral.status]
        status_form.fields["to"].choices = [(m, ServiceReferral.Status(m).label) for m in moves]
    if not as_provider and may_edit and open_ and cancel_form is None:
        cancel_form = CancelForm(initial={"version": referral.version})
    events, status_reason = referrals.history_for(request.user, referral)
    return render(request, "directory/referral.html", {
        "r": referral, "who": who, "notice": notice, "status_form": status_form, "cancel_form": cancel_form,
        "events": events, "status_reason": status_reason,
    }, status=status)  # fmt: skip


@capability_required("service_referral.view")
@require_GET
@never_cache
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _detail(request, _referral_or_404(request, referral_id))


@capability_required("service_referral.edit")
@require_POST
def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    if not referrals.answers_as_provider(request.user):
        raise Http404  # the program cancels; the provider answers
    referral = _referral_or_404(request, referral_id)
    form = StatusForm(request.POST)
    moves = referrals.PROVIDER_MOVES.get(referral.status, ())
    form.fields["to"].choices = [(m, ServiceReferral.Status(m).label) for m in moves]  # type: ignore[attr-defined]
    if form.is_valid():
        data = form.cleaned_data
        try:
            referrals.referral_move(
                actor=request.user, referral_id=referral.pk, to=data["to"], version=data["version"],
                reason=data["reason"], outcome=data["outcome"],
            )  # fmt: skip
        except StaleEdit:
            form.add_error(
                None, _("Someone else changed this referral while you were working. Read it again.")
            )
            return _detail(request, _referral_or_404(request, referral_id), status=409, status_form=form)
        except referrals.ReferralRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("directory:referral", referral_id=referral.pk)
    return _detail(request, referral, status=400, status_form=form)


@capability_required("service_referral.edit")
@require_POST
def referral_cancel(request: HttpRequest, referral_id: int) -> HttpResponse:
    if referrals.answers_as_provider(request.user):
        raise Http404  # the provider answers; the program cancels
    referral = _referral_or_404(request, referral_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            referrals.referral_move(
                actor=request.user, referral_id=referral.pk, to=ServiceReferral.Status.CANCELLED,
                version=form.cleaned_data["version"], reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except StaleEdit:
            form.add_error(
                None, _("Someone else changed this referral while you were working. Read it again.")
            )
            return _detail(request, _referral_or_404(request, referral_id), status=409, cancel_form=form)
        except referrals.ReferralRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("directory:referral", referral_id=referral.pk)
    return _detail(request, referral, status=400, cancel_form=form)
