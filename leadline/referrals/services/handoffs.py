"""The LEAD line: one tap raises a hand-off request, the on-call case manager is paged, and if nobody
acknowledges within the site's minutes the backup and then the supervisor are paged.

Every step is a compare-and-set on the hand-off's status, so two people pressing the same button, or the
escalation task running twice (catching up after downtime), change it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.notifications.models import Delivery, Notification
from leadline.notifications.services import notify, queue_to_address, work_done
from leadline.participants.lookup import find_candidates
from leadline.participants.models import Participant
from leadline.participants.policy import participants_visible_to
from leadline.participants.services import caseload_limits, participant_create, participant_update
from leadline.referrals import events
from leadline.referrals.models import Handoff, HandoffPage, OnCallShift, Referral
from leadline.referrals.policy import handoff_access, may_answer_handoff
from leadline.referrals.services.referrals import OPEN_STATUSES
from leadline.sites.selectors import site_get

LEVELS = ("on call", "backup", "supervisor")
PARTICIPANT_MATCH_LOCK = 4_242_001  # pg_advisory_xact_lock key for participant find-then-create


class HandoffRefused(refusals.Refused):
    """A hand-off step refused; ``field`` is the form field at fault, when there is one."""


class MatchToConfirm(refusals.Conflict):
    """Completing the hand-off found people the person may already be: nothing was written, and the case
    manager confirms one of them or says it is someone new (decision 0029: a join is never silent).
    ``stale``: she had answered "None of these" to a list the matcher has since outgrown."""

    def __init__(self, candidates: list[Participant], *, stale: bool = False):
        super().__init__(_("Confirm who this person is before the hand-off is done."))
        self.candidates = candidates
        self.stale = stale


@dataclass(frozen=True)
class Shown:
    """What the confirm page showed the case manager: the candidates' ids, and whether it said a match
    exists that she cannot see. "None of these" is an answer about exactly those."""

    ids: frozenset[int]
    hidden: bool = False


def referral_not_linked() -> str:
    """Why a hand-off raised by phone cannot be completed yet (translated when it is said)."""
    return _(
        "The officer's referral is not linked yet: the officer submits the referral and links it "
        "to this LEAD-line call."
    )


NEW_PARTICIPANT = "new"  # the case manager's answer "none of these: a new participant"


def shift_on_call(*, at: datetime) -> OnCallShift | None:
    return OnCallShift.objects.filter(starts_at__lte=at, ends_at__gt=at).order_by("-starts_at").first()


def _recipient(handoff: Handoff, level: int) -> User | None:
    shift = handoff.shift
    person = [shift.case_manager, shift.backup, shift.supervisor][level] if shift is not None else None
    if person is None and level == 2:
        # No supervisor rostered (or no shift at all): the request must still reach someone.
        person = policy.users_with_capability("caseload.edit").order_by("pk").first()  # who assigns caseloads
    return person


def handoff_key(handoff: Handoff) -> str:
    """The work a hand-off is (core.inbox): its pages and the inbox item "waiting for you" carry it."""
    return f"handoff:{handoff.pk}"


def case_side_of(handoff: Handoff) -> list[User]:
    """Who answers for the case-management side: the one who acknowledged, else everyone paged so far."""
    if handoff.acknowledged_by_id is not None:
        return [User.objects.get(pk=handoff.acknowledged_by_id)]
    ids = HandoffPage.objects.filter(handoff_id=handoff.pk).values_list("recipient_id", flat=True)
    return list(User.objects.filter(pk__in=list(ids)))


def handoff_tell(*, actor: Any, handoff: Handoff, officer: bool = True, case_side: bool = True) -> None:
    """A hand-off moved: tell both sides (the officer who raised it; the case side that answers it), never
    the person who moved it, in the caller's transaction (deliveries after the commit). The notification is
    the fixed sentence and a link: where the hand-off stands is read in Leadline (decision 0037)."""
    from django.urls import reverse

    told: list[Any] = []
    if officer:
        told.append(handoff.requested_by)
    if case_side:
        told.extend(case_side_of(handoff))
    told = [u for u in told if u is not None and u.pk != getattr(actor, "pk", None)]
    notify(told, kind=Notification.Kind.HANDOFF_UPDATE, url=reverse("referrals:handoffs"),
           work_key=handoff_key(handoff))  # fmt: skip


def handoff_pages_done(handoff: Handoff) -> None:
    """The page's work (answer the LEAD line) is done: every page about this hand-off, for everyone paged."""
    work_done(work_key=handoff_key(handoff), kinds=[Notification.Kind.HANDOFF_PAGE])


