from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_subjects
from leadline.cases.models import MonthlyStatus
from leadline.consents.policy import Info, may_disclose_each
from leadline.consents.services import disclosures_record
from leadline.core import clock
from leadline.participants.models import Participant
from leadline.referrals.models import Handoff, Referral
from leadline.referrals.policy import handoffs_visible_to, referrals_visible_to


def referral_list_for(*, user: User) -> QuerySet[Referral]:
    return referrals_visible_to(user).select_related("offence", "referred_by", "policy_version")


def referral_get_for(*, user: User, referral_id: int) -> Referral:
    referral = (
        referrals_visible_to(user)
        .select_related("offence", "referred_by", "policy_version")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        audit_record(
            actor=user, action=AuditEvent.Action.DENIED, subject_type="referral", subject_id=referral_id
        )
        raise Http404
    audit_record(
        actor=user,
        action=AuditEvent.Action.VIEW,
        subject_type="referral",
        subject_id=referral.pk,
        participant_id=referral.participant_id,  # so the participant's trail shows who read their referral
    )
    return referral


def handoff_get_for(*, user: User, handoff_id: int) -> Handoff:
    """A hand-off the user may see (the scope of handoff.view)."""
    handoff = (
        handoffs_visible_to(user)
        .select_related("referral", "referral__offence", "acknowledged_by", "shift", "requested_by")
        .filter(pk=handoff_id)
        .first()
    )
    if handoff is None:
        audit_record(
            actor=user, action=AuditEvent.Action.DENIED, subject_type="handoff", subject_id=handoff_id
        )
        raise Http404
    return handoff


def handoff_open_list_for(*, user: User) -> list[Handoff]:
    """Requests not yet handed off (or handed off within the last day), newest first."""
    since = clock.now() - timedelta(days=1)
    return list(
        handoffs_visible_to(user)
        .select_related("referral", "referral__offence", "acknowledged_by", "requested_by")
        .filter(Q(handed_off_at__isnull=True) | Q(handed_off_at__gte=since))
        .exclude(status=Handoff.Status.CANCELLED)[:50]
    )


def handoffs_to_link_for(*, user: User) -> list[Handoff]:
    """The officer's own requests raised by phone that still wait for their referral (last 12 hours)."""
    since = clock.now() - timedelta(hours=12)
    return list(
        Handoff.objects.filter(requested_by=user, referral__isnull=True, requested_at__gte=since).exclude(
            status=Handoff.Status.CANCELLED
        )[:5]
    )


OUTCOME_ENGAGED = "engaged"
OUTCOME_NOT_YET = "not_yet_engaged"
OUTCOME_NOT_SHARED = "not_shared"


@dataclass(frozen=True)
class Outcome:
    state: str  # engaged | not_yet_engaged | not_shared
    housed: bool | None = None  # None: not shared (no opt-in naming it, or no month recorded)


def referral_outcomes_for(
    *, user: User, referrals: Iterable[Referral], channel: str = "page"
) -> dict[int, Outcome]:
    """The non-clinical outcome a referring officer may be told (PRODUCT.md §2): for their own
    referrals that became a participant, "engaged" or "not yet", and "housed" or not, each only where
    the consent decision point allows it (the participant's officer-feedback opt-in naming it); else
    "not shared". Nothing else of the participant, ever. Each outcome shown is a logged disclosure."""

    own = [r for r in referrals if r.referred_by_id == getattr(user, "pk", None) and r.participant_id]
    if not own:
        return {}
    ids = {r.participant_id for r in own if r.participant_id}
    answers = may_disclose_each(recipient=user, participant_ids=ids, infos=[Info.ENGAGEMENT, Info.HOUSED])
    engagement, housing = answers[Info.ENGAGEMENT], answers[Info.HOUSED]
    shared = [pid for pid in ids if engagement.allowed(pid)]
    engaged = dict(Participant.objects.filter(pk__in=shared).values_list("pk", "engaged_at"))
    latest: dict[int, str] = {}
    housed_ids = [pid for pid in shared if housing.allowed(pid)]
    # Housed as of the latest month recorded in the last three: an older month is not shared as current.
    since = (clock.today().replace(day=1) - timedelta(days=62)).replace(day=1)
    for pid, value in (
        MonthlyStatus.objects.filter(participant_id__in=housed_ids, month__gte=since)
        .order_by("participant_id", "-month")
        .values_list("participant_id", "housing")
    ):
        latest.setdefault(pid, value)
    outcomes: dict[int, Outcome] = {}
    shown: dict[int, Any] = {}
    for r in own:
        pid = r.participant_id or 0
        consent = engagement.consent(pid)
        if consent is None:
            outcomes[r.pk] = Outcome(OUTCOME_NOT_SHARED)
            continue
        housed = None
        infos = [Info.ENGAGEMENT]
        if pid in latest and latest[pid] != MonthlyStatus.Housing.UNKNOWN:
            housed = latest[pid] == MonthlyStatus.Housing.PERMANENT
            infos.append(Info.HOUSED)
        outcomes[r.pk] = Outcome(OUTCOME_ENGAGED if engaged.get(pid) else OUTCOME_NOT_YET, housed)
        shown[pid] = (consent, infos)
    disclosures_record(recipient=user, shown=shown, channel=channel)
    return outcomes


def referral_reads_audit(*, user: User, referrals: Iterable[Referral]) -> None:
    """Lists show names: one audit row per referral shown."""
    audit_record_subjects(
        actor=user,
        action=AuditEvent.Action.LIST,
        subject_type="referral",
        subjects=[(r.pk, r.participant_id) for r in referrals],
    )
