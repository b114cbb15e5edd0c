"""`manage.py export_evidence --out DIR [--as-of YYYY-MM-DD]`: Leadline's participants as the evidence
engine's pseudonymous input files (docs/decisions/0019)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from leadline.core import clock
from leadline.evidence.export import export


class Command(BaseCommand):
    help = "Write people.csv, events.csv and monthly.csv (pseudonymous) for `leadline evaluate`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True)
        parser.add_argument("--as-of", dest="as_of", help="the data cutoff (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options.get("as_of") else clock.today()
        except ValueError:
            raise CommandError("--as-of: a date as YYYY-MM-DD") from None
        counts = export(options["out"], as_of)
        self.stdout.write(", ".join(f"{name}: {n} rows" for name, n in counts.items()))