def _page(handoff: Handoff, level: int, now: datetime) -> HandoffPage | None:
    """Page the person at ``level`` (skipping empty levels upwards). SMS goes after the commit."""
    while level <= 2:
        recipient = _recipient(handoff, level)
        if recipient is not None:
            break
        level += 1
    else:
        return None
    from django.urls import reverse

    Handoff.objects.filter(pk=handoff.pk).update(escalation_level=level, last_paged_at=now)
    handoff.escalation_level, handoff.last_paged_at = level, now
    told = notify([recipient], kind=Notification.Kind.HANDOFF_PAGE, url=reverse("referrals:handoffs"),
                  text=page_text(handoff, level), work_key=handoff_key(handoff))  # fmt: skip
    return HandoffPage.objects.create(handoff=handoff, recipient=recipient, level=level, sent_at=now,
                                      notification=told[0] if told else None)  # fmt: skip


def page_text(handoff: Handoff, level: int) -> str:
    """The SMS page: the door, offence code and place, or for a phone request the call-back number.
    Never a name or the officer's free text (an SMS is not a safe place for either)."""
    referral = handoff.referral
    if referral is None:
        what = f"{handoff.get_channel_display().lower()} to the LEAD line, call-back {handoff.callback_phone}"
    else:
        offence = f" {referral.offence.statute}" if referral.offence else ""
        what = f"{referral.get_door_display()}{offence}, {referral.place or 'place on the request'}"
    return f"LEAD hand-off #{handoff.pk} ({LEVELS[level]}): {what}. Open Leadline to acknowledge:"


def _schedule_check(handoff: Handoff, ack_minutes: int) -> None:
    from leadline.referrals.tasks import handoff_check  # the task runs handoff_escalate_due: same-app pair

    run_after = clock.now() + timedelta(minutes=ack_minutes)

    def enqueue() -> None:
        task = handoff_check
        if task.get_backend().supports_defer:
            task = task.using(run_after=run_after)
        task.enqueue(handoff.pk)

    transaction.on_commit(enqueue)


def live_handoff_of(referral: Referral) -> Handoff | None:
    """The referral's hand-off that is not cancelled (at most one: a partial unique constraint)."""
    return (
        Handoff.objects.filter(referral=referral)
        .exclude(status=Handoff.Status.CANCELLED)
        .select_related("acknowledged_by")
        .first()
    )


def handoff_request(*, actor: User, referral: Referral, callback_phone: str) -> tuple[Handoff, bool]:
    """Raise the LEAD-line request for an eligible referral. A second tap returns the same request."""
    if not policy.can(actor, "handoff.edit"):
        raise HandoffRefused("Your role may not call the LEAD line.")
    if referral.status != Referral.Status.ELIGIBLE:
        raise HandoffRefused("Only an eligible referral can be handed off.")
    existing = live_handoff_of(referral)
    if existing is not None:
        return existing, False
    site = site_get()
    ack_minutes = site.handoff_ack_minutes if site else 5
    now = clock.now()
    try:
        return handoff_raise(
            actor=actor, referral=referral, callback_phone=callback_phone, now=now, ack_minutes=ack_minutes
        ), True
    except IntegrityError:
        # A second tap raced the first past the check above; the partial unique constraint kept one.
        live = live_handoff_of(referral)
        assert live is not None
        return live, False


def handoff_raise(
    *,
    actor: User,
    referral: Referral | None,
    callback_phone: str,
    now: datetime,
    ack_minutes: int,
    **phone: Any,
) -> Handoff:
    """Create the request, page the on-call case manager and schedule the escalation check.
    ``phone`` carries channel, message and provider_message_id for a request raised by phone."""
    with transaction.atomic():
        handoff = Handoff.objects.create(
            referral=referral, requested_by=actor, callback_phone=callback_phone.strip(),
            shift=shift_on_call(at=now), requested_at=now, **phone,
        )  # fmt: skip
        page = _page(handoff, 0, now)
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, subject_type="handoff", subject_id=handoff.pk,
            changes={
                "referral": referral.pk if referral else None, "channel": handoff.channel,
                "paged_level": page.level if page else None,
            },
        )  # fmt: skip
        _schedule_check(handoff, ack_minutes)
    return handoff


