"""Service referrals' pages (issue #7, items 2 and 3): the case manager refers a participant from the plan
or from a listing and follows the answer; the provider's staff answer the referrals sent to their
organisation, seeing of the person only what the participant's consent lets them."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
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
    shares, answered_by = None, ""
    if service is not None:
        org = service.organization
        fake = ServiceReferral(participant=participant, organization=org)
        answered_by = (
            "email" if referrals.answers_by_email(org) else "staff" if referrals.has_staff(org) else ""
        )
        # an emailed link never shows who the person is, whatever the consent says
        shares = answered_by != "email" and bool(referral_disclosure(provider_recipient(org), [fake]))
    return render(request, "directory/refer.html", {
        "form": form, "participant": participant, "used": used, "service": service, "shares": shares,
        "answered_by": answered_by,
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
    may_import = referrals.answers_as_provider(request.user) and policy.can(
        request.user, "service_referral.edit"
    )
    return render(
        request, "directory/referrals.html", {"page": page, "waiting": waiting, "may_import": may_import}
    )


def _referral_or_404(request: HttpRequest, referral_id: int) -> ServiceReferral:
    referral = (
        referrals_visible_to(request.user).prefetch_related("events__by").filter(pk=referral_id).first()
    )
    if referral is None:
        raise Http404
    return referral


STALE = _lazy("Someone else changed this referral while you were working. Read it again.")


def _status_form(referral: ServiceReferral, data: Any = None) -> StatusForm:
    """The provider's answer: only the moves open from the referral's status. An answer to an older
    version of the referral is not judged against today's moves: the service refuses it as stale (409)."""
    form = StatusForm(data, initial={"version": referral.version})
    stale = data is not None and str(data.get("version")) != str(referral.version)
    moves = ServiceReferral.Status.values if stale else referrals.PROVIDER_MOVES.get(referral.status, ())
    form.fields["to"].choices = [(m, ServiceReferral.Status(m).label) for m in moves]  # type: ignore[attr-defined]
    return form


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
        status_form = _status_form(referral)
    if not as_provider and may_edit and open_ and cancel_form is None:
        cancel_form = CancelForm(initial={"version": referral.version})
    events, status_reason = referrals.history_for(request.user, referral)
    by_email = not as_provider and referrals.answers_by_email(referral.organization)
    return render(request, "directory/referral.html", {
        "r": referral, "who": who, "notice": notice, "status_form": status_form, "cancel_form": cancel_form,
        "events": events, "status_reason": status_reason, "by_email": by_email,
        "may_send_link": by_email and may_edit and open_,
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
    form = _status_form(referral, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referrals.referral_move(
                actor=request.user, referral_id=referral.pk, to=data["to"], version=data["version"],
                reason=data["reason"], outcome=data["outcome"],
            )  # fmt: skip
        except StaleEdit:
            form.add_error(None, STALE)
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
            form.add_error(None, STALE)
            return _detail(request, _referral_or_404(request, referral_id), status=409, cancel_form=form)
        except referrals.ReferralRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("directory:referral", referral_id=referral.pk)
    return _detail(request, referral, status=400, cancel_form=form)


@capability_required("service_referral.edit")
@require_POST
def referral_link(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The program sends the organisation a new answer link; every earlier link stops working (one may
    have gone to the wrong person, or expired)."""
    if referrals.answers_as_provider(request.user):
        raise Http404
    referral = _referral_or_404(request, referral_id)
    if referral.status not in referrals.OPEN or not referrals.answers_by_email(referral.organization):
        messages.error(request, _("This organisation does not answer by email, or the referral is closed."))
    else:
        referrals.answer_link_send(referral.pk, renew=True, actor=request.user)
        messages.success(request, _("A new link went to %(email)s; the earlier links no longer work.")
                         % {"email": referral.organization.email})  # fmt: skip
    return redirect("directory:referral", referral_id=referral.pk)


def _link_response(response: HttpResponse) -> HttpResponse:
    # The token is in the address: the site's Referrer-Policy (same-origin) never passes it to another
    # site ("no-referrer" would make the browser send Origin: null, which fails the CSRF check); no
    # search engine may keep it.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """A provider who does not sign in answers a referral by the signed link emailed to the organisation.
    The link is a bearer credential: the page shows the reference, the service, the dates and the case
    manager to call — never who the person is."""
    referral, expired = referrals.referral_by_link(token)
    actor = request.user if request.user.is_authenticated else None
    if referral is None:
        audit_record(actor=actor, action=AuditEvent.Action.DENIED, subject_type="service_referral_link",
                     username="answer link")  # fmt: skip
        response = render(
            request, "directory/answer_gone.html", {"expired": expired}, status=410 if expired else 404
        )
        return _link_response(response)
    form = None
    status = 200
    if request.method == "POST":
        form, status = _status_form(referral, request.POST), 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                referrals.referral_answer_by_link(
                    token=token, to=data["to"], version=data["version"], reason=data["reason"],
                    outcome=data["outcome"],
                )  # fmt: skip
            except StaleEdit:
                messages.error(request, STALE)
                referral = referrals.referral_by_link(token)[0] or referral
                form, status = None, 409
            except referrals.ReferralRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Saved. The case manager sees your answer now."))
                return _link_response(redirect("directory:answer", token=token))
    audit_record(actor=actor, action=AuditEvent.Action.VIEW, subject_type="service_referral",
                 subject_id=referral.pk, username=referrals.link_username(referral))  # fmt: skip
    if form is None and referral.status in referrals.PROVIDER_MOVES:
        form = _status_form(referral)
    events, status_reason = referrals.history_for(None, referral, by_link=True)
    contact = referral.requested_by
    return _link_response(render(request, "directory/answer.html", {
        "r": referral, "status_form": form, "events": events, "status_reason": status_reason,
        "contact": contact, "token": token,
    }, status=status))  # fmt: skip


@capability_required("service_referral.view")
@require_GET
@never_cache
def referral_fhir(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The referral as a FHIR R4 bundle (Gravity SDOH Clinical Care): the provider's copy. Who the
    participant is goes only to the provider's own staff, under a consent naming them, logged as a
    disclosure; anyone else's copy (the program's, to send on) carries the minimum."""
    import json

    from leadline.consents.policy import Info, record_disclosures
    from leadline.directory import fhir

    referral = _referral_or_404(request, referral_id)
    consent = None
    if referrals.answers_as_provider(request.user):
        consent = referral_disclosure(request.user, [referral]).get(referral.participant_id)
        if consent is not None:
            record_disclosures(recipient=request.user, channel="api",
                               shown={referral.participant_id: (consent, [str(Info.REFERRAL)])})  # fmt: skip
    bundle = fhir.referral_bundle(referral, consent=consent)
    audit_record(actor=request.user, action=AuditEvent.Action.EXPORT, subject_type="service_referral",
                 subject_id=referral.pk, participant_id=referral.participant_id if consent else None,
                 reason="FHIR bundle")  # fmt: skip
    response = HttpResponse(json.dumps(bundle, indent=2), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="{referral.reference}.fhir.json"'
    return response


class FhirImportForm(forms.Form):
    file = forms.FileField(
        label=_lazy("FHIR bundle (JSON)"),
        help_text=_lazy("A Bundle with the Task of a referral to your organisation, from your own system."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


@capability_required("service_referral.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def referral_fhir_import(request: HttpRequest) -> HttpResponse:
    """A provider's own system answered in FHIR: its Task updates the referral, as the provider would on
    the referral's page (the program never answers for a provider)."""
    from leadline.directory import fhir

    if not referrals.answers_as_provider(request.user):
        raise Http404
    form = FhirImportForm(request.POST or None, request.FILES or None)
    result, problems, status = None, [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                bundle = fhir.parse(form.cleaned_data["file"].read())
                result = fhir.import_bundle(actor=request.user, bundle=bundle)
            except fhir.FhirRefused as exc:
                problems = exc.messages
            except StaleEdit:
                problems = [str(STALE)]
                status = 409
            else:
                status = 200
    return render(request, "directory/fhir_import.html", {
        "form": form, "result": result, "problems": problems,
    }, status=status)  # fmt: skip
