"""`manage.py directory_export --out FILE [--csv]`: the whole service directory in Open Referral HSDS 3.0,
as one JSON file (what `directory_import` reads back) or, with --csv, the HSDS tabular CSVs in a zip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.directory.hsds import export


class Command(BaseCommand):
    help = "Export the service directory as HSDS 3.0 JSON (or, with --csv, as the tabular CSVs in a zip)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--csv", action="store_true", help="the HSDS tabular form: CSVs in a zip")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        document = export.export_document()
        if options["csv"]:
            out.write_bytes(export.export_zip(document))
        else:
            out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        audit_record(actor=None, action=AuditEvent.Action.EXPORT, subject_type="directory",
                     reason=f"HSDS export ({'csv' if options['csv'] else 'json'})",
                     username="manage.py directory_export")  # fmt: skip
        self.stdout.write(
            f"{out}: {len(document['services'])} services, {len(document['organizations'])} organisations"
        )
