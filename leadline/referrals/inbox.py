"""The referrals app's kinds of work in the "needs you" inbox (core.inbox; issue #17, item 1). Imported from
ReferralsConfig.ready(). Each is read from the records' state, so an item leaves the moment its work is done.

- ``handoff_waiting`` (urgent, first): on the case side, every request not yet acknowledged that paged me
  (a HandoffPage names me, at any level), or any such request while I am on call now (case manager, backup
  or supervisor of the shift in force: a request raised before my shift began is mine too); it leaves when
  someone acknowledges it (or it is cancelled). For the officer who called: their own hand-offs in
  progress, with where they stand, until the officer is clear of the scene (12 hours at most).
- ``community_to_approve``: community referrals waiting for the designated approver (only a designated
  approver holds the work: the capability alone cannot decide).
- ``waiting_for_case_manager``: the waiting queue (services/waiting.py), for whoever assigns caseloads.

A case manager's referrals newly assigned from the queue are not a kind here: they are participants
"referred" on her caseload, which is the cases app's "intake due" (decision 0038).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts import policy
from leadline.core import clock
from leadline.core.inbox import InboxItem, InboxSource, register_source
from leadline.referrals.models import Handoff, HandoffPage, OnCallShift, Referral
from leadline.referrals.policy import (
    handoffs_visible_to,
    may_answer_handoff,
    may_approve,
    referrals_visible_to,
)
from leadline.referrals.services.waiting import QUEUE_CAPABILITY, waiting_list_for

OFFICER_WINDOW = timedelta(
    hours=12
)  # a hand-off done but never cleared leaves the officer's inbox after this


def _person(referral: Referral | None) -> str:
    return f"{referral.given_name} {referral.family_name}" if referral is not None else ""


# --- Hand-offs ------------------------------------------------------------------------------------------


def handoffs_waiting_for(user: Any) -> QuerySet[Handoff]:
    """The hand-offs that wait on ``user`` now (see the module's docstring), oldest first."""
    now = clock.now()
    if may_answer_handoff(user):
        paged = Exists(HandoffPage.objects.filter(handoff=OuterRef("pk"), recipient=user))
        on_call = Exists(
            OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now).filter(
                Q(case_manager=user) | Q(backup=user) | Q(supervisor=user)
            )
        )
        waiting = handoffs_visible_to(user).filter(status=Handoff.Status.REQUESTED).filter(paged | on_call)
    elif policy.can(user, "handoff.edit"):  # the officer who called, waiting at the scene
        in_progress = (Handoff.Status.REQUESTED, Handoff.Status.ACKNOWLEDGED, Handoff.Status.ARRIVED)
        waiting = (
            handoffs_visible_to(user)
            .filter(requested_by=user)
            .filter(
                Q(status__in=in_progress)
                | Q(
                    status=Handoff.Status.HANDED_OFF,
                    officer_cleared_at__isnull=True,
                    handed_off_at__gte=now - OFFICER_WINDOW,
                )
            )
        )
    else:
        return Handoff.objects.none()
    return waiting.order_by("requested_at", "pk")


def _handoff_what(handoff: Handoff, *, officer: bool) -> str:
    referral = handoff.referral
    if referral is None:
        where = _("by phone, call-back %(phone)s") % {"phone": handoff.callback_phone}
    else:
        where = referral.get_door_display() + (f", {referral.place}" if referral.place else "")
    if not officer:
        return _("Hand-off requested: %(where)s") % {"where": where}
    if handoff.status == Handoff.Status.ACKNOWLEDGED and handoff.eta_minutes is not None:
        state = _("acknowledged, arriving in about %(n)s minutes") % {"n": handoff.eta_minutes}
    elif handoff.status == Handoff.Status.HANDED_OFF:
        state = _("handed off: say when you are clear of the scene")
    else:
        state = str(handoff.get_status_display()).lower()
    return _("Your LEAD-line call (%(where)s): %(state)s") % {"where": where, "state": state}


def _handoff_items(user: Any, limit: int) -> list[InboxItem]:
    officer = not may_answer_handoff(user)
    rows = handoffs_waiting_for(user).select_related("referral")[:limit]
    items = []
    for h in rows:
        if officer and h.referral_id is not None:
            url = reverse("referrals:detail", args=[h.referral_id])
        else:
            url = reverse("referrals:handoffs")
        items.append(
            InboxItem(
                kind="handoff_waiting",
                what=_handoff_what(h, officer=officer),
                who=_person(h.referral),
                since=h.requested_at,
                url=url,
                urgent=True,
                work_key=f"handoff:{h.pk}",
            )
        )
    return items


# --- Community referrals to approve ---------------------------------------------------------------------


def community_to_approve_for(user: Any) -> QuerySet[Referral]:
    if not may_approve(user):
        return Referral.objects.none()
    return (
        referrals_visible_to(user)
        .filter(door=Referral.Door.COMMUNITY, status=Referral.Status.PENDING_APPROVAL)
        .order_by("created_at", "pk")
    )


def _approve_items(user: Any, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="community_to_approve",
            what=_("Community referral from %(org)s to approve or decline")
            % {"org": r.agency.name if r.agency else _("a partner")},
            who=_person(r),
            since=r.created_at,
            url=reverse("referrals:detail", args=[r.pk]),
            work_key=f"referral:{r.pk}",
        )
        for r in community_to_approve_for(user).select_related("agency")[:limit]
    ]


# --- The waiting queue ----------------------------------------------------------------------------------


def _waiting_items(user: Any, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="waiting_for_case_manager",
            what=_("%(door)s waiting for a case manager") % {"door": r.get_door_display()},
            who=_person(r),
            since=r.waiting_since,  # type: ignore[attr-defined]  # annotated by the queue
            url=reverse("referrals:waiting_assign", args=[r.pk]),
            work_key=f"referral:{r.pk}",
        )
        for r in waiting_list_for(user=user)[:limit]
    ]


register_source(
    InboxSource(
        kind="handoff_waiting",
        label=gettext_lazy("Hand-offs waiting for you"),
        capability="handoff.view",
        items=_handoff_items,
        count=lambda user: handoffs_waiting_for(user).count(),
        order=0,
        urgent=True,
    )
)
register_source(
    InboxSource(
        kind="community_to_approve",
        label=gettext_lazy("Community referrals to approve"),
        capability="community_approval.edit",
        items=_approve_items,
        count=lambda user: community_to_approve_for(user).count(),
        order=10,
    )
)
register_source(
    InboxSource(
        kind="waiting_for_case_manager",
        label=gettext_lazy("Waiting for a case manager"),
        capability=QUEUE_CAPABILITY,
        items=_waiting_items,
        count=lambda user: waiting_list_for(user=user).count(),
        order=20,
    )
)