def handoff_escalate_due(*, now: datetime | None = None) -> int:
    """Page the next level for every request nobody acknowledged in time. Idempotent; catches up."""
    site = site_get()
    ack = timedelta(minutes=site.handoff_ack_minutes if site else 5)
    now = now or clock.now()
    escalated = 0
    due = Handoff.objects.filter(
        status=Handoff.Status.REQUESTED, escalation_level__lt=2, last_paged_at__lte=now - ack
    )
    for handoff in due.select_related("shift", "referral", "referral__offence"):
        with transaction.atomic(durable=True):
            # Compare-and-set: only one run escalates from this level.
            claimed = Handoff.objects.filter(
                pk=handoff.pk, status=Handoff.Status.REQUESTED, escalation_level=handoff.escalation_level
            ).update(last_paged_at=now)
            if not claimed:
                continue
            page = _page(handoff, handoff.escalation_level + 1, now)
            if page is None:
                continue
            audit_record(
                actor=None, action=AuditEvent.Action.UPDATE, subject_type="handoff", subject_id=handoff.pk,
                reason="not acknowledged in time", changes={"escalated_to": LEVELS[page.level]},
            )  # fmt: skip
            escalated += 1
            if page.level < 2:
                _schedule_check(handoff, int(ack.total_seconds() // 60))
    return escalated


def _advance(
    *, actor: User, handoff: Handoff, frm: tuple[str, ...], to: str, stamp: str, **extra: Any
) -> Handoff:
    now = clock.now()
    with transaction.atomic():
        updated = Handoff.objects.filter(Q(pk=handoff.pk) & Q(status__in=frm)).update(
            status=to, **{stamp: now}, **extra
        )
        if updated != 1:
            raise HandoffRefused("This hand-off has already moved on; the page shows where it is now.")
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="handoff", subject_id=handoff.pk,
            changes={"status": {"before": handoff.status, "after": to}},
        )  # fmt: skip
    handoff.refresh_from_db()
    return handoff


def _require_case_side(actor: User) -> None:
    if not may_answer_handoff(actor):
        raise HandoffRefused("Only the case-management side answers a hand-off.")


def handoff_acknowledge(*, actor: User, handoff: Handoff, eta_minutes: int) -> Handoff:
    _require_case_side(actor)
    if not 0 <= eta_minutes <= 240:
        raise HandoffRefused("The time to arrive must be between 0 and 240 minutes.")
    with transaction.atomic():
        handoff = _advance(
            actor=actor, handoff=handoff, frm=(Handoff.Status.REQUESTED,), to=Handoff.Status.ACKNOWLEDGED,
            stamp="acknowledged_at", acknowledged_by=actor, eta_minutes=eta_minutes,
        )  # fmt: skip
        handoff_pages_done(handoff)  # the backup's and the supervisor's pages too: someone has it
        handoff_tell(actor=actor, handoff=handoff, case_side=False)
        if handoff.channel != Handoff.Channel.APP:
            # The officer called from a phone, maybe without the app open: the status goes back by SMS.
            _tell_officer(handoff, f"LEAD hand-off #{handoff.pk}: acknowledged, arriving in about "
                          f"{eta_minutes} minutes.")  # fmt: skip
    return handoff


def _tell_officer(handoff: Handoff, body: str) -> None:
    """By SMS, from the task worker after the commit (never inside the case manager's request); the status
    is on the officer's hand-off page either way."""
    queue_to_address(kind=Delivery.Kind.OFFICER_STATUS, channel=Delivery.Channel.SMS,
                     to=handoff.callback_phone, body=body)  # fmt: skip


def handoff_arrive(*, actor: User, handoff: Handoff) -> Handoff:
    _require_case_side(actor)
    with transaction.atomic():
        handoff = _advance(
            actor=actor, handoff=handoff, frm=(Handoff.Status.ACKNOWLEDGED,), to=Handoff.Status.ARRIVED,
            stamp="arrived_at",
        )  # fmt: skip
        handoff_tell(actor=actor, handoff=handoff)
    return handoff


def handoff_complete(
    *, actor: User, handoff: Handoff, match: int | str | None = None, shown: Shown | None = None
) -> Handoff:
    """The hand-off is done: the person becomes a participant pending intake (PRODUCT.md §3), matched to
    an existing record only when the case manager confirms it (no duplicates, and no stranger's record
    either; re-engagement needs no new referral). ``match`` is the confirmed participant's id, or
    NEW_PARTICIPANT; without it, MatchToConfirm is raised (nothing written) when the matcher finds anyone.
    ``shown`` is what the confirm page listed: NEW_PARTICIPANT is asked again (MatchToConfirm, stale)
    when the matcher now finds someone it did not list."""
    _require_case_side(actor)
    if handoff.referral_id is None:
        # Eligibility is decided by the referral: a request raised by phone waits for the officer's form.
        raise HandoffRefused(referral_not_linked())
    with transaction.atomic():
        # The status compare-and-set first: a second submit of the same answer is refused here, so a
        # double tap makes one participant.
        handoff = _advance(
            actor=actor, handoff=handoff, frm=(Handoff.Status.ARRIVED,), to=Handoff.Status.HANDED_OFF,
            stamp="handed_off_at",
        )  # fmt: skip
        assert handoff.referral is not None
        participant_from_handoff(actor=actor, referral=handoff.referral, match=match, shown=shown)
        handoff_tell(actor=actor, handoff=handoff)
    return handoff


def handoff_match_candidates(*, actor: User, referral: Referral) -> tuple[list[Participant], bool]:
    """Who the referred person may already be, as the matcher finds them (best first, up to three), among
    those ``actor`` may see; and whether the matcher found anyone ``actor`` may not see."""
    found = find_candidates(
        given=referral.given_name, family=referral.family_name, dob=referral.date_of_birth, limit=3
    )
    visible = set(
        participants_visible_to(actor).filter(pk__in=[p.pk for p in found]).values_list("pk", flat=True)
    )
    return [p for p in found if p.pk in visible], len(visible) < len(found)


def participant_from_handoff(
    *, actor: User, referral: Referral, match: int | str | None = None, shown: Shown | None = None
) -> Participant:
    """Create or match the participant, on the receiving case manager's caseload while it has room
    (above the hard limit the participant waits unassigned for the program manager: issue #4's rule).
    An existing record is joined only when ``match`` names it and it is still among the candidates; a
    new one is made on "None of these" only if the candidates are no more than ``shown`` (when given):
    two hand-offs of one person answered at once make one record, the second asked again."""
    if connection.vendor == "postgresql":
        # Find-then-create must not run twice at once, or two hand-offs of one person make two records.
        # (SQLite's IMMEDIATE transactions already serialise writers.) Hand-offs are rare: one lock will do.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PARTICIPANT_MATCH_LOCK])
    candidates, hidden = handoff_match_candidates(actor=actor, referral=referral)
    existing: Participant | None = None
    if match is None:
        if candidates or hidden:
            raise MatchToConfirm(candidates)
    elif match == NEW_PARTICIPANT and shown is not None:
        # Under the lock above: a record made meanwhile by another hand-off is among the candidates now.
        if any(p.pk not in shown.ids for p in candidates) or (hidden and not shown.hidden):
            raise MatchToConfirm(candidates, stale=True)
    elif match != NEW_PARTICIPANT:
        existing = next((p for p in candidates if str(p.pk) == str(match)), None)
        if existing is None:
            raise HandoffRefused(
                _("Participant: the record chosen is not among the people this person may be (any more); "
                  "choose again from the list."), field="participant",
            )  # fmt: skip
    _soft, hard = caseload_limits()
    open_count = Participant.objects.filter(case_manager=actor, status__in=OPEN_STATUSES).count()
    has_room = policy.scope_of(actor, "caseload.view") is Scope.CASELOAD and open_count < hard
    if existing is not None:
        participant = existing
        changes: dict[str, Any] = {}
        if participant.status == Participant.Status.EXITED:
            changes["status"] = Participant.Status.REFERRED  # back in LEAD, pending intake again
        if participant.case_manager_id is None and has_room:
            changes["case_manager"] = actor
        if changes:
            participant_update(
                actor=actor, participant=participant, reason="re-engaged at a hand-off", **changes
            )
    else:
        participant = participant_create(
            actor=actor, given_name=referral.given_name, family_name=referral.family_name,
            date_of_birth=referral.date_of_birth, status=Participant.Status.REFERRED,
            case_manager=actor if has_room else None,
        )  # fmt: skip
    Referral.objects.filter(pk=referral.pk).update(participant=participant)
    referral.participant = participant
    # The apps above hear of it in this transaction (the legal app opens an arrest diversion's matter).
    events.handoff_completed(actor=actor, referral=referral, participant=participant)
    return participant


def handoff_clear(*, actor: User, handoff: Handoff) -> Handoff:
    """The officer is free to leave the scene (after the hand-off)."""
    if not handoff_access(actor, handoff).may_clear:
        raise HandoffRefused("Only the officer on the scene clears.")
    now = clock.now()
    with transaction.atomic(durable=True):
        updated = Handoff.objects.filter(
            pk=handoff.pk, status=Handoff.Status.HANDED_OFF, officer_cleared_at__isnull=True
        ).update(officer_cleared_at=now)
        if updated != 1:
            raise HandoffRefused("The officer can clear once the hand-off is done, and only once.")
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="handoff",
            subject_id=handoff.pk,
            changes={"officer_cleared": True},
        )
    handoff.refresh_from_db()
    return handoff
