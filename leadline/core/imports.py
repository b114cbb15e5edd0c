"""Imports run as background jobs (issue #15 item 8; decision 0032).

A page that takes a file to import no longer does the work inside the request: it keeps the file in an
``ImportJob`` and hands the job to the task worker (``import_job_create``); the person is sent to the
job's page, which polls its progress (rows done of rows total) and shows, at the end, what was imported or
every error by row and field. The importer itself is unchanged in what it promises: all or nothing.

An importer is a function ``runner(job, progress) -> ImportOutcome``, called by its app's task through
``import_job_run``; ``progress(done, total)`` may be called as often as it likes (it writes at most a few
times a second). A job whose worker died is run again by the next claim: an import is all or nothing
and idempotent, so nothing is written twice.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from leadline.core import clock
from leadline.core.actors import Actor
from leadline.core.models import ImportJob

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5


@dataclass
class ImportOutcome:
    errors: list[str] = field(default_factory=list)  # each names the row (or record) and the field
    result: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[int, int], None]
Runner = Callable[[ImportJob, Progress], ImportOutcome]


def import_job_create(*, owner: Actor, kind: str, upload: Any, enqueue: Callable[[str], Any]) -> ImportJob:
    """Keep the uploaded file in a new job and queue it once the job is committed. ``upload`` has already
    been size-checked as it arrived (core.uploads); it is read from its temporary file in chunks."""
    data = b"".join(upload.chunks())
    owner_row = cast(Any, owner)  # the FK wants the User model (above core); the Actor given is one
    job = ImportJob.objects.create(
        id=uuid.uuid4(), kind=kind, owner=owner_row, filename=str(getattr(upload, "name", "") or "")[:200],
        data=data, created_at=clock.now(),
    )  # fmt: skip
    transaction.on_commit(lambda: enqueue(str(job.pk)))
    return job


class _Progress:
    def __init__(self, job: ImportJob):
        self.job = job
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        # Its own short write, outside the importer's transaction, so the page sees it at once.
        ImportJob.objects.filter(pk=self.job.pk).update(rows_done=done, rows_total=total)


def import_job_run(job_id: str, runner: Runner) -> ImportJob | None:
    """Run one queued job (or one whose worker died while running it); a finished job is left alone."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=(ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    ).update(status=ImportJob.Status.RUNNING, started_at=clock.now())
    job = ImportJob.objects.select_related("owner").filter(pk=job_id).first()
    if not claimed or job is None:
        return job
    with translation.override(getattr(job.owner, "preferred_language", "") or "en"):
        try:
            outcome = runner(job, _Progress(job))
        except Exception:  # the job must end, whatever the importer did; its transaction rolled back
            log.exception("import job %s failed", job_id)
            outcome = ImportOutcome(
                errors=[_("The import stopped on an unexpected error: nothing was imported.")]
            )
    job.refresh_from_db(fields=["rows_done", "rows_total"])
    job.status = ImportJob.Status.FAILED if outcome.errors else ImportJob.Status.DONE
    job.errors, job.result = outcome.errors, outcome.result
    job.finished_at, job.data = clock.now(), b""  # the file is not kept once the job has ended
    if job.status == ImportJob.Status.DONE:
        job.rows_done = job.rows_total
    job.save(update_fields=["status", "errors", "result", "finished_at", "data", "rows_done"])
    return job


def import_job_get_for(*, user: Actor, job_id: Any) -> ImportJob:
    """The job, for the person who started it; anybody else gets the same 404 as for no job at all."""
    try:
        return ImportJob.objects.defer("data").get(pk=uuid.UUID(str(job_id)), owner_id=user.pk)
    except (ValueError, ImportJob.DoesNotExist):
        raise Http404 from None


def import_jobs_recent_for(*, user: Actor, kind: str, limit: int = 5) -> list[ImportJob]:
    return list(ImportJob.objects.defer("data").filter(owner_id=user.pk, kind=kind)[:limit])
