"""What happens to a participant's message threads when the participant is merged into another
(participants.services.participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from leadline.accounts.models import User
from leadline.messaging.models import Thread
from leadline.participants.models import Participant


def participant_merged(*, actor: User, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """A duplicate was merged (inside participants.services.participant_merge's transaction): its threads
    are about the survivor; their members and messages stay as they were."""
    return {"message_threads": Thread.objects.filter(participant=duplicate).update(participant=survivor)}
