"""Reading the audit trail: the three reports, each for whoever holds ``audit_report.view``."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.selectors import law_enforcement_events
from leadline.core.refusals import NotAllowed
from leadline.participants.models import Participant


def _require_reports(user: User) -> None:
    if not policy.can(user, "audit_report.view"):
        raise NotAllowed


def audit_events_for_participant(*, user: User, participant_id: int) -> QuerySet[AuditEvent]:
    """Everything done to one participant, including what was done to duplicate records merged into them
    (those events keep the duplicate's id: the audit trail is never rewritten)."""
    _require_reports(user)
    ids = {participant_id}
    frontier = {participant_id}
    while frontier:  # merges can chain: a record merged into one that was later merged in turn
        frontier = (
            set(Participant.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)) - ids
        )
        ids |= frontier
    return AuditEvent.objects.filter(participant_id__in=sorted(ids))


def audit_events_by_user(*, user: User, actor_id: int) -> QuerySet[AuditEvent]:
    """Everything one user did."""
    _require_reports(user)
    return AuditEvent.objects.filter(actor_id=actor_id)


def audit_events_law_enforcement(*, user: User, start: datetime, end: datetime) -> QuerySet[AuditEvent]:
    """Every law-enforcement access in [start, end), for the Policy Coordinating Group."""
    _require_reports(user)
    return law_enforcement_events(start=start, end=end)
