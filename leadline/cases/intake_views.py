"""The intake assessment page: acute needs first, then each domain; save as a draft or complete."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.cases import services as case_services
from leadline.cases.forms import IntakeForm
from leadline.cases.models import Domain, domain_sensitivity
from leadline.cases.selectors import intake_for
from leadline.core import refusals
from leadline.participants.selectors import participant_get_for


@capability_required("case_notes.view")
@require_http_methods(["GET", "POST"])
def intake(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id, reason="intake")
    access = view.access
    if not access.has("case_notes.view"):
        raise Http404
    current, answers = intake_for(view=view)
    writable = set(access.note_sensitivities_writable)
    domains = [(v, str(label)) for v, label in Domain.choices if domain_sensitivity(v) in writable]
    can_edit = access.has("case_notes.edit") and (current is None or current.completed_at is None)
    form = None
    status = 200
    if can_edit:
        initial: dict = {"version": current.version if current and current.completed_at is None else None}
        for a in answers:
            initial[f"{a.domain}_acute"], initial[f"{a.domain}_situation"] = a.acute, a.situation
        form = IntakeForm(request.POST or None, domains=domains, initial=initial)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                complete = request.POST.get("action") == "complete"
                try:
                    case_services.intake_save(
                        actor=request.user, participant=view.participant, answers=form.answers(),
                        expected_version=form.cleaned_data.get("version"), complete=complete,
                    )  # fmt: skip
                except case_services.StaleEdit:
                    form.add_error(None, _("Someone else saved this intake while you were editing. "
                                           "Open it again to see their changes."))  # fmt: skip
                    status = 409
                except case_services.NotAllowed as exc:
                    raise Http404 from exc
                except refusals.Refused as exc:
                    refusals.on_form(form, exc)
                else:
                    messages.success(request, _("Intake completed.") if complete else _("Intake saved."))
                    if complete:
                        return redirect("participants:detail", participant_id=participant_id)
                    return redirect("cases:intake", participant_id=participant_id)
    elif request.method == "POST" and request.POST.get("action") == "new" and access.has("case_notes.edit"):
        # Re-engaged after a completed intake: a new one starts, the old one stays on the record.
        with contextlib.suppress(case_services.StaleEdit):  # someone started one a moment ago: open theirs
            case_services.intake_save(
                actor=request.user, participant=view.participant, answers={}, expected_version=None,
                complete=False,
            )  # fmt: skip
        return redirect("cases:intake", participant_id=participant_id)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "cases/intake.html",
        {
            "p": view.participant,
            "intake": current,
            "answers": answers,
            "form": form,
            "can_restart": access.has("case_notes.edit") and not can_edit,
        },
        status=status,
    )
