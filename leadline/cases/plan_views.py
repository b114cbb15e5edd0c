"""The individual intervention plan: goals the participant sets, by domain, on a harm-reduction scale;
steps with an owner and a date; progress over time."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.cases import services as case_services
from leadline.cases.forms import GoalForm, PlanItemForm, ProgressForm
from leadline.cases.models import Domain, PlanGoal, PlanItem, domain_sensitivity
from leadline.core import refusals
from leadline.participants.selectors import participant_get_for


@capability_required("case_notes.view")
@require_http_methods(["GET", "POST"])
def plan(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id, reason="plan")
    access = view.access
    if not access.has("case_notes.view"):
        raise Http404
    visible = set(access.note_sensitivities_visible)
    writable = set(access.note_sensitivities_writable) if access.has("case_notes.edit") else set()
    domains = [(v, str(label)) for v, label in Domain.choices if domain_sensitivity(v) in writable]
    goals = [
        g for g in PlanGoal.objects.filter(participant=view.participant).prefetch_related("items", "history")
        if domain_sensitivity(g.domain) in visible
    ]  # fmt: skip
    bound: dict[str, object] = {}
    status = 200
    if request.method == "POST":
        if not writable:
            raise Http404
        status, bound = _handle(request, view.participant, goals, domains)
        if status == 302:
            return redirect("cases:plan", participant_id=participant_id)
    goal_form = bound.get("goal") or GoalForm(domains=domains, initial={"idempotency_key": uuid.uuid4().hex})
    cards = []
    for g in goals:
        editable = domain_sensitivity(g.domain) in writable
        cards.append({
            "goal": g,
            "editable": editable,
            "progress_form": bound.get(f"progress-{g.pk}")
            or ProgressForm(
                prefix=f"g{g.pk}", initial={"level": g.progress, "state": g.state, "version": g.version}
            ),
            "item_form": bound.get(f"item-{g.pk}")
            or PlanItemForm(prefix=f"i{g.pk}", initial={"idempotency_key": uuid.uuid4().hex}),
        })  # fmt: skip
    return render(
        request,
        "cases/plan.html",
        {
            "p": view.participant, "cards": cards, "goal_form": goal_form if domains else None,
            "service_referrals": list(
                view.participant.service_referrals.select_related("service", "organization", "goal")
            ) if access.has("service_referral.view") else None,
            "may_refer": access.has("service_referral.edit"),
        },
        status=status,
    )  # fmt: skip


def _handle(
    request: AuthedRequest, participant: Any, goals: list[PlanGoal], domains: list[tuple[str, str]]
) -> tuple[int, dict[str, object]]:
    action = request.POST.get("action", "")
    by_id = {g.pk: g for g in goals}
    try:
        if action == "goal":
            form = GoalForm(request.POST, domains=domains)
            if not form.is_valid():
                return 400, {"goal": form}
            try:
                case_services.goal_add(actor=request.user, participant=participant, **form.cleaned_data)
            except case_services.InvalidCaseInput as exc:  # not NotAllowed: the 404 below
                refusals.on_form(form, exc)
                return 400, {"goal": form}
            messages.success(request, _("Goal added."))
            return 302, {}
        goal = by_id.get(int(request.POST.get("goal", "0") or 0))
        if goal is None:
            raise Http404
        if action == "progress":
            pform = ProgressForm(request.POST, prefix=f"g{goal.pk}")
            if not pform.is_valid():
                return 400, {f"progress-{goal.pk}": pform}
            d = pform.cleaned_data
            try:
                case_services.goal_progress(
                    actor=request.user, goal=goal, level=d["level"], note=d["note"], state=d["state"],
                    expected_version=d["version"],
                )  # fmt: skip
            except case_services.StaleEdit:
                pform.add_error(None, _("Someone else updated this goal meanwhile. Look again and retry."))
                return 409, {f"progress-{goal.pk}": pform}
            messages.success(request, _("Progress recorded."))
            return 302, {}
        if action == "item":
            iform = PlanItemForm(request.POST, prefix=f"i{goal.pk}")
            if not iform.is_valid():
                return 400, {f"item-{goal.pk}": iform}
            try:
                case_services.plan_item_add(actor=request.user, goal=goal, **iform.cleaned_data)
            except case_services.InvalidCaseInput as exc:  # not NotAllowed: the 404 below
                refusals.on_form(iform, exc)
                return 400, {f"item-{goal.pk}": iform}
            messages.success(request, _("Step added."))
            return 302, {}
        if action == "done":
            item = PlanItem.objects.filter(pk=int(request.POST.get("item", "0") or 0), goal=goal).first()
            if item is None:
                raise Http404
            case_services.plan_item_done(actor=request.user, item=item)
            messages.success(request, _("Step done."))
            return 302, {}
    except case_services.NotAllowed as exc:
        raise Http404 from exc
    except ValueError as exc:
        raise Http404 from exc
    raise Http404
