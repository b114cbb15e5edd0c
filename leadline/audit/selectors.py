"""Reading the audit trail: the three reports, and open break-glass grants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from leadline.accounts import policy
from leadline.audit.models import AuditEvent, BreakGlassGrant
from leadline.core import clock


class NotAllowed(Exception):
    pass


def _require_reports(user: Any) -> None:
    if not policy.can(user, "audit_report.view"):
        raise NotAllowed


def audit_events_for_participant(*, user: Any, participant_id: int) -> QuerySet[AuditEvent]:
    """Everything done to one participant, including what was done to duplicate records merged into them
    (those events keep the duplicate's id: the audit trail is never rewritten)."""
    _require_reports(user)
    from leadline.participants.models import Participant

    ids = {participant_id}
    frontier = {participant_id}
    while frontier:  # merges can chain: a record merged into one that was later merged in turn
        frontier = (
            set(Participant.objects.filter(merged_into__in=frontier).values_list("pk", flat=True)) - ids
        )
        ids |= frontier
    return AuditEvent.objects.filter(participant_id__in=sorted(ids))


def audit_events_by_user(*, user: Any, actor_id: int) -> QuerySet[AuditEvent]:
    """Everything one user did."""
    _require_reports(user)
    return AuditEvent.objects.filter(actor_id=actor_id)


def audit_events_law_enforcement(*, user: Any, start: datetime, end: datetime) -> QuerySet[AuditEvent]:
    """Every law-enforcement access in [start, end), for the Policy Coordinating Group."""
    _require_reports(user)
    return law_enforcement_events(start=start, end=end)


def law_enforcement_events(*, start: datetime, end: datetime) -> QuerySet[AuditEvent]:
    """The query itself, for callers that checked their own capability (the policy pack's aggregates)."""
    return AuditEvent.objects.filter(law_enforcement=True, occurred_at__gte=start, occurred_at__lt=end)


def break_glass_active(*, user: Any, participant_id: int) -> BreakGlassGrant | None:
    now = clock.now()
    return (
        BreakGlassGrant.objects.filter(
            user=user, participant_id=participant_id, expires_at__gt=now, closed_at__isnull=True
        )
        .order_by("-opened_at")
        .first()
    )


def break_glass_list_for(*, user: Any) -> QuerySet[BreakGlassGrant]:
    if policy.can(user, "audit_report.view"):
        return BreakGlassGrant.objects.select_related("user")
    return BreakGlassGrant.objects.filter(user=user).select_related("user")


BREAK_GLASS_SEARCH_LIMIT = 20


def break_glass_candidates(
    *, user: Any, family_name: str, given_name: str = "", date_of_birth: date | None = None
) -> list[Any]:
    """The participants a site administrator may choose for break-glass, by a full name (the form asks for
    given and family name, or a family name of at least 3 letters with the date of birth: decision 0033):
    identity only (name, date of birth, number), at most BREAK_GLASS_SEARCH_LIMIT, a merged duplicate
    never. The search is audited (audit.services.break_glass_search_record): one row per participant
    shown, and one for the search itself with the written reason, so a search that found nobody is on the
    record too; the words searched for are not (no names in the audit trail)."""
    if not policy.can(user, "break_glass.edit"):
        raise NotAllowed
    from django.db.models import Q

    from leadline.participants.models import Participant

    cond = Q(family_name__icontains=family_name.strip())
    if given_name.strip():
        given = given_name.strip()
        cond &= Q(given_name__icontains=given) | Q(preferred_name__icontains=given)
    if date_of_birth is not None:
        cond &= Q(date_of_birth=date_of_birth)
    return list(
        Participant.objects.filter(cond, merged_into__isnull=True)
        .only("pk", "given_name", "family_name", "preferred_name", "date_of_birth")
        .order_by("family_name", "given_name", "pk")[:BREAK_GLASS_SEARCH_LIMIT]
    )
