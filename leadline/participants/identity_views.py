"""Identity: correct a participant's names, date of birth, phone, language and aliases; create a
participant with duplicate detection (the field lookup's matcher shows who they may already be)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.core import refusals
from leadline.participants import services
from leadline.participants.forms import IdentityForm, NewParticipantForm
from leadline.participants.lookup import find_candidates
from leadline.participants.policy import participants_visible_to
from leadline.participants.selectors import participant_get_for, participant_reads_audit
from leadline.participants.views import _detail_context, back_to_section


@capability_required("participant_record.edit")
@require_POST
def identity_update(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.has("participant_record.edit"):
        raise Http404
    form = IdentityForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        fields = {k: d[k] for k in services.IDENTITY_FIELDS}
        try:
            services.participant_identity_update(
                actor=request.user, participant=view.participant, expected_version=d["version"] or 0,
                aliases=form.alias_list(), **fields,
            )  # fmt: skip
        except services.StaleEdit:
            ctx = _detail_context(request, participant_id, identity_conflict=True)
            return render(request, "participants/detail.html", ctx, status=409)
        return back_to_section(request, participant_id, "overview", ("success", _("Identity updated.")))
    ctx = _detail_context(request, participant_id, identity_form=form)
    return render(request, "participants/detail.html", ctx, status=400)


@capability_required("participant_record.edit")
@require_http_methods(["GET", "POST"])
def participant_new(request: AuthedRequest) -> HttpResponse:
    """A walk-in or a re-found person: before a record is made, the matcher shows up to three people
    they may already be (legal names, preferred names and aliases); creating anyway is a conscious tick."""
    form = NewParticipantForm(request.POST or None, initial={"language": "en"})
    candidates = []
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        found = find_candidates(
            given=d["given_name"], family=d["family_name"], dob=d["date_of_birth"], limit=3
        )
        # Only people this user may see are shown; the others still stop a silent duplicate.
        candidates = list(participants_visible_to(request.user).filter(pk__in=[p.pk for p in found]))
        if found and not d["none_of_these"]:
            participant_reads_audit(
                user=request.user, participants=candidates, action=AuditEvent.Action.SEARCH,
                reason="duplicate check before creating a participant",
            )  # fmt: skip
            status = 409
        else:
            participant, note = services.participant_new(
                actor=request.user, aliases=form.alias_list(), **{k: d[k] for k in services.IDENTITY_FIELDS}
            )
            if note:
                messages.warning(request, note)
            messages.success(request, _("Participant created."))
            if policy.can(request.user, "participant_card.view"):
                return redirect("participants:detail", participant_id=participant.pk)
            return redirect("participants:list")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "participants/new.html",
        {"form": form, "candidates": candidates, "checked": status == 409},
        status=status,
    )


@capability_required("caseload.edit")
@require_POST
def merge(request: AuthedRequest, participant_id: int) -> HttpResponse:
    """Merge this record (a duplicate) into another one, chosen among the matcher's candidates."""
    view = participant_get_for(user=request.user, participant_id=participant_id)
    try:
        survivor_id = int(request.POST.get("survivor", "0"))
    except ValueError:
        survivor_id = 0
    survivor = participants_visible_to(request.user).filter(pk=survivor_id).first()
    if survivor is None:
        messages.error(request, _("Merge into: choose the record that stays."))
        return redirect("participants:detail", participant_id=participant_id)
    try:
        services.participant_merge(
            actor=request.user,
            duplicate=view.participant,
            survivor=survivor,
            reason=request.POST.get("reason", ""),
        )
    except services.NotAllowed as exc:
        raise Http404 from exc
    except refusals.Refused as exc:
        messages.error(request, exc.message)
        return redirect("participants:detail", participant_id=participant_id)
    messages.success(request, _("Merged: every linked record now belongs to this participant."))
    return redirect("participants:detail", participant_id=survivor.pk)
