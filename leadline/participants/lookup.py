"""The officer's field lookup: "Is this person in LEAD?" — enrolled or not, and the LEAD line.

Nothing else leaves: not the name on the record, not the case manager, not the status beyond
enrolled/not. Every lookup is audited against the participant it matched (so a participant's audit
trail shows each time police asked about them) and rate-limited per user. The names typed are not
stored: the audit trail cannot be purged, and a lookup of someone who is not in LEAD must leave no
trace of their name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Sum, When
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.participants.matching import (
    PersonRecord,
    blocking_keys,
    name_tokens,
    normalise,
    score_candidates,
    token_key,
)
from leadline.participants.models import (
    Participant,
    ParticipantAlias,
    ParticipantKeyCount,
    ParticipantMatchKey,
)
from leadline.sites.selectors import site_get

ENROLLED = (
    Participant.Status.REFERRED,
    Participant.Status.ENGAGED,
    Participant.Status.ACTIVE,
    Participant.Status.INACTIVE,  # nobody fails out: "in the wind" is still in LEAD
)
MAX_CANDIDATES = 500


_population_cache: tuple[float, int] = (0.0, 0)


def _population() -> int:
    """How many participants there are, refreshed once a minute (scoring needs only its order of size)."""
    global _population_cache
    now = time.monotonic()
    if now - _population_cache[0] > 60:
        _population_cache = (now, Participant.objects.count())
    return _population_cache[1]


class LookupRefused(refusals.NotAllowed):
    """The role may not look people up (403)."""

    def __init__(self) -> None:
        super().__init__(_("You do not have permission to perform this action."))


class RateLimited(refusals.RateLimited):
    """Too many lookups this hour (429)."""

    def __init__(self) -> None:
        super().__init__(_("Too many lookups; try again later."))


@dataclass(frozen=True)
class LookupResult:
    enrolled: bool
    lead_line: str


def find_participant(*, given: str, family: str, dob: date | None) -> Participant | None:
    """The best match at or above the threshold, through the keys table (no policy; callers decide)."""
    found = find_candidates(given=given, family=family, dob=dob, limit=1)
    return found[0] if found else None


def find_candidates(*, given: str, family: str, dob: date | None, limit: int = 3) -> list[Participant]:
    """The best matches at or above the threshold, best first: the field lookup takes one, duplicate
    detection shows up to three. Legal names, the preferred name and aliases all match."""
    keys = sorted(blocking_keys(given, family, dob, query=True))
    if not keys:
        return []
    hits = (
        ParticipantMatchKey.objects.filter(key__in=keys)
        .values("participant_id")
        .annotate(hits=Sum(Case(When(key__startswith="d:", then=3), default=1, output_field=IntegerField())))
        .order_by("-hits")[:MAX_CANDIDATES]
    )
    ids = [row["participant_id"] for row in hits]
    if not ids:
        return []
    # Plain tuples, not model instances: hundreds of candidates per lookup, one of which may win.
    rows = Participant.objects.filter(pk__in=ids).values_list(
        "pk", "given_name", "family_name", "preferred_name", "date_of_birth"
    )
    aliases: dict[int, list[str]] = {}
    for pid, name in ParticipantAlias.objects.filter(participant_id__in=ids).values_list(
        "participant_id", "name"
    ):
        aliases.setdefault(pid, []).append(name)
    records = [
        PersonRecord(key=pk, given=given_name, family=family_name,
                     aliases=([preferred] if preferred else []) + aliases.get(pk, []), dob=born)
        for pk, given_name, family_name, preferred, born in rows
    ]  # fmt: skip
    # How common each name is (the scorer asks when there is no date of birth): the query's keys and the
    # candidates' name sounds in one grouped query; anything else on demand.
    wanted = set(keys)
    if dob is None:
        for record in records:
            for name in (record.given, record.family):
                tokens = name_tokens(normalise(name))
                if tokens:
                    wanted.add(token_key(tokens[0]))
    counts: dict[str, int] = dict.fromkeys(wanted, 0)
    counts.update(ParticipantKeyCount.objects.filter(key__in=sorted(wanted)).values_list("key", "n"))

    def name_count(key: str) -> int:
        """How many people hold a key: the scorer discounts common names (it asks for a few token keys)."""
        if key not in counts:
            counts[key] = ParticipantKeyCount.objects.filter(key=key).values_list("n", flat=True).first() or 0
        return counts[key]

    matches = score_candidates(
        given, family, dob, records, population=_population(), name_count=name_count, limit=limit
    )
    people = Participant.objects.in_bulk([m.key for m in matches])
    return [people[m.key] for m in matches if m.key in people]


def lookup_for(*, user: User, given: str, family: str, dob: date | None) -> LookupResult:
    if not policy.can(user, "lookup.view"):
        raise LookupRefused
    limit = settings.LEADLINE_LOOKUPS_PER_HOUR
    with transaction.atomic(durable=True):
        # One user's lookups are counted one at a time (a row lock on the account), so parallel requests
        # cannot slip past the limit between the count and the audit row that the next count reads.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        recent = AuditEvent.objects.filter(
            actor_id=user.pk, subject_type="lookup", occurred_at__gte=clock.now() - timedelta(hours=1)
        ).filter(Q(action=AuditEvent.Action.SEARCH) | Q(action=AuditEvent.Action.DENIED))
        limited = recent.count() >= limit
        if limited:
            audit_record(
                actor=user, action=AuditEvent.Action.DENIED, subject_type="lookup", reason="rate limit"
            )
        else:
            match = find_participant(given=given, family=family, dob=dob)
            enrolled = match is not None and match.status in ENROLLED
            audit_record(
                actor=user,
                action=AuditEvent.Action.SEARCH,
                subject_type="lookup",
                participant_id=match.pk if match is not None else None,
                changes={"result": "enrolled" if enrolled else "not found", "with_dob": dob is not None},
            )
    if limited:
        raise RateLimited
    site = site_get()
    return LookupResult(enrolled=enrolled, lead_line=site.lead_line_phone if site else "")
