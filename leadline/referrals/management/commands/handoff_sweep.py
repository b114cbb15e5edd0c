"""`manage.py handoff_sweep`: page the next level for every LEAD-line request nobody acknowledged in time.

The cron fallback beside the task worker, as `legal_sweep` is for the legal clock (decisions 0018, 0031):
idempotent (each escalation is a compare-and-set on the hand-off's level), so running it every minute
beside a worker that does the same never pages anyone twice, and a run after downtime catches up on every
request that waited.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from leadline.referrals.tasks import handoff_sweep


class Command(BaseCommand):
    help = "Escalate every LEAD-line hand-off request not acknowledged within the site's window."

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = handoff_sweep()
        self.stdout.write(f"hand-off sweep: {escalated} request(s) escalated")
