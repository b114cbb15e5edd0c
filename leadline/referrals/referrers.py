"""Referrals answers participants.referrers (registered from ReferralsConfig.ready()): which of these
participants did this officer refer."""

from __future__ import annotations

from leadline.accounts.models import User
from leadline.participants.referrers import register_referred_by
from leadline.referrals.models import Referral


def participants_referred_by(officer: User, participant_ids: list[int]) -> set[int]:
    return set(
        Referral.objects.filter(participant_id__in=participant_ids, referred_by=officer).values_list(
            "participant_id", flat=True
        )
    )


register_referred_by(participants_referred_by)
