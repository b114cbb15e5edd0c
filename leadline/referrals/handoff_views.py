"""The LEAD line in the browser: the officer's button and live status, the case manager's answers."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.core import refusals
from leadline.participants.selectors import participant_reads_audit
from leadline.referrals import services
from leadline.referrals.models import Handoff
from leadline.referrals.policy import door_takes_handoff, handoff_access
from leadline.referrals.selectors import handoff_get_for, handoff_open_list_for, referral_get_for
from leadline.referrals.services.handoffs import Shown, referral_not_linked
from leadline.sites.selectors import site_get


@capability_required("handoff.edit")
@require_POST
def handoff_request(request: AuthedRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for(user=request.user, referral_id=referral_id)
    if not door_takes_handoff(referral):  # only the action that fits the door (issue #17, item 3)
        messages.error(request, _("The LEAD line is for a referral at a scene that nobody has taken in yet; "
                                  "this one goes to a case manager through the waiting queue."))  # fmt: skip
        return redirect("referrals:detail", referral_id=referral.pk)
    phone = request.POST.get("callback_phone", "").strip()[:40]
    if not phone:
        messages.error(request, _("Call-back number: give a number the case manager can call."))
        return redirect("referrals:detail", referral_id=referral.pk)
    try:
        services.handoff_request(actor=request.user, referral=referral, callback_phone=phone)
    except refusals.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The LEAD line has been called. The on-call case manager is being paged.")
        )
    return redirect("referrals:detail", referral_id=referral.pk)


@capability_required("handoff.edit")
@require_POST
def handoff_link_view(request: AuthedRequest, referral_id: int, handoff_id: int) -> HttpResponse:
    """The officer who reached the LEAD line by phone attaches the referral they have just submitted."""
    referral = referral_get_for(user=request.user, referral_id=referral_id)
    handoff = handoff_get_for(user=request.user, handoff_id=handoff_id)
    try:
        services.handoff_link(actor=request.user, handoff=handoff, referral=referral)
    except refusals.Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The referral is linked to your LEAD-line call."))
    return redirect("referrals:detail", referral_id=referral.pk)


@capability_required("handoff.view")
@require_GET
def handoff_status(request: AuthedRequest, handoff_id: int) -> HttpResponse:
    """The live status panel (htmx polls it on the officer's referral page)."""
    handoff = handoff_get_for(user=request.user, handoff_id=handoff_id)
    return render(request, "referrals/_handoff_status.html", {"h": handoff, "site": site_get()})


@capability_required("handoff.view")
@require_GET
def handoff_list(request: AuthedRequest) -> HttpResponse:
    rows = [(h, handoff_access(request.user, h)) for h in handoff_open_list_for(user=request.user)]
    return render(request, "referrals/handoffs.html", {"handoffs": rows, "site": site_get()})


ACTIONS: dict[str, Callable[..., Handoff]] = {
    "acknowledge": services.handoff_acknowledge,
    "arrive": services.handoff_arrive,
    "complete": services.handoff_complete,
    "clear": services.handoff_clear,
    "cancel": services.handoff_cancel,
}


@capability_required("handoff.view")
@require_POST
def handoff_act(request: AuthedRequest, handoff_id: int, action: str) -> HttpResponse:
    handoff = handoff_get_for(user=request.user, handoff_id=handoff_id)
    act = ACTIONS.get(action)
    if act is None:
        raise Http404
    access = handoff_access(request.user, handoff)
    if not {"clear": access.may_clear, "cancel": access.may_cancel}.get(action, access.may_answer):
        raise PermissionDenied
    try:
        if action == "acknowledge":
            try:
                eta = int(request.POST.get("eta_minutes", ""))
            except ValueError:
                messages.error(request, _("Minutes to arrive: give a whole number of minutes."))
                return redirect(_back(request, handoff))
            services.handoff_acknowledge(actor=request.user, handoff=handoff, eta_minutes=eta)
        elif action == "complete":
            return _complete(request, handoff)
        elif action == "cancel":
            reason = request.POST.get("reason", "")
            services.handoff_cancel(actor=request.user, handoff=handoff, reason=reason)
            messages.success(request, _("The request is cancelled."))
        else:
            act(actor=request.user, handoff=handoff)
    except refusals.Refused as exc:
        messages.error(request, exc.message)
    return redirect(_back(request, handoff))


def _complete(request: AuthedRequest, handoff: Handoff) -> HttpResponse:
    """The case manager pressed "Hand-off done". When the matcher finds who the person may already be, she
    confirms one or says it is someone new, on a page that answers to this same URL (decision 0029). The
    page posts the candidates it showed: "None of these" answers only them, and is asked again when the
    matcher has found someone since (another hand-off of the same person, done meanwhile)."""
    if handoff.referral_id is None:
        # A request raised by phone waits for the officer's referral: there is nobody to match yet.
        messages.error(request, referral_not_linked())
        return redirect(_back(request, handoff))
    raw = request.POST.get("match", "").strip()
    confirming = bool(request.POST.get("confirming"))  # sent from the page that asks who the person is
    if (confirming and not raw) or (raw and raw != services.NEW_PARTICIPANT and not raw.isdigit()):
        return _confirm_page(request, handoff, error=_("Participant: choose one of the people listed, or "
                                                       "a new participant."), status=400)  # fmt: skip
    match: int | str | None = int(raw) if raw.isdigit() else (raw or None)
    shown: Shown | None = None
    if confirming:
        ids = frozenset(int(v) for v in request.POST.getlist("shown") if v.strip().isdigit())
        shown = Shown(ids=ids, hidden=bool(request.POST.get("shown_hidden")))
    try:
        services.handoff_complete(actor=request.user, handoff=handoff, match=match, shown=shown)
    except services.MatchToConfirm as asked:
        return _confirm_page(request, handoff, status=409, stale=asked.stale)
    except refusals.Refused as exc:
        if exc.field == "participant":
            return _confirm_page(request, handoff, error=exc.message, status=400)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Hand-off done: the person is a participant, pending intake."))
    return redirect(_back(request, handoff))


def _confirm_page(
    request: AuthedRequest, handoff: Handoff, *, status: int, error: str = "", stale: bool = False
) -> HttpResponse:
    handoff = handoff_get_for(user=request.user, handoff_id=handoff.pk)  # as it is now
    referral = handoff.referral
    if referral is None:  # unlinked meanwhile: nobody to match
        messages.error(request, referral_not_linked())
        return redirect(_back(request, handoff))
    candidates, hidden = services.handoff_match_candidates(actor=request.user, referral=referral)
    participant_reads_audit(
        user=request.user, participants=candidates, action=AuditEvent.Action.SEARCH,
        reason="match check before completing a hand-off",
    )  # fmt: skip
    context = {
        "h": handoff,
        "referral": referral,
        "candidates": candidates,
        "hidden": hidden,
        "error": error,
        "stale": stale,
        "new": services.NEW_PARTICIPANT,
        "back": request.POST.get("back", ""),
    }
    return render(request, "referrals/handoff_match.html", context, status=status)


def _back(request: HttpRequest, handoff: Handoff) -> str:
    from django.urls import reverse

    if request.POST.get("back") == "referral" and handoff.referral_id:
        return reverse("referrals:detail", kwargs={"referral_id": handoff.referral_id})
    return reverse("referrals:handoffs")
