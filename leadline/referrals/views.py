from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required, permissions_policy_allow
from leadline.core import clock, refusals
from leadline.referrals import services
from leadline.referrals.dashboard import dashboard_for
from leadline.referrals.forms import ApprovalForm, CommunityReferralForm, OverrideForm, ReferralForm
from leadline.referrals.models import Referral
from leadline.referrals.policy import (
    community_approvers,
    handoff_access,
    may_approve,
    may_override,
    may_request_handoff,
    referral_next_step,
)
from leadline.referrals.selectors import (
    handoffs_to_link_for,
    referral_get_for,
    referral_list_for,
    referral_outcomes_for,
    referral_reads_audit,
)
from leadline.referrals.sentences import check_rows, result_of
from leadline.referrals.services.waiting import is_waiting
from leadline.sites.selectors import policy_version_today, site_get


def _input_from(form: ReferralForm) -> services.ReferralInput:
    d = form.cleaned_data
    door = d["door"]
    arrest = door == "arrest_diversion"
    social = door == "social_contact"
    return services.ReferralInput(
        door=door,
        given_name=d["given_name"].strip(),
        family_name=d["family_name"].strip(),
        person_agrees=d["person_agrees"] == "yes",
        aggrieved_party=d["aggrieved_party"],
        occurred_at=clock.now(),
        date_of_birth=d.get("date_of_birth"),
        stated_age=d.get("stated_age"),
        offence=d.get("offence") if arrest else None,
        drug_quantity_grams=d.get("drug_quantity_grams") if arrest else None,
        exclusions_flagged=tuple(d.get("exclusions_flagged") or ()),
        place=d.get("place", ""),
        latitude=d.get("latitude"),
        longitude=d.get("longitude"),
        verification=d.get("verification", "") if social else "",
        verified_on=d.get("verified_on") if social else None,
        inside_catchment=(d.get("inside_catchment") == "yes") if social else None,
    )


