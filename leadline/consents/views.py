"""Consents: the quick officer-feedback opt-in on the participant's page, and the consents page where a
case manager records a Part 2 consent, has it signed on the screen or on paper, prints it, records the
events it names, and revokes it in writing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.consents import services
from leadline.consents.documents import MAX_UPLOAD_BYTES
from leadline.consents.forms import ConsentForm, EventForm, Part2ConsentForm, RevokeForm, SignForm
from leadline.consents.models import Consent, ConsentDocument, Disclosure
from leadline.consents.pdf import consent_form_pdf
from leadline.consents.policy import Info
from leadline.consents.selectors import _today, consent_revocable, consent_state
from leadline.consents.wording import default_purpose
from leadline.core import refusals
from leadline.core.uploads import upload_limit, upload_refused
from leadline.participants.selectors import ParticipantView, participant_get_for
from leadline.participants.views import _detail_context, back_to_section

PART2_KINDS = (Consent.Kind.PART2, Consent.Kind.CRIMINAL_JUSTICE)


def _load(request: AuthedRequest, participant_id: int, capability: str, reason: str) -> ParticipantView:
    view = participant_get_for(user=request.user, participant_id=participant_id, reason=reason)
    if not view.access.has(capability) or view.participant.merged_into_id:
        raise Http404
    return view


def _consent(view: ParticipantView, consent_id: int) -> Consent:
    consent = Consent.objects.filter(pk=consent_id, participant=view.participant).first()
    if consent is None:
        raise Http404
    return consent


@capability_required("consent.edit")
@require_POST
def consent_record(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "consent")
    form = ConsentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        categories = [Info.ENGAGEMENT, *([Info.HOUSED] if data["housed"] else [])]
        try:
            _consent, created = services.consent_record(
                actor=request.user, participant=view.participant, kind=data["kind"], method=data["method"],
                expires_on=data["expires_on"], categories=tuple(categories),
            )  # fmt: skip
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            said = _("Consent recorded.") if created else _("This consent was already recorded.")
            return back_to_section(request, participant_id, "consents", ("success", said))
    ctx = _detail_context(request, participant_id, consent_form=form)
    return render(request, "participants/detail.html", ctx, status=400)


def _too_large(request: HttpRequest, form: Any) -> bool:
    """A signed paper over 5 MB was dropped as it arrived (core.uploads): the form says so on its field."""
    if not upload_refused(request, "upload"):
        return False
    form.is_valid()
    form.errors.pop("signature", None)  # it was sent: only its size is wrong
    form.errors["upload"] = form.error_class([_("The file is larger than 5 MB: scan at a lower resolution.")])
    return True


@capability_required("consent.edit")
@upload_limit(MAX_UPLOAD_BYTES)
@require_http_methods(["GET", "POST"])
def consent_new(request: AuthedRequest, participant_id: int, kind: str) -> HttpResponse:
    if kind not in PART2_KINDS:
        raise Http404
    view = _load(request, participant_id, "consent.edit", "consent")

    status = 200
    if request.method == "POST":
        form = Part2ConsentForm(request.POST, request.FILES, kind=kind)
        if _too_large(request, form):
            pass
        elif form.is_valid():
            document = form.document()
            if form.is_valid():  # the signature may have added an error
                data = form.cleaned_data
                try:
                    consent, created = services.consent_record(
                        actor=request.user, participant=view.participant, kind=kind,
                        method=Consent.Method.WRITTEN, categories=tuple(data["categories"]),
                        recipient_kind=data["recipient_kind"], recipient_agency=data["recipient_agency"],
                        purpose=data["purpose"], expires_on=data["expires_on"],
                        expiry_event=data["expiry_event"],
                        irrevocable=data.get("irrevocable", False),
                        irrevocable_until=data.get("irrevocable_until"),
                        irrevocable_event=data.get("irrevocable_event", ""), signature=document,
                        signed_by_name=data["signed_by_name"],
                        signer_relationship=data["signer_relationship"],
                    )  # fmt: skip
                except refusals.Refused as exc:
                    refusals.on_form(form, exc)
                else:
                    if not created:
                        messages.info(request, _("This consent was already recorded: it is shown below."))
                    elif consent.signed_at:
                        messages.success(request, _("Consent recorded and signed."))
                    else:
                        messages.success(
                            request, _("Consent recorded. Print it to sign, or sign it on the screen.")
                        )
                    return redirect("consents:detail", participant_id=participant_id, consent_id=consent.pk)
        status = 400
    else:
        form = Part2ConsentForm(kind=kind, initial={"purpose": default_purpose(kind)})
    return render(
        request, "consents/new.html",
        {"p": view.participant, "form": form, "kind": kind, "kind_label": Consent.Kind(kind).label,
         "access": view.access},
        status=status,
    )  # fmt: skip


def _event_form(which: str, data: Any = None) -> EventForm:
    return EventForm(data, initial={"which": which}, auto_id=f"{which}_%s")


def _detail(request: HttpRequest, view: ParticipantView, consent: Consent, status: int = 200, **forms: Any):
    today = _today()
    editable = view.access.has("consent.edit")
    state = consent_state(consent, today)
    ctx: dict[str, Any] = {
        "p": view.participant, "c": consent, "state": state, "access": view.access,
        "paragraphs": consent.form_text.split("\n\n") if consent.form_text else [],
        "documents": list(consent.documents.only("purpose", "method", "content_type", "added_at")),
        "disclosures": list(
            Disclosure.objects.filter(consent=consent).select_related("recipient", "notice")[:50]
        ),
        "revocable": consent_revocable(consent, today),
    }  # fmt: skip
    if editable and consent.ended_at is None:
        if consent.needs_signature:
            ctx["sign_form"] = forms.get("sign_form") or SignForm()
        ctx["revoke_form"] = forms.get("revoke_form") or RevokeForm()
        if consent.irrevocable and consent.irrevocable_event and not consent.irrevocable_event_at:
            ctx["irrevocable_event_form"] = forms.get("irrevocable_event_form") or _event_form("irrevocable")
        if consent.expiry_event:
            ctx["expiry_event_form"] = forms.get("expiry_event_form") or _event_form("expiry")
    for d in ctx["disclosures"]:
        d.labels = [str(Info(c).label) for c in d.categories if c in Info.values]
    return render(request, "consents/detail.html", ctx, status=status)


@capability_required("consent.view")
@require_GET
def consent_detail(request: AuthedRequest, participant_id: int, consent_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.view", "consent")
    return _detail(request, view, _consent(view, consent_id))


@capability_required("consent.edit")
@upload_limit(MAX_UPLOAD_BYTES)
@require_POST
def consent_sign(request: AuthedRequest, participant_id: int, consent_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "consent")
    consent = _consent(view, consent_id)
    form = SignForm(request.POST, request.FILES)
    if not _too_large(request, form) and form.is_valid():
        document = form.document()
        if document is not None:
            try:
                services.consent_sign(
                    actor=request.user, consent=consent, document=document,
                    signed_by_name=form.cleaned_data["signed_by_name"],
                    signer_relationship=form.cleaned_data["signer_relationship"],
                )  # fmt: skip
            except refusals.Refused as exc:
                refusals.on_form(form, exc)  # the signature input is hidden: on the whole form
            else:
                messages.success(request, _("Signed. The consent is in force."))
                return redirect("consents:detail", participant_id=participant_id, consent_id=consent.pk)
    return _detail(request, view, consent, status=400, sign_form=form)


@capability_required("consent.edit")
@upload_limit(MAX_UPLOAD_BYTES)
@require_POST
def consent_revoke(request: AuthedRequest, participant_id: int, consent_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "consent")
    consent = _consent(view, consent_id)
    form = RevokeForm(request.POST, request.FILES)
    from_detail = request.POST.get("from") == "consent"
    if not _too_large(request, form) and form.is_valid():
        document = form.document()
        if form.is_valid():
            try:
                services.consent_revoke(
                    actor=request.user, consent=consent, note=form.cleaned_data["note"], document=document
                )
            except refusals.Refused as exc:
                refusals.on_form(form, exc)
            else:
                ended = _("Consent ended. Nothing more is shared under it.")
                if from_detail:
                    messages.success(request, ended)
                    return redirect("consents:detail", participant_id=participant_id, consent_id=consent.pk)
                return back_to_section(request, participant_id, "consents", ("success", ended))
    if from_detail or consent.is_part2:
        return _detail(request, view, consent, status=400, revoke_form=form)
    ctx = _detail_context(request, participant_id, revoke_form=form, revoke_id=consent.pk)
    return render(request, "participants/detail.html", ctx, status=400)


@capability_required("consent.edit")
@require_POST
def consent_event(request: AuthedRequest, participant_id: int, consent_id: int) -> HttpResponse:
    view = _load(request, participant_id, "consent.edit", "consent")
    consent = _consent(view, consent_id)
    which = "irrevocable" if request.POST.get("which") == "irrevocable" else "expiry"
    form = _event_form(which, request.POST)
    if form.is_valid():
        try:
            services.consent_event(
                actor=request.user, consent=consent, which=form.cleaned_data["which"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect("consents:detail", participant_id=participant_id, consent_id=consent.pk)
    return _detail(request, view, consent, status=400, **{f"{which}_event_form": form})


@capability_required("consent.view")
@require_GET
@never_cache
def consent_pdf(request: AuthedRequest, participant_id: int, consent_id: int) -> HttpResponse:

    view = _load(request, participant_id, "consent.view", "consent form printed")
    consent = _consent(view, consent_id)
    response = HttpResponse(consent_form_pdf(consent), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consent-{consent.pk}.pdf"'
    return response


@capability_required("consent.view")
@require_GET
@never_cache
def consent_document(
    request: AuthedRequest, participant_id: int, consent_id: int, purpose: str
) -> HttpResponse:
    view = _load(request, participant_id, "consent.view", "consent document")
    consent = _consent(view, consent_id)
    doc = ConsentDocument.objects.filter(consent=consent, purpose=purpose).first()
    if doc is None:
        raise Http404
    response = HttpResponse(bytes(doc.data), content_type=doc.content_type)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[doc.content_type]
    disposition = "attachment" if doc.content_type == "application/pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="consent-{consent.pk}-{purpose}.{extension}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
