"""`manage.py directory_reminders`: email each organisation the listings nobody has confirmed within the
site's `directory_stale_days`, and the referrals unanswered for two days (for cron, where no task worker
runs; the task does the same nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from leadline.directory.referrals import referral_reminders_send
from leadline.directory.services import stale_reminders_send


class Command(BaseCommand):
    help = "Remind organisations of their stale directory listings (once per staleness)."

    def handle(self, *args: Any, **options: Any) -> None:

        listings, referrals = stale_reminders_send(), referral_reminders_send()
        self.stdout.write(
            f"{listings} stale-listing reminder(s), {referrals} unanswered-referral reminder(s) sent"
        )
