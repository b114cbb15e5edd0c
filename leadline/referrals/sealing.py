"""What a sealed legal matter's purge erases from the referrals app's rows (the lifecycle PURGE handler
registered in referrals.hooks; legal.services.sealed_purge_due runs it inside its transaction for each
matter whose retention period has passed, before the matter lets go of the person)."""

from __future__ import annotations

from datetime import datetime

from leadline.notifications.services import deliveries_erase
from leadline.participants.lifecycle import SealedMatter
from leadline.referrals.models import EligibilityCheck, Handoff, HandoffPage, Referral


def matter_purged(*, matter: SealedMatter, now: datetime) -> dict[str, int]:
    """The infraction on the matter's referral goes: the offence, place, the officer's words, the name and
    date of birth, the reasons given, the link to the person; the eligibility checks' details, the hand-off's
    message and the text of the hand-off pages' SMS (which named the place and the offence). The referral's
    door, dates and states stay for the de-identified evaluation record."""
    if not matter.referral_id:
        return {"referral_fields": 0}
    fields = Referral.objects.filter(pk=matter.referral_id).update(
        offence=None, offence_other="", drug_quantity_grams=None, place="", latitude=None,
        longitude=None, concern="", exclusions_flagged=[], given_name="", family_name="",
        date_of_birth=None, stated_age=None, override_reason="", approval_reason="",
        participant=None,
    )  # fmt: skip
    EligibilityCheck.objects.filter(referral_id=matter.referral_id).update(detail="")
    Handoff.objects.filter(referral_id=matter.referral_id).update(message="")
    pages = HandoffPage.objects.filter(handoff__referral_id=matter.referral_id)
    deliveries_erase(notification_ids=pages.values("notification"))
    return {"referral_fields": fields}
