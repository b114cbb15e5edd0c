"""Consents on the participant's page: record the officer-feedback opt-in, revoke it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leadline.consents import services
from leadline.consents.forms import ConsentForm, RevokeForm
from leadline.consents.models import Consent
from leadline.core.decorators import capability_required
from leadline.participants.selectors import participant_get_for
from leadline.participants.views import _detail_context


@capability_required("consent.edit")
@require_POST
def consent_record(request: HttpRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.has("consent.edit"):
        raise Http404
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            _consent, created = services.consent_record(
                actor=request.user, participant=view.participant, **form.cleaned_data
            )
        except services.ConsentRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("Consent recorded.") if created else _("This consent was already recorded.")
            )
            return redirect("participants:detail", participant_id=participant_id)
    ctx = _detail_context(request, participant_id, consent_form=form)
    return render(request, "participants/detail.html", ctx, status=400)


@capability_required("consent.edit")
@require_POST
def consent_revoke(request: HttpRequest, participant_id: int, consent_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    consent = Consent.objects.filter(pk=consent_id, participant=view.participant).first()
    if consent is None or not view.access.has("consent.edit"):
        raise Http404
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_revoke(actor=request.user, consent=consent, note=form.cleaned_data["note"])
        except services.ConsentRefused as exc:
            form.add_error("note", exc.message)
        else:
            messages.success(request, _("Consent revoked. Nothing more is shared under it."))
            return redirect("participants:detail", participant_id=participant_id)
    ctx = _detail_context(request, participant_id, revoke_form=form, revoke_id=consent.pk)
    return render(request, "participants/detail.html", ctx, status=400)
