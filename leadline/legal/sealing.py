"""What a sealed matter's purge erases from the legal app's own rows (the lifecycle PURGE handler
registered in legal.hooks; sealed_purge_due runs every app's inside the matter's transaction)."""

from __future__ import annotations

from datetime import datetime

from leadline.legal.models import Charge, Extension, Notice
from leadline.participants.lifecycle import SealedMatter


def charges_purged(*, matter: SealedMatter, now: datetime) -> dict[str, int]:
    """The charges go and the notices' PDFs are emptied (the notices' references, kinds and dates stay)."""
    return {
        "charges": Charge.objects.filter(matter_id=matter.pk).delete()[0],
        "notice_documents": Notice.objects.filter(matter_id=matter.pk, pdf__isnull=False).update(pdf=None),
    }


def extension_reasons_purged(*, matter: SealedMatter, now: datetime) -> dict[str, int]:
    """An extension's reason may name the charge: it goes (who gave how many days, and when, stay)."""
    return {
        "extension_reasons": Extension.objects.filter(matter_id=matter.pk)
        .exclude(reason="")
        .update(reason="")
    }
