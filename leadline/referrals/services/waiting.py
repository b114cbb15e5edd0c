"""No eligible person falls between doors (issue #17, item 3; decision 0038).

An approved community referral, or an eligible social-contact referral that was not handed off at the
scene, waits for a case manager in a queue the program manager assigns from. The queue is a rule over the
records' state (``waiting_referrals``), not a table: a referral is in it while it fits the rule, and leaves
it the moment it does not (assigned here, handed off, a hand-off raised for it).

``referral_assign`` takes one out: it creates the participant from the referral's own data (nothing typed
again) or joins the existing participant the program manager confirms among the matcher's candidates (the
hand-off's matching, decision 0029), puts them on the chosen caseload within the site's limits, and links
the referral to them.

The program managers are told when a referral enters the queue: a community referral at its approval
(``referral_decided``, subscribed to ``events.on_referral_decided``), and every referral, whatever brought
it in (a social-contact referral not handed off within ``SOCIAL_CONTACT_GRACE``, a hand-off cancelled, an
override), by the worker's duty ``waiting_tell_due``, which tells of each entry once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.notifications.models import Notification
from leadline.notifications.services import notify, work_done
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.services import (
    caseload_limits,
    caseload_size,
    participant_create,
    participant_update,
)
from leadline.referrals.models import Handoff, Referral
from leadline.referrals.services.handoffs import (
    NEW_PARTICIPANT,
    PARTICIPANT_MATCH_LOCK,
    MatchToConfirm,
    Shown,
    handoff_match_candidates,
)

# A social-contact referral is the officer's to hand off at the scene first: the program managers are told
# it waits only when no hand-off was raised within this time (it is in the queue, and on their page, at once).
SOCIAL_CONTACT_GRACE = timedelta(minutes=30)
QUEUE_CAPABILITY = "caseload.edit"  # who assigns caseloads assigns from the queue


def work_key(referral_id: int) -> str:
    return f"referral:{referral_id}"


# --- The rule ---------------------------------------------------------------------------------------------


def _live_handoff() -> Exists:
    return Exists(Handoff.objects.filter(referral=OuterRef("pk")).exclude(status=Handoff.Status.CANCELLED))


QUEUE_RULE = (
    Q(door=Referral.Door.COMMUNITY, status=Referral.Status.ELIGIBLE)  # approved (or overridden)
    | Q(
        door=Referral.Door.SOCIAL_CONTACT,
        # Waiting for capacity is waiting for a case manager: the program manager assigns one with room.
        status__in=(Referral.Status.ELIGIBLE, Referral.Status.WAITLISTED),
    )
) & Q(participant__isnull=True)


def waiting_referrals() -> QuerySet[Referral]:
    """Every referral waiting for a case manager, oldest first, each annotated with ``waiting_since``:
    the approval (community), the override, or the referral itself. An arrest diversion is never here:
    its door is the hand-off at the scene (the legal matter opens there)."""
    return (
        Referral.objects.filter(QUEUE_RULE)
        .exclude(_live_handoff())
        .annotate(waiting_since=Coalesce("approval_at", "overridden_at", "created_at"))
        .order_by("waiting_since", "pk")
    )


def is_waiting(referral: Referral) -> bool:
    return waiting_referrals().filter(pk=referral.pk).exists()


def waiting_list_for(*, user: Any) -> QuerySet[Referral]:
    """The queue as the program manager reads it (nothing for anyone else)."""
    if not policy.can(user, QUEUE_CAPABILITY):
        return Referral.objects.none()
    return waiting_referrals().select_related("agency", "precinct", "referred_by", "approval_by")


def not_waiting_reason(referral: Referral) -> str:
    """Why a referral is not in the queue, in a sentence for the program manager."""
    if referral.participant_id is not None:
        return _("This referral is already with a case manager: it was linked to a participant.")
    if Handoff.objects.filter(referral=referral).exclude(status=Handoff.Status.CANCELLED).exists():
        return _("This referral was handed off at the scene: the LEAD line answers it, not the queue.")
    if referral.door == Referral.Door.ARREST_DIVERSION:
        return _("An arrest diversion goes to a case manager through the hand-off at the scene.")
    if referral.status == Referral.Status.PENDING_APPROVAL:
        return _("This community referral waits for the designated approver first.")
    return _("Only an eligible referral waits for a case manager; this one is: %(status)s.") % {
        "status": referral.get_status_display()
    }


# --- Who to choose ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseManagerChoice:
    user: User
    size: int  # open participants on the caseload now
    soft: int
    hard: int

    @property
    def full(self) -> bool:
        return self.size >= self.hard

    @property
    def over_soft(self) -> bool:
        return self.size >= self.soft


def case_manager_choices() -> list[CaseManagerChoice]:
    """Every active case manager with their caseload now (as ``caseload_size`` counts it) against the
    site's limits, in one query."""

    soft, hard = caseload_limits()
    managers = (
        policy.users_with_capability("caseload.view", scope=Scope.CASELOAD)
        .annotate(open_n=Count("caseload", filter=Q(caseload__status__in=CASELOAD_STATUSES)))
        .order_by("last_name", "first_name", "pk")
    )
    return [CaseManagerChoice(m, m.open_n, soft, hard) for m in managers]


