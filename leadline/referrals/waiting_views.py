"""The queue of referrals waiting for a case manager, and assigning from it (issue #17, item 3)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.core import refusals
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.selectors import participant_reads_audit
from leadline.referrals.forms import AssignForm
from leadline.referrals.models import Referral
from leadline.referrals.selectors import referral_get_for, referral_reads_audit
from leadline.referrals.services.handoffs import (
    NEW_PARTICIPANT,
    MatchToConfirm,
    Shown,
    handoff_match_candidates,
)
from leadline.referrals.services.waiting import (
    QUEUE_CAPABILITY,
    case_manager_choices,
    is_waiting,
    not_waiting_reason,
    referral_assign,
    waiting_list_for,
)


@capability_required(QUEUE_CAPABILITY)
@require_GET
def waiting_list(request: AuthedRequest) -> HttpResponse:
    page = Paginator(waiting_list_for(user=request.user), 25).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    referral_reads_audit(user=request.user, referrals=rows)
    # People already participants but on nobody's caseload (a hand-off above the hard limit) wait too: on
    # the caseloads page, where they are assigned.
    unassigned = Participant.objects.filter(
        case_manager__isnull=True, status__in=CASELOAD_STATUSES, merged_into__isnull=True
    ).count()
    return render(request, "referrals/waiting.html", {"page": page, "rows": rows, "unassigned": unassigned})


@capability_required(QUEUE_CAPABILITY)
@require_http_methods(["GET", "POST"])
def waiting_assign(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for(user=request.user, referral_id=referral_id)
    if request.method == "GET" and not is_waiting(referral):
        return _page(request, referral, form=None, status=200)
    managers = case_manager_choices()
    candidates, _hidden = handoff_match_candidates(actor=request.user, referral=referral)
    form = AssignForm(request.POST or None, managers=managers, candidates=candidates, new=NEW_PARTICIPANT)
    if request.method == "GET":
        return _page(request, referral, form=form, status=200)
    status = 400
    if form.is_valid():
        chosen = next((m.user for m in managers if m.user.pk == form.cleaned_data["case_manager"]), None)
        ids = frozenset(int(v) for v in request.POST.getlist("shown") if v.strip().isdigit())
        shown = Shown(ids=ids, hidden=bool(request.POST.get("shown_hidden")))
        answer = form.cleaned_data["participant"]
        try:
            done = referral_assign(
                actor=request.user,
                referral=referral,
                case_manager=chosen,
                participant=answer if answer == NEW_PARTICIPANT else int(answer),
                shown=shown,
            )
        except MatchToConfirm:
            return _page(request, referral, form=form, status=409, stale=True)
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status
        else:
            name = done.participant.display_name
            cm = chosen.get_full_name() if chosen else ""
            if done.already:
                messages.info(
                    request,
                    _("This assignment was already made: %(name)s is on %(cm)s's caseload.")
                    % {"name": name, "cm": cm},
                )
            else:
                messages.success(
                    request,
                    _("%(name)s is on %(cm)s's caseload, with intake due.") % {"name": name, "cm": cm},
                )
            if done.warning:
                messages.warning(request, done.warning)
            return redirect("referrals:waiting")
    return _page(request, referral, form=form, status=status)


def _page(
    request: AuthedRequest, referral: Referral, *, form: AssignForm | None, status: int, stale: bool = False
) -> HttpResponse:
    """The assignment page as things are now (the candidates read again: someone may have been added)."""
    waiting = is_waiting(referral)
    candidates, hidden = (
        handoff_match_candidates(actor=request.user, referral=referral) if waiting else ([], False)
    )
    if candidates:
        participant_reads_audit(
            user=request.user,
            participants=candidates,
            action=AuditEvent.Action.SEARCH,
            reason="match check before assigning a waiting referral",
        )
    if stale and form is not None:  # asked again, about the people found now: the case manager stays chosen
        form = AssignForm(
            initial={"case_manager": request.POST.get("case_manager", "")},
            managers=case_manager_choices(),
            candidates=candidates,
            new=NEW_PARTICIPANT,
        )
    context = {
        "r": referral,
        "form": form,
        "waiting": waiting,
        "reason": "" if waiting else not_waiting_reason(referral),
        "managers": case_manager_choices() if form is not None else [],
        "candidates": candidates,
        "hidden": hidden,
        "stale": stale,
        "new": NEW_PARTICIPANT,
        "chosen_manager": str(form["case_manager"].value() or "") if form is not None else "",
        "chosen_participant": str(form["participant"].value() or "") if form is not None else "",
    }
    return render(request, "referrals/waiting_assign.html", context, status=status)
