from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_subjects
from leadline.core import clock
from leadline.referrals.models import Handoff, Referral
from leadline.referrals.policy import handoffs_visible_to, referrals_visible_to


def referral_list_for(*, user: Any) -> QuerySet[Referral]:
    return referrals_visible_to(user).select_related("offence", "referred_by", "policy_version")


def referral_get_for(*, user: Any, referral_id: int) -> Referral:
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


def handoff_get_for(*, user: Any, handoff_id: int) -> Handoff:
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


def handoff_open_list_for(*, user: Any) -> list[Handoff]:
    """Requests not yet handed off (or handed off within the last day), newest first."""
    since = clock.now() - timedelta(days=1)
    return list(
        handoffs_visible_to(user)
        .select_related("referral", "referral__offence", "acknowledged_by", "requested_by")
        .filter(Q(handed_off_at__isnull=True) | Q(handed_off_at__gte=since))
        .exclude(status=Handoff.Status.CANCELLED)[:50]
    )


def handoffs_to_link_for(*, user: Any) -> list[Handoff]:
    """The officer's own requests raised by phone that still wait for their referral (last 12 hours)."""
    since = clock.now() - timedelta(hours=12)
    return list(
        Handoff.objects.filter(requested_by=user, referral__isnull=True, requested_at__gte=since).exclude(
            status=Handoff.Status.CANCELLED
        )[:5]
    )


def referral_reads_audit(*, user: Any, referrals: Iterable[Referral]) -> None:
    """Lists show names: one audit row per referral shown."""
    audit_record_subjects(
        actor=user,
        action=AuditEvent.Action.LIST,
        subject_type="referral",
        subjects=[(r.pk, r.participant_id) for r in referrals],
    )