# --- Assigning --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assigned:
    participant: Participant
    already: bool  # this same assignment had been made already (a double submit): nothing was written
    warning: str | None = None  # above the soft limit


def referral_assign(
    *,
    actor: User,
    referral: Referral,
    case_manager: User | None,
    participant: int | str | None = None,
    shown: Shown | None = None,
) -> Assigned:
    """Give a waiting referral a case manager: the participant made from the referral's data, or the
    existing one confirmed among the matcher's candidates, goes on ``case_manager``'s caseload (refused
    above the site's hard limit, a warning above the soft one) and the referral is linked to them.

    ``participant`` is the confirmed participant's id, or NEW_PARTICIPANT; None while not answered, when
    MatchToConfirm is raised (nothing written) if the matcher finds anyone. With ``shown`` (what the page
    listed), NEW_PARTICIPANT is asked again when the matcher now finds someone it did not list.

    Idempotent: the same assignment sent twice answers ``already=True`` with the same participant; a
    different one made meanwhile (another case manager, another participant) is refused (409)."""
    if not policy.can(actor, QUEUE_CAPABILITY):
        raise refusals.NotAllowed
    if (
        case_manager is None
        or not case_manager.is_active
        or policy.scope_of(case_manager, "caseload.view") is not Scope.CASELOAD
    ):
        raise refusals.Refused(_("Case manager: choose an active case manager."), "case_manager")
    soft, hard = caseload_limits()
    with transaction.atomic(durable=True):
        if connection.vendor == "postgresql":
            # The hand-off's lock: find-then-create never runs twice at once (decision 0029).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTICIPANT_MATCH_LOCK])
        fresh = Referral.objects.select_for_update().get(pk=referral.pk)
        if fresh.participant_id is not None:
            return _assigned_already(fresh, case_manager, participant)
        if not is_waiting(fresh):
            status = 409 if _handed_off(fresh) else 400
            raise refusals.Refused(not_waiting_reason(fresh), "referral", status=status)
        existing = _chosen(actor, fresh, participant, shown)
        User.objects.select_for_update().filter(pk=case_manager.pk).first()  # one caseload count at a time
        size = caseload_size(case_manager)
        # Whether the person adds one to this caseload: someone new, someone exited coming back, or someone
        # open on another caseload (or none).
        joins = (
            existing is None
            or existing.status == Participant.Status.EXITED
            or (existing.case_manager_id != case_manager.pk and existing.status in CASELOAD_STATUSES)
        )
        if joins and size + 1 > hard:
            raise refusals.Refused(
                _("Case manager: %(name)s already carries %(n)s participants, the hard limit is %(hard)s. "
                  "Choose another case manager.")
                % {"name": case_manager.get_full_name(), "n": size, "hard": hard},
                "case_manager",
            )  # fmt: skip
        reason = _("assigned from the waiting queue (referral #%(n)s)") % {"n": fresh.pk}
        if existing is None:
            person = participant_create(
                actor=actor, given_name=fresh.given_name, family_name=fresh.family_name,
                date_of_birth=fresh.date_of_birth, status=Participant.Status.REFERRED,
                case_manager=case_manager,
            )  # fmt: skip
        else:
            changes: dict[str, Any] = {}
            if existing.status == Participant.Status.EXITED:
                changes["status"] = Participant.Status.REFERRED  # back in LEAD, intake due again
            if existing.case_manager_id != case_manager.pk:
                changes["case_manager"] = case_manager
            person = existing
            if changes:
                person = participant_update(actor=actor, participant=existing, reason=reason, **changes)
        referral_changes: dict[str, Any] = {"participant": person.pk}
        before_status = fresh.status
        if fresh.status == Referral.Status.WAITLISTED:
            referral_changes["status"] = Referral.Status.ELIGIBLE  # capacity found on this caseload
        Referral.objects.filter(pk=fresh.pk).update(**referral_changes)
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="referral", subject_id=fresh.pk,
            participant_id=person.pk, reason=reason,
            changes={
                "participant": person.pk, "matched": existing is not None, "case_manager": case_manager.pk,
                **({"status": {"before": before_status, "after": Referral.Status.ELIGIBLE}}
                   if "status" in referral_changes else {}),
            },
        )  # fmt: skip
        # The program managers' notifications about this referral are done; the case manager is told.
        work_done(work_key=work_key(fresh.pk), kinds=[Notification.Kind.REFERRAL])  # not the partner's news
        notify(
            [case_manager], kind=Notification.Kind.REFERRAL,
            url=reverse("participants:detail", args=[person.pk]), work_key=work_key(fresh.pk),
        )  # fmt: skip
    referral.refresh_from_db()
    warning = None
    if joins and size + 1 > soft:
        warning = _("%(name)s now carries %(n)s participants, above the soft limit of %(soft)s.") % {
            "name": case_manager.get_full_name(), "n": size + 1, "soft": soft,
        }  # fmt: skip
    return Assigned(person, already=False, warning=warning)


