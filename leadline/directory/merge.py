"""What happens to service referrals when a participant is merged into another
(participants.services.participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from typing import Any

from leadline.accounts.models import User
from leadline.directory.models import ServiceReferral


def participant_merged(*, actor: User, survivor: Any, duplicate: Any) -> dict[str, int]:
    """A duplicate was merged (inside participants.services.participant_merge's transaction): its service
    referrals, with their events and reminders, are the survivor's."""
    return {
        "service_referrals": ServiceReferral.objects.filter(participant=duplicate).update(
            participant=survivor
        )
    }
