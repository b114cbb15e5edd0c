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
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents.policy import Info
from leadline.consents.services import disclosures_record
from leadline.core import clock, refusals
from leadline.directory import fhir, referrals
from leadline.directory.forms import CancelForm, ReferForm, StatusForm
from leadline.directory.models import ServiceReferral
from leadline.directory.selectors import (
    provider_recipient,
    referral_disclosure,
    referrals_visible_to,
    services_visible_to,
)
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access
from leadline.participants.services import StaleEdit


def _referable(request: AuthedRequest, participant_id: int) -> Any:
    """The participant, when this user may refer them (a merged duplicate is referred as its survivor);
    a refusal is audited as one, never as a view."""

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
def refer(request: AuthedRequest, participant_id: int) -> HttpResponse:
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
            except refusals.Refused as exc:
                refusals.on_form(form, exc)
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
def referral_list(request: AuthedRequest) -> HttpResponse:
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


def _referral_or_404(request: AuthedRequest, referral_id: int) -> ServiceReferral:
    referral = (
        referrals_visible_to(request.user).prefetch_related("events__by").filter(pk=referral_id).first()
    )
    if referral is None:
        raise Http404
    return referral


STALE = gettext_lazy("Someone else changed this referral while you were working. Read it again.")


def _status_form(referral: ServiceReferral, data: Any = None) -> StatusForm:
    """The provider's answer: only the moves open from the referral's status. An answer to an older
    version of the referral is not judged against today's moves: the service refuses it as stale (409)."""
    form = StatusForm(data, initial={"version": referral.version})
    stale = data is not None and str(data.get("version")) != str(referral.version)
    moves = ServiceReferral.Status.values if stale else referrals.PROVIDER_MOVES.get(referral.status, ())
    form.fields["to"].choices = [(m, ServiceReferral.Status(m).label) for m in moves]  # type: ignore[attr-defined]
    return form


def _detail(request: AuthedRequest, referral: ServiceReferral, *, status: int = 200, status_form: Any = None,
            cancel_form: Any = None) -> HttpResponse:  # fmt: skip

    as_provider = referrals.answers_as_provider(request.user)
    who, notice = True, None
    if as_provider:
        allowed = referral_disclosure(request.user, [referral])
        who = referral.participant_id in allowed
        if who:  # each showing outside the program is a logged disclosure, with its 2.32 notice
            shown = {referral.participant_id: (allowed[referral.participant_id], [str(Info.REFERRAL)])}
            notice = disclosures_record(recipient=request.user, channel="page", shown=shown)
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
        "may_end_link": by_email and may_edit and bool(referral.link_nonce),
    }, status=status)  # fmt: skip


