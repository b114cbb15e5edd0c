"""`manage.py directory_import FILE [--user USERNAME]`: create or update the service directory from an
Open Referral HSDS 3.0 JSON file, all or nothing (docs/decisions/0020). Importing the same file again
changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from leadline.accounts.models import User
from leadline.directory.hsds import importer


class Command(BaseCommand):
    help = "Import HSDS 3.0 JSON: a list of full services, or a file written by directory_export."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", help="the Leadline user the audit trail names (default: none, via cli)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--user: no active user {options['user']!r}")
        try:
            data = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        try:
            report = importer.import_hsds(data, actor)
        except PermissionDenied:
            raise CommandError(f"--user: {actor} may not import the whole directory") from None
        if not report.ok:
            raise CommandError("Nothing was imported:\n" + "\n".join(str(p) for p in report.problems))
        for change in report.changes:
            self.stdout.write(f"{change.action} {change.kind} {change.id} {change.name}")
        self.stdout.write(
            f"{len(report.created)} created, {len(report.updated)} updated, {len(report.deleted)} removed, "
            f"{report.unchanged} unchanged"
        )
