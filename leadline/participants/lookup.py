"""The officer's field lookup: "Is this person in LEAD?" — enrolled or not, and the LEAD line.

Nothing else leaves: not the name on the record, not the case manager, not the status beyond
enrolled/not. Every lookup is audited against the participant it matched (so a participant's audit
trail shows each time police asked about them) and rate-limited per user. The names typed are not
stored: the audit trail cannot be purged, and a lookup of someone who is not in LEAD must leave no
trace of their name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Sum, When

from leadline.accounts import policy
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.participants.matching import PersonRecord, blocking_keys, score_candidates
from leadline.participants.models import Participant, ParticipantMatchKey
from leadline.sites.selectors import site_get

ENROLLED = (
    Participant.Status.REFERRED,
    Participant.Status.ENGAGED,
    Participant.Status.ACTIVE,
    Participant.Status.INACTIVE,  # nobody fails out: "in the wind" is still in LEAD
)
MAX_CANDIDATES = 500


class LookupRefused(Exception):
    pass


class RateLimited(Exception):
    pass


@dataclass(frozen=True)
class LookupResult:
    enrolled: bool
    lead_line: str


def find_participant(*, given: str, family: str, dob: date | None) -> Participant | None:
    """The best match at or above the threshold, through the keys table (no policy; callers decide)."""
    keys = sorted(blocking_keys(given, family, dob, query=True))
    if not keys:
        return None
    hits = (
        ParticipantMatchKey.objects.filter(key__in=keys)
        .values("participant_id")
        .annotate(hits=Sum(Case(When(key__startswith="d:", then=3), default=1, output_field=IntegerField())))
        .order_by("-hits")[:MAX_CANDIDATES]
    )
    ids = [row["participant_id"] for row in hits]
    if not ids:
        return None
    people = {p.pk: p for p in Participant.objects.filter(pk__in=ids)}
    records = [
        PersonRecord(key=p.pk, given=p.given_name, family=p.family_name,
                     aliases=[p.preferred_name] if p.preferred_name else [], dob=p.date_of_birth)
        for p in people.values()
    ]  # fmt: skip
    counts = dict(
        ParticipantMatchKey.objects.filter(key__in=keys)
        .values("key")
        .annotate(n=Count("id"))
        .values_list("key", "n")
    )
    matches = score_candidates(
        given, family, dob, records, population=Participant.objects.count(),
        name_count=lambda key: counts.get(key, 0), limit=1,
    )  # fmt: skip
    return people[matches[0].key] if matches else None


def lookup_for(*, user: Any, given: str, family: str, dob: date | None) -> LookupResult:
    if not policy.can(user, "lookup.view"):
        raise LookupRefused
    limit = settings.LEADLINE_LOOKUPS_PER_HOUR
    recent = AuditEvent.objects.filter(
        actor_id=user.pk, subject_type="lookup", occurred_at__gte=clock.now() - timedelta(hours=1)
    ).filter(Q(action=AuditEvent.Action.SEARCH) | Q(action=AuditEvent.Action.DENIED))
    if recent.count() >= limit:
        audit_record(actor=user, action=AuditEvent.Action.DENIED, subject_type="lookup", reason="rate limit")
        raise RateLimited
    match = find_participant(given=given, family=family, dob=dob)
    enrolled = match is not None and match.status in ENROLLED
    audit_record(
        actor=user,
        action=AuditEvent.Action.SEARCH,
        subject_type="lookup",
        participant_id=match.pk if match is not None else None,
        changes={"result": "enrolled" if enrolled else "not found", "with_dob": dob is not None},
    )
    site = site_get()
    return LookupResult(enrolled=enrolled, lead_line=site.lead_line_phone if site else "")
