"""`manage.py evaluate_site [--as-of DATE]`: run the evidence engine on the site's data now (the nightly
task does the same at 02:00)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand

from leadline.evaluation.services import evaluation_run


class Command(BaseCommand):
    help = "Run the evidence engine on the site's data and keep the result for the pages."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", dest="as_of")

    def handle(self, *args: Any, **options: Any) -> None:
        run = evaluation_run(as_of=date.fromisoformat(options["as_of"]) if options.get("as_of") else None)
        self.stdout.write(f"evaluation #{run.pk} as of {run.as_of} ({run.source}) in {run.seconds:.1f} s")
