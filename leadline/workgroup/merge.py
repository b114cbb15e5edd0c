"""What happens to a participant's agenda items when the participant is merged into another
(participants.services.participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from typing import Any

from leadline.accounts.models import User
from leadline.workgroup.models import AgendaItem


def participant_merged(*, actor: User, survivor: Any, duplicate: Any) -> dict[str, int]:
    """A duplicate was merged (inside participants.services.participant_merge's transaction): its agenda
    items are about the survivor, so each member reads them through the survivor's consents. An item's
    source key still names what it came from (``inactive:<the duplicate>``): the same meeting built again
    adds nothing twice, and a later meeting's items name the survivor."""
    return {"agenda_items": AgendaItem.objects.filter(participant=duplicate).update(participant=survivor)}
