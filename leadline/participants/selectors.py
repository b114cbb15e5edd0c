"""Reading participants: every read takes the user, is filtered by policy and is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_reads
from leadline.participants.models import CASELOAD_STATUSES, Participant, ParticipantPhoto
from leadline.participants.policy import ParticipantAccess, participant_access, participants_visible_to


@dataclass
class ParticipantView:
    participant: Participant
    access: ParticipantAccess


def participant_search_filter(q: str) -> Q:
    cond = Q()
    for term in q.split():
        cond &= (
            Q(given_name__icontains=term) | Q(family_name__icontains=term) | Q(preferred_name__icontains=term)
        )
    return cond


def participant_list_for(*, user: User, q: str = "", caseload_only: bool = False) -> QuerySet[Participant]:
    qs = participants_visible_to(user).select_related("case_manager")
    if caseload_only:
        qs = qs.filter(case_manager=user)
    if q.strip():
        qs = qs.filter(participant_search_filter(q))
    return qs


def participant_reads_audit(
    *, user: User, participants: Sequence[Participant], action: str, reason: str = ""
) -> None:
    audit_record_reads(
        actor=user,
        action=action,
        subject_type="participant",
        participant_ids=[p.pk for p in participants],
        reason=reason,
    )


def participant_get_for(*, user: User, participant_id: int, reason: str = "") -> ParticipantView:
    """The participant and what this user may do with them; 404 when they may do nothing.

    "Not found" and "not allowed" are the same 404 (CONVENTIONS habit 4).
    """
    from django.db.models import Exists, OuterRef

    participant = (
        Participant.objects.select_related("case_manager")
        .annotate(has_photo=Exists(ParticipantPhoto.objects.filter(participant=OuterRef("pk"))))
        .filter(pk=participant_id)
        .first()
    )
    access = participant_access(user, participant) if participant is not None else None
    if participant is None or access is None or not access.any:
        # A refusal is itself on the record (who tried to open what), so the Policy Coordinating
        # Group sees police attempts too. It names the number asked for, nothing about the person.
        audit_record(
            actor=user,
            action=AuditEvent.Action.DENIED,
            subject_type="participant",
            subject_id=participant_id,
            participant_id=participant.pk if participant is not None else None,
        )
        raise Http404
    audit_record(
        actor=user,
        action=AuditEvent.Action.VIEW,
        subject_type="participant",
        subject_id=participant.pk,
        participant_id=participant.pk,
        reason=reason or ("break-glass" if access.break_glass_id else ""),
        break_glass_id=access.break_glass_id,
    )
    return ParticipantView(participant=participant, access=access)


def caseload_sizes() -> dict[int, int]:
    """Case manager id -> how many participants count against their limits (one grouped query)."""
    rows = (
        Participant.objects.filter(status__in=CASELOAD_STATUSES, case_manager__isnull=False)
        .values("case_manager")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["case_manager"]: r["n"] for r in rows}