def _handed_off(referral: Referral) -> bool:
    return Handoff.objects.filter(referral=referral).exclude(status=Handoff.Status.CANCELLED).exists()


def _assigned_already(referral: Referral, case_manager: User, participant: int | str | None) -> Assigned:
    """The referral has its participant: the same assignment again is answered as done, anything else is
    refused with what happened."""
    person = Participant.objects.select_related("case_manager").get(pk=referral.participant_id or 0)
    same_person = participant in (None, NEW_PARTICIPANT) or str(participant) == str(person.pk)
    if not _handed_off(referral) and person.case_manager_id == case_manager.pk and same_person:
        return Assigned(person, already=True)
    if _handed_off(referral):
        raise refusals.Conflict(not_waiting_reason(referral), "referral")
    holder = person.case_manager.get_full_name() if person.case_manager else _("nobody yet")
    raise refusals.Conflict(
        _("Someone else assigned this referral meanwhile: it is with %(name)s now. Nothing was changed.")
        % {"name": holder},
        "referral",
    )


def _chosen(
    actor: User, referral: Referral, participant: int | str | None, shown: Shown | None
) -> Participant | None:
    """The existing participant confirmed, or None for a new one; MatchToConfirm while unanswered."""
    candidates, hidden = handoff_match_candidates(actor=actor, referral=referral)
    if participant is None:
        if candidates or hidden:
            raise MatchToConfirm(candidates)
        return None
    if participant == NEW_PARTICIPANT:
        if shown is not None and (
            any(p.pk not in shown.ids for p in candidates) or (hidden and not shown.hidden)
        ):
            raise MatchToConfirm(candidates, stale=True)
        return None
    chosen = next((p for p in candidates if str(p.pk) == str(participant)), None)
    if chosen is None:
        raise refusals.Refused(
            _("Participant: the record chosen is not among the people this person may be (any more); "
              "choose again from the list."), "participant",
        )  # fmt: skip
    return chosen


# --- Telling the program managers -------------------------------------------------------------------------


def _told() -> Exists:
    """A "waits for a case manager" notification already went out for this entry into the queue (one made
    before it, to the approver about the approval, is another piece of work)."""
    return Exists(
        Notification.objects.filter(
            kind=Notification.Kind.REFERRAL,
            work_key=OuterRef("tell_key"),
            created_at__gte=OuterRef("waiting_since"),
            user__in=policy.users_with_capability(QUEUE_CAPABILITY),
        )
    )


def _untold(now: datetime) -> QuerySet[Referral]:
    due = Q(door=Referral.Door.COMMUNITY, waiting_since__lte=now) | Q(
        door=Referral.Door.SOCIAL_CONTACT, waiting_since__lte=now - SOCIAL_CONTACT_GRACE
    )
    return (
        waiting_referrals()
        .annotate(tell_key=Concat(Value("referral:"), Cast(F("pk"), CharField())))
        .filter(due)
        .exclude(_told())
    )


def referral_queue_tell(*, referral_id: int, now: datetime | None = None) -> bool:
    """Tell the program managers that this referral waits for a case manager, if it does, is due to be
    told of, and they were not told of this entry yet. In the caller's transaction. Returns whether told."""
    now = now or clock.now()
    fresh = _untold(now).filter(pk=referral_id).first()
    if fresh is None:
        return False
    notify(
        policy.users_with_capability(QUEUE_CAPABILITY), kind=Notification.Kind.REFERRAL,
        url=reverse("referrals:waiting_assign", args=[fresh.pk]), work_key=work_key(fresh.pk),
    )  # fmt: skip
    return True


def waiting_tell_due(*, now: datetime | None = None) -> int:
    """The worker's duty: tell of every referral that entered the queue and was not told of yet (a
    social-contact referral past its grace, a hand-off cancelled, an override; an approval whose own
    telling was lost). Idempotent: each entry is told once. Returns how many were told."""
    now = now or clock.now()
    told = 0
    for pk in list(_untold(now).values_list("pk", flat=True)[:200]):
        with transaction.atomic(durable=True):
            # One teller at a time per referral: two workers at once tell it once.
            Referral.objects.select_for_update().filter(pk=pk).first()
            told += referral_queue_tell(referral_id=pk, now=now)
    return told


def referral_decided(*, actor: Any, referral: Referral) -> None:
    """``events.on_referral_decided``: an approved community referral enters the queue; its program
    managers are told right after the decision commits (so the approver's own notifications about the same
    work, marked done by the decision, are not confused with these). Should that be lost, the duty tells."""
    pk = referral.pk

    def tell() -> None:
        with transaction.atomic():
            Referral.objects.select_for_update().filter(pk=pk).first()
            referral_queue_tell(referral_id=pk)

    transaction.on_commit(tell)
