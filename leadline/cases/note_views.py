"""Writing a case note from the participant's page."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.cases import services as case_services
from leadline.cases.forms import CaseNoteForm
from leadline.core import refusals
from leadline.participants.selectors import participant_get_for
from leadline.participants.views import _detail_context, back_to_section


@capability_required("case_notes.edit")
@require_POST
def case_note_add(request: AuthedRequest, participant_id: int) -> HttpResponse:
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
    except refusals.Refused as exc:
        refusals.on_form(form, exc)
        return render(
            request,
            "participants/detail.html",
            _detail_context(request, participant_id, note_form=form),
            status=409 if isinstance(exc, refusals.Conflict) else 400,  # a sensitivity refused stays a 400
        )
    said = _("Note saved.") if created else _("This note was already saved.")
    return back_to_section(request, participant_id, "notes", ("success", said))
