"""Who sees which referrals: the scope of referral.view (own, precinct, all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.core.actors import Actor
from leadline.referrals.models import Handoff, Referral


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """The referrals this user may read. For a criminal-justice role a sealed infraction is gone (PRODUCT
    §4 rule 3): the referral that diverted it is never listed, shown, searched or exported again."""
    referrals = _referrals_in_scope(user)
    if policy.hides_sealed(user):
        referrals = referrals.exclude(legal_matter__sealed_at__isnull=False)
    return referrals


def _referrals_in_scope(user: User) -> QuerySet[Referral]:
    scope = policy.scope_of(user, "referral.view")
    if scope is Scope.ALL:
        return Referral.objects.all()
    if scope is Scope.PRECINCT:
        precinct_id = getattr(user, "precinct_id", None)
        return Referral.objects.filter(precinct_id=precinct_id) if precinct_id else Referral.objects.none()
    if scope is Scope.OWN:
        return Referral.objects.filter(referred_by=user)
    if policy.scope_of(user, "community_referral.view") is Scope.ORGANISATION and (
        agency_id := getattr(user, "agency_id", None)
    ):
        # A partner organisation sees the community referrals it made, and their status.
        return Referral.objects.filter(door=Referral.Door.COMMUNITY, agency_id=agency_id)
    return Referral.objects.none()


def handoffs_visible_to(user: User) -> QuerySet[Handoff]:
    """The scope of handoff.view, without a sealed infraction's hand-off for a criminal-justice role."""
    handoffs = _handoffs_in_scope(user)
    if policy.hides_sealed(user):
        handoffs = handoffs.exclude(referral__legal_matter__sealed_at__isnull=False)
    return handoffs


def _handoffs_in_scope(user: User) -> QuerySet[Handoff]:
    """A request raised by phone has no referral until the officer links one, so its scope reads the
    officer who raised it: their own, their precinct's, or all."""
    if not policy.can(user, "handoff.view"):
        return Handoff.objects.none()
    scope = policy.scope_of(user, "handoff.view")
    if scope is Scope.ALL:
        return Handoff.objects.all()
    if scope is Scope.PRECINCT:
        precinct_id = getattr(user, "precinct_id", None)
        if not precinct_id:
            return Handoff.objects.none()
        return Handoff.objects.filter(
            Q(referral__precinct_id=precinct_id)
            | Q(referral__isnull=True, requested_by__precinct_id=precinct_id)
        )
    if scope is Scope.OWN:
        return Handoff.objects.filter(Q(referral__referred_by=user) | Q(requested_by=user))
    return Handoff.objects.none()


def may_approve(user: User) -> bool:
    """A community referral is decided by a designated approver: the capability and the designation."""
    return policy.can(user, "community_approval.edit") and bool(getattr(user, "is_community_approver", False))


def community_approvers() -> list[Any]:

    return [u for u in User.objects.filter(is_active=True, is_community_approver=True) if may_approve(u)]


def may_override(user: User) -> bool:
    return policy.can(user, "eligibility_override.edit")


def may_answer_handoff(user: Actor) -> bool:
    """Acknowledge, arrive, complete: the case-management side only, never a police role."""
    return policy.can(user, "handoff.edit") and not policy.is_law_enforcement(user)


@dataclass(frozen=True)
class HandoffAccess:
    """What one person may do to one hand-off (decisions 0007 and 0008). The one rule for the views, the
    services and the templates: templates read these booleans and never compare ids or roles.

    Who may act, not whether the hand-off's state allows it now: a request that has moved on is refused
    by the service's compare-and-set with its own message."""

    may_answer: bool  # acknowledge, arrive, complete: the case-management side, never a police role
    may_cancel: bool  # call off an open request: the officer who raised it, or the case-management side
    may_clear: bool  # record the officer clear of the scene: the officer who raised it, or the same side
    raised_it: bool  # this person raised the request (the officer on the scene): for wording only


def handoff_access(user: Actor, handoff: Handoff) -> HandoffAccess:
    answer = may_answer_handoff(user)
    raised = (
        handoff.requested_by_id is not None
        and handoff.requested_by_id == getattr(user, "pk", None)
        and policy.role_of(user) is not None
    )
    return HandoffAccess(
        may_answer=answer, may_cancel=answer or raised, may_clear=answer or raised, raised_it=raised
    )


# The doors whose way to a case manager is the warm hand-off at the scene. A community referral is not
# at a scene: once approved it waits in the queue for the program manager to assign (issue #17, item 3).
HANDOFF_DOORS = (Referral.Door.ARREST_DIVERSION, Referral.Door.SOCIAL_CONTACT)


def door_takes_handoff(referral: Referral) -> bool:
    """The LEAD line fits this referral: its door is at a scene, and nobody has taken the person in yet
    (a social-contact referral assigned from the queue is on a caseload already)."""
    return referral.door in HANDOFF_DOORS and referral.participant_id is None


def may_request_handoff(user: User, referral: Referral, has_handoff: bool) -> bool:
    return (
        not has_handoff
        and referral.status == Referral.Status.ELIGIBLE
        and door_takes_handoff(referral)
        and policy.can(user, "handoff.edit")
    )


@dataclass(frozen=True)
class NextStep:
    """The one next step that fits a referral's door and state, for its page (issue #17, item 3): the
    template shows the part ``step`` names and nothing else.

    step: "handoff" (call the LEAD line, or its status once called), "approval" (a community referral
    waiting for the approver), "waiting" (in the queue for a case manager), "assigned" (with a case
    manager), "override" (not eligible: the override, for those who hold it), "none"."""

    step: str
    may_call: bool = False  # this reader may call the LEAD line for it now
    may_approve: bool = False  # this reader is the designated approver and it waits for a decision
    may_assign: bool = False  # this reader assigns from the waiting queue
    also_waiting: bool = False  # a social-contact referral not handed off: in the queue as well


def referral_next_step(user: User, referral: Referral, *, has_handoff: bool, waiting: bool) -> NextStep:
    """``has_handoff``: a live (not cancelled) hand-off exists; ``waiting``: the referral is in the queue
    (services.waiting decides both from the records)."""
    assigns = policy.can(user, "caseload.edit")
    status, door = referral.status, referral.door
    if has_handoff:
        return NextStep("handoff")
    if referral.participant_id is not None:
        return NextStep("assigned")
    if status == Referral.Status.PENDING_APPROVAL:
        return NextStep("approval", may_approve=may_approve(user))
    if status == Referral.Status.INELIGIBLE:
        return NextStep("override")
    if door == Referral.Door.COMMUNITY:
        return NextStep("waiting" if waiting else "none", may_assign=assigns and waiting)
    if door in HANDOFF_DOORS and status == Referral.Status.ELIGIBLE:
        return NextStep(
            "handoff",
            may_call=may_request_handoff(user, referral, has_handoff=False),
            may_assign=assigns and waiting,
            also_waiting=waiting,
        )
    if waiting:  # a social-contact referral waiting for capacity
        return NextStep("waiting", may_assign=assigns)
    return NextStep("none")
