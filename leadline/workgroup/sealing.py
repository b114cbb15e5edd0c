"""What a sealed matter's purge erases from the workgroup's rows (the lifecycle PURGE handler registered in
workgroup.hooks; legal.services.sealed_purge_due runs it inside the matter's transaction)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from leadline.participants.lifecycle import SealedMatter
from leadline.workgroup.models import ActionItem, AgendaItem


def matter_purged(*, matter: SealedMatter, now: datetime) -> dict[str, int]:
    """The agenda items about the infraction (the matter, or its referral) go, with the decisions on them
    and the action items they gave. Not counted on the matter (its purge counts are the legal record's)."""
    about = Q(matter_id=matter.pk) | (
        Q(referral_id=matter.referral_id) if matter.referral_id else Q(pk__in=[])
    )
    items = AgendaItem.objects.filter(about)
    ActionItem.objects.filter(Q(item__in=items) | Q(decision__item__in=items)).delete()
    items.delete()
    return {}
