"""The HSDS import (``import_hsds``): the file read and checked (``import_read``), then written all or
nothing (``import_write``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadline.accounts.models import User
from leadline.directory.hsds.import_read import Problem, Reader
from leadline.directory.hsds.import_write import ImportReport, apply_plan
from leadline.directory.hsds.queries import may_manage_whole_directory


def import_hsds(
    data: Any, actor: User | None, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Create or update the directory from HSDS JSON: a list of full services, or an object with
    "taxonomy_terms", "organizations" (with their locations) and "services" lists, as ``export_document``
    writes. Records are matched by id, taxonomy terms by code (unknown ones are created under their
    taxonomy's name). A service in the file is the whole truth about that service: its schedules and
    locations not in the file are removed. Nothing else is ever deleted.

    All or nothing: every problem is reported, naming the record and the field, and nothing is written
    unless the whole file is good. Importing the same file again changes nothing.

    ``actor`` must manage the whole directory (``may_manage_whole_directory``); None is the command line.
    ``progress(done, total)`` is told how many records have been checked (a background import)."""
    if actor is not None and not may_manage_whole_directory(actor):
        raise PermissionDenied
    for attempt in (1, 2):
        reader = Reader(progress)
        reader.read(data)
        if reader.problems:
            return ImportReport(problems=reader.problems)
        try:
            with transaction.atomic(durable=True):
                return apply_plan(reader.plan, actor)
        except IntegrityError as exc:
            # Two imports of the same file at once (a double submit) both create a record: read the
            # database again, and the other one's records make this one an update, or nothing.
            if attempt == 2:
                return ImportReport(problems=[Problem("file", "", "", _("could not be saved: %(error)s")
                                                      % {"error": exc})])  # fmt: skip
    raise AssertionError("unreachable")