@capability_required("referral.edit")
@permissions_policy_allow("geolocation")  # "use my location" (static/leadline/referral.js)
@require_http_methods(["GET", "POST"])
def referral_new(request: AuthedRequest) -> HttpResponse:
    version = policy_version_today()
    if version is None:
        return render(request, "referrals/no_policy.html", status=503)
    form = ReferralForm(
        request.POST or None,
        policy_version=version,
        initial={
            "idempotency_key": uuid.uuid4().hex,
            "aggrieved_party": "none_present",
            # "Refer through the social-contact door instead" on an ineligible result opens that door.
            **({"door": request.GET["door"]} if request.GET.get("door") in Referral.Door.values else {}),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral, created = services.referral_submit(
                actor=request.user,
                data=_input_from(form),
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 when the form's key was used for another referral
        else:
            if not created:
                messages.info(request, _("This referral was already recorded."))
            return redirect("referrals:detail", referral_id=referral.pk)
    else:
        status = 400 if request.method == "POST" else 200
    return render(request, "referrals/new.html", {"form": form, "version": version}, status=status)


@capability_required("referral.view")
@require_GET
def referral_list(request: AuthedRequest) -> HttpResponse:
    page = Paginator(referral_list_for(user=request.user), 25).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    referral_reads_audit(user=request.user, referrals=rows)
    outcomes = referral_outcomes_for(user=request.user, referrals=rows)
    for r in rows:
        r.outcome = outcomes.get(r.pk)  # type: ignore[attr-defined]
    return render(request, "referrals/list.html", {"page": page, "rows": rows})


def _checks_read(referral: Referral) -> list:
    """Every criterion's row with its sentence in the reader's language (``c.sentence``; decision 0040)."""
    return check_rows(referral, list(referral.checks.all()))


def _detail_context(
    request: AuthedRequest, referral: Referral, override_form: OverrideForm | None = None
) -> dict:
    handoff = services.live_handoff_of(referral)
    checks = _checks_read(referral)
    # The aggrieved party's decline is a condition no override lifts (services.referral_override refuses it).
    aggrieved_declined = any(c.criterion == "aggrieved_party" and not c.passed for c in checks)
    ineligible = referral.status == Referral.Status.INELIGIBLE
    may_override_this = may_override(request.user) and ineligible and not aggrieved_declined
    if override_form is None and may_override_this:
        override_form = OverrideForm()
    can_call = may_request_handoff(request.user, referral, has_handoff=handoff is not None)
    # The one next step that fits the door and the state (issue #17, item 3).
    next_step = referral_next_step(
        request.user, referral, has_handoff=handoff is not None, waiting=is_waiting(referral)
    )
    program_side = policy.can(request.user, "participant_card.view")
    return {
        "r": referral,
        "next": next_step,
        # Whose caseload the person is on: the program's side only.
        "assigned_to": _case_manager_name(referral) if next_step.step == "assigned" and program_side else "",
        "outcome": referral_outcomes_for(user=request.user, referrals=[referral]).get(referral.pk),
        "checks": checks,
        # The result in one sentence, first on the page; what to do next for the officer who referred.
        "result": result_of(referral, checks, for_referrer=referral.referred_by_id == request.user.pk),
        "override_form": override_form,
        "no_override_aggrieved": aggrieved_declined and ineligible and may_override(request.user),
        "h": handoff,
        "handoff_access": handoff_access(request.user, handoff) if handoff is not None else None,
        "can_call": can_call,
        # Requests this officer raised by phone that wait for a referral: this one can be linked.
        "line_calls": handoffs_to_link_for(user=request.user)
        if can_call and referral.referred_by_id == request.user.pk
        else [],
        "leadline_site": site_get(),
        # The participant the referral became: the program's side only (officers see the referral's outcome).
        "participant_link": referral.participant_id
        if policy.can(request.user, "participant_card.view")
        else None,
        "approvers": community_approvers()
        if referral.status == Referral.Status.PENDING_APPROVAL and policy.can(request.user, "referral.view")
        else None,
        "approval_form": ApprovalForm()
        if may_approve(request.user) and referral.status == Referral.Status.PENDING_APPROVAL
        else None,
    }


def _case_manager_name(referral: Referral) -> str:
    participant = referral.participant
    manager = participant.case_manager if participant is not None else None
    return manager.get_full_name() if manager is not None else ""


@capability_required("referral.view")
@require_GET
def referral_detail(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for(user=request.user, referral_id=referral_id)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


@capability_required("eligibility_override.edit")
@require_POST
def referral_override(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for(user=request.user, referral_id=referral_id)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.referral_override(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 when someone else changed the referral meanwhile
        else:
            messages.success(request, _("Eligibility overridden; the reason is on the record."))
            return redirect("referrals:detail", referral_id=referral.pk)
    else:
        status = 400
    return render(
        request,
        "referrals/detail.html",
        _detail_context(request, referral, form),
        status=status,
    )


@capability_required("referral.view")
@require_GET
def referral_dashboard(request: AuthedRequest) -> HttpResponse:
    return render(request, "referrals/dashboard.html", {"d": dashboard_for(user=request.user)})


@capability_required("community_referral.edit")
@require_http_methods(["GET", "POST"])
def community_new(request: AuthedRequest) -> HttpResponse:
    form = CommunityReferralForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.community_referral_submit(
                actor=request.user,
                idempotency_key=d["idempotency_key"],
                data=services.CommunityInput(
                    given_name=d["given_name"].strip(), family_name=d["family_name"].strip(),
                    concern=d["concern"].strip(), person_agrees=d["person_agrees"] == "yes",
                    date_of_birth=d.get("date_of_birth"), stated_age=d.get("stated_age"),
                    place=d.get("place", ""),
                ),
            )  # fmt: skip
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 when the form's key was used for another referral
        else:
            messages.success(request, _("Thank you. LEAD will review this referral."))
            return redirect("referrals:community_list")
    else:
        status = 400 if request.method == "POST" else 200
    return render(request, "referrals/community_new.html", {"form": form}, status=status)


@capability_required("community_referral.view")
@require_GET
def community_list(request: AuthedRequest) -> HttpResponse:
    page = Paginator(referral_list_for(user=request.user), 25).get_page(request.GET.get("page"))
    referral_reads_audit(user=request.user, referrals=page.object_list)
    return render(request, "referrals/community_list.html", {"page": page})


@capability_required("community_approval.edit")
@require_POST
def community_decide(request: AuthedRequest, referral_id: int) -> HttpResponse:
    if not may_approve(request.user):
        raise PermissionDenied  # the capability, but not designated as the approver
    referral = referral_get_for(user=request.user, referral_id=referral_id)
    form = ApprovalForm(request.POST)
    if form.is_valid():
        try:
            services.community_referral_decide(
                actor=request.user, referral=referral, approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 when it was decided meanwhile
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("referrals:detail", referral_id=referral.pk)
    else:
        status = 400
    ctx = _detail_context(request, referral)
    ctx["approval_form"] = form
    return render(request, "referrals/detail.html", ctx, status=status)
