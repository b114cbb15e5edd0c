from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.referrals.models import Referral
from leadline.referrals.policy import referrals_visible_to


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
    audit_record(actor=user, action=AuditEvent.Action.VIEW, subject_type="referral", subject_id=referral.pk)
    return referral