@capability_required("service_referral.view")
@require_GET
@never_cache
def referral_detail(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    referrals.referral_answer_seen(user=request.user, referral=referral)  # the sender read the answer
    return _detail(request, referral)


def _move(
    request: AuthedRequest, referral: ServiceReferral, form: Any, to: str, form_name: str
) -> HttpResponse:
    """Apply a signed-in user's move from ``form`` (the provider's answer or the program's cancel): back to
    the referral on success, the page again with the form's errors (400) or a stale-edit message (409)."""
    if form.is_valid():
        data = form.cleaned_data
        try:
            referrals.referral_move(
                actor=request.user, referral_id=referral.pk, to=to or data["to"], version=data["version"],
                reason=data["reason"], outcome=data.get("outcome", ""),
            )  # fmt: skip
        except StaleEdit:
            form.add_error(None, STALE)
            fresh = _referral_or_404(request, referral.pk)
            return _detail(request, fresh, status=409, **{form_name: form})
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            return redirect("directory:referral", referral_id=referral.pk)
    return _detail(request, referral, status=400, **{form_name: form})


@capability_required("service_referral.edit")
@require_POST
def referral_status(request: AuthedRequest, referral_id: int) -> HttpResponse:
    if not referrals.answers_as_provider(request.user):
        raise Http404  # the program cancels; the provider answers
    referral = _referral_or_404(request, referral_id)
    return _move(request, referral, _status_form(referral, request.POST), "", "status_form")


@capability_required("service_referral.edit")
@require_POST
def referral_cancel(request: AuthedRequest, referral_id: int) -> HttpResponse:
    if referrals.answers_as_provider(request.user):
        raise Http404  # the provider answers; the program cancels
    referral = _referral_or_404(request, referral_id)
    return _move(request, referral, CancelForm(request.POST), ServiceReferral.Status.CANCELLED, "cancel_form")


@capability_required("service_referral.edit")
@require_POST
def referral_link(request: AuthedRequest, referral_id: int) -> HttpResponse:
    """The program sends the organisation a new answer link, or ends the links (``end``): every earlier
    link stops working (one may have gone to the wrong person). Ending works in any state."""
    if referrals.answers_as_provider(request.user):
        raise Http404
    referral = _referral_or_404(request, referral_id)
    if request.POST.get("end"):
        referrals.link_end(actor=request.user, referral=referral)
        messages.success(request, _("The links for this referral no longer work."))
    elif referral.status not in referrals.OPEN or not referrals.answers_by_email(referral.organization):
        messages.error(request, _("This organisation does not answer by email, or the referral is closed."))
    else:
        referrals.answer_link_send(referral.pk, renew=True, actor=request.user)
        messages.success(request, _("A new link went to %(email)s; the earlier links no longer work.")
                         % {"email": referral.organization.email})  # fmt: skip
    return redirect("directory:referral", referral_id=referral.pk)


SESSION_LINKS = "directory.answer_links"  # referral id -> the token of the link it was opened with


def _link_response(response: HttpResponse) -> HttpResponse:
    # No search engine may keep the page; the site's Referrer-Policy (same-origin) never passes the address
    # to another site ("no-referrer" would make browsers send Origin: null, which fails the CSRF check).
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _link_gone(request: HttpRequest, expired: bool) -> HttpResponse:
    return _link_response(render(request, "directory/answer_gone.html", {"expired": expired},
                                 status=410 if expired else 404))  # fmt: skip


def _signed_in_elsewhere(request: HttpRequest, referral: ServiceReferral) -> HttpResponse | None:
    """A signed-in user never answers through a link in someone else's name: the organisation's own staff
    go to the referral's page, anyone else is refused (the program never answers for a provider)."""
    user: Any = request.user
    if not user.is_authenticated:
        return None
    if (
        referrals.answers_as_provider(user)
        and user.agency_id
        and user.agency_id == referral.organization.agency_id
    ):
        return redirect("directory:referral", referral_id=referral.pk)
    audit_record(actor=user, action=AuditEvent.Action.DENIED, subject_type="service_referral",
                 subject_id=referral.pk, reason="answer link opened while signed in")  # fmt: skip
    return _link_response(render(request, "directory/answer_gone.html", {"signed_in": True}, status=403))


@require_GET
@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the email. Like a password-reset link, it is exchanged at once for a place in the
    browser's session, and the browser is sent to an address without the token: the token stays out of
    the audit trail, the browser's history, later logs and any Referer."""
    referral, expired = referrals.referral_by_link(token)
    if referral is None:
        return _link_gone(request, expired)
    elsewhere = _signed_in_elsewhere(request, referral)
    if elsewhere is not None:
        return elsewhere
    links = dict(request.session.get(SESSION_LINKS, {}))
    links[str(referral.pk)] = token
    request.session[SESSION_LINKS] = links
    return _link_response(redirect("directory:answer_page", referral_id=referral.pk))


@require_http_methods(["GET", "POST"])
@never_cache
def answer_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    """A provider who does not sign in answers a referral, having opened the emailed link in this browser.
    The link is a bearer credential: the page shows the reference, the service, the dates and the case
    manager to call — never who the person is."""
    token = request.session.get(SESSION_LINKS, {}).get(str(referral_id), "")
    referral, expired = referrals.referral_by_link(token) if token else (None, False)
    if referral is None or referral.pk != referral_id:
        return _link_gone(request, expired)
    elsewhere = _signed_in_elsewhere(request, referral)
    if elsewhere is not None:
        return elsewhere
    form, status = None, 200
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
            except refusals.Refused as exc:
                refusals.on_form(form, exc)
            else:
                messages.success(request, _("Saved. The case manager sees your answer now."))
                return _link_response(redirect("directory:answer_page", referral_id=referral.pk))
    audit_record(actor=None, action=AuditEvent.Action.VIEW, subject_type="service_referral",
                 subject_id=referral.pk, username=referrals.link_username(referral))  # fmt: skip
    if form is None and referral.status in referrals.PROVIDER_MOVES:
        form = _status_form(referral)
    events, status_reason = referrals.history_for(None, referral, by_link=True)
    contact = referral.requested_by
    return _link_response(render(request, "directory/answer.html", {
        "r": referral, "status_form": form, "events": events, "status_reason": status_reason,
        "contact": contact,
    }, status=status))  # fmt: skip


@capability_required("service_referral.view")
@require_GET
@never_cache
def referral_fhir(request: AuthedRequest, referral_id: int) -> HttpResponse:
    """The referral as a FHIR R4 bundle (Gravity SDOH Clinical Care): the provider's copy. Who the
    participant is goes only to the provider's own staff, under a consent naming them, logged as a
    disclosure; anyone else's copy (the program's, to send on) carries the minimum."""
    import json

    referral = _referral_or_404(request, referral_id)
    consent, notice = None, None
    if referrals.answers_as_provider(request.user):
        consent = referral_disclosure(request.user, [referral]).get(referral.participant_id)
        if consent is not None:  # the 2.32 notice goes in the file, with what it accompanies
            shown = {referral.participant_id: (consent, [str(Info.REFERRAL)])}
            notice = disclosures_record(recipient=request.user, channel="api", shown=shown)
    bundle = fhir.referral_bundle(referral, consent=consent, notice=notice)
    audit_record(actor=request.user, action=AuditEvent.Action.EXPORT, subject_type="service_referral",
                 subject_id=referral.pk, participant_id=referral.participant_id if consent else None,
                 reason="FHIR bundle")  # fmt: skip
    response = HttpResponse(json.dumps(bundle, indent=2), content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="{referral.reference}.fhir.json"'
    return response


class FhirImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("FHIR bundle (JSON)"),
        help_text=gettext_lazy(
            "A Bundle with the Task of a referral to your organisation, from your own system."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


@capability_required("service_referral.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def referral_fhir_import(request: AuthedRequest) -> HttpResponse:
    """A provider's own system answered in FHIR: its Task updates the referral, as the provider would on
    the referral's page (the program never answers for a provider)."""

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
                audit_record(actor=request.user, action=AuditEvent.Action.DENIED,
                             subject_type="service_referral_import", reason=problems[0][:200])  # fmt: skip
            except StaleEdit:
                problems = [str(STALE)]
                status = 409
            else:
                status = 200
    return render(request, "directory/fhir_import.html", {
        "form": form, "result": result, "problems": problems,
    }, status=status)  # fmt: skip
