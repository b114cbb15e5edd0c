"""`manage.py legal_sweep`: the legal clock's sweep, for a cron job or a systemd timer beside the task
worker (belt and braces: the worker runs the same sweep at every deadline).

``--as-of`` runs the sweep as if it were a later moment. It exists for the demo and the browser tests
("30 days pass") and is refused in production, where a deadline must never be brought forward.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from leadline.legal.records import court_reminders_due
from leadline.legal.services import matters_resolve_due, sealed_purge_due


class Command(BaseCommand):
    help = "Resolve legal matters past their deadline, purge sealed details, send due court-date reminders."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", help="ISO date-time with offset (demo and tests only)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options.get("as_of"):
            if settings.PRODUCTION:
                raise CommandError("--as-of is refused in production: deadlines are never brought forward.")
            now = parse_datetime(options["as_of"])
            if now is None or now.tzinfo is None:
                raise CommandError(
                    "--as-of: an ISO date-time with its offset, e.g. 2026-12-31T12:00:00+00:00"
                )
        resolved, purged = matters_resolve_due(now=now), sealed_purge_due(now=now)
        reminded = court_reminders_due(now=now)
        self.stdout.write(
            f"legal sweep: {resolved} matter(s) resolved, {purged} purged, {reminded} reminder(s) sent"
        )
