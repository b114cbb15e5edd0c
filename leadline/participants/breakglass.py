"""Break-glass: time-boxed, audited read access of a site administrator to one participant's record, with a
written reason (PRODUCT.md §2; decisions 0002 and 0033).

It belongs to the participants app, which owns the record it opens (participants.policy asks
:func:`break_glass_active` when it decides who may read a record); the audit trail below only records
what happens (``AuditEvent.break_glass_id`` is a plain id). The page that opens it is in the oversight app.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_reads
from leadline.core import clock
from leadline.core.refusals import NotAllowed, Refused
from leadline.participants.models import BreakGlassGrant, Participant

BREAK_GLASS_SEARCH_LIMIT = 20


class BreakGlassRefused(Refused):
    """A break-glass opening refused: no capability, a reason too short, a time out of bounds, no such
    participant."""


# --- reads ----------------------------------------------------------------------------------------


def break_glass_active(*, user: User, participant_id: int) -> BreakGlassGrant | None:
    """The user's open, unexpired grant to this participant, if any."""
    now = clock.now()
    return (
        BreakGlassGrant.objects.filter(
            user=user, participant_id=participant_id, expires_at__gt=now, closed_at__isnull=True
        )
        .order_by("-opened_at")
        .first()
    )


def break_glass_list_for(*, user: User) -> QuerySet[BreakGlassGrant]:
    """Every grant for whoever reads the audit reports; one's own grants otherwise."""
    if policy.can(user, "audit_report.view"):
        return BreakGlassGrant.objects.select_related("user")
    return BreakGlassGrant.objects.filter(user=user).select_related("user")


def break_glass_candidates(
    *, user: User, family_name: str, given_name: str = "", date_of_birth: date | None = None
) -> list[Participant]:
    """The participants a site administrator may choose for break-glass, by a full name (the form asks for
    given and family name, or a family name of at least 3 letters with the date of birth: decision 0033):
    identity only (name, date of birth, number), at most BREAK_GLASS_SEARCH_LIMIT, a merged duplicate
    never. The search is audited (break_glass_search_record): one row per participant shown, and one for
    the search itself with the written reason, so a search that found nobody is on the record too; the
    words searched for are not (no names in the audit trail)."""
    if not policy.can(user, "break_glass.edit"):
        raise NotAllowed(_("Your role may not open break-glass access."))
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


# --- writes ---------------------------------------------------------------------------------------


def break_glass_open(*, actor: User, participant_id: int, reason: str, minutes: int) -> BreakGlassGrant:
    """Open time-boxed read access to one participant for a site administrator, with a written reason."""
    if not policy.can(actor, "break_glass.edit"):
        raise BreakGlassRefused(_("Your role may not open break-glass access."), status=403)
    limit = settings.LEADLINE_BREAK_GLASS_MAX_MINUTES
    if not 1 <= minutes <= limit:
        raise BreakGlassRefused(_("Minutes must be between 1 and %(limit)s.") % {"limit": limit}, "minutes")
    if len(reason.strip()) < 20:
        raise BreakGlassRefused(_("A written reason of at least 20 characters is required."), "reason")
    if not Participant.objects.filter(pk=participant_id).exists():
        raise BreakGlassRefused(_("There is no participant with that number."), "participant_id")
    with transaction.atomic():
        now = clock.now()
        grant = BreakGlassGrant.objects.create(
            user=actor,
            participant_id=participant_id,
            reason=reason.strip(),
            opened_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.BREAK_GLASS,
            subject_type="participant",
            subject_id=participant_id,
            participant_id=participant_id,
            reason=grant.reason,
            changes={"minutes": minutes, "expires_at": grant.expires_at.isoformat()},
            break_glass_id=grant.pk,
        )
    return grant


def break_glass_search_record(*, actor: User, participant_ids: list[int], reason: str) -> None:
    """A site administrator's search for a participant to open break-glass access to: one row for the
    search (the written reason, how many were shown), and one per participant shown. Never the words
    searched for."""
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditEvent.Action.SEARCH, subject_type="break_glass_search",
            reason=reason.strip(), changes={"shown": len(participant_ids)},
        )  # fmt: skip
        audit_record_reads(
            actor=actor, action=AuditEvent.Action.SEARCH, subject_type="participant",
            participant_ids=participant_ids, reason="break-glass search",
        )  # fmt: skip
