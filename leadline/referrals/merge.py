"""What happens to referrals when a participant is merged into another (participants.services.
participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from leadline.accounts.models import User
from leadline.participants.models import Participant
from leadline.referrals.models import Referral


def participant_merged(*, actor: User, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """Every referral of the duplicate is the survivor's (no constraint holds one per participant), so
    the referring officer's outcome and the hand-off history read from the survivor."""
    return {"referrals": Referral.objects.filter(participant=duplicate).update(participant=survivor)}
