"""The nightly reminder to the owners of stale directory listings (issue #7): once a night, 06:00 in the
site's time zone, so it is waiting when the provider starts the day."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from leadline.core import clock
from leadline.core.clock import zone_name
from leadline.core.imports import ImportOutcome, Progress, import_job_run
from leadline.core.jsonsafe import JsonRefused, loads_bounded
from leadline.core.models import ImportJob
from leadline.directory.hsds.importer import import_hsds
from leadline.directory.referrals import referral_reminders_send
from leadline.directory.services import stale_reminders_send


def next_morning() -> datetime:
    zone = ZoneInfo(zone_name())
    return datetime.combine(clock.today() + timedelta(days=1), time(6, 0), tzinfo=zone)


@task()
def directory_reminders() -> int:
    """Remind each organisation of its stale listings (once per staleness) and of referrals unanswered for
    two days, then book tomorrow's run.
    Returns the number of emails sent."""

    sent = stale_reminders_send() + referral_reminders_send()
    schedule_next()
    return sent


def schedule_next() -> None:
    def enqueue() -> None:
        job = directory_reminders
        if job.get_backend().supports_defer:
            job = job.using(run_after=next_morning())
        job.enqueue()

    transaction.on_commit(enqueue)


@task()
def hsds_import_run(job_id: str) -> str:
    """An HSDS import started on /directory/import/ (issue #15 item 8): read, checked and written here,
    with its progress on the job's page."""
    job = import_job_run(job_id, _hsds_import)
    return job.status if job else "missing"


CHANGES_KEPT = 500  # the job's page lists at most this many changes (the counts are always whole)


def _hsds_import(job: ImportJob, progress: Progress) -> ImportOutcome:
    from django.core.exceptions import PermissionDenied

    try:
        data = loads_bounded(bytes(job.data))
    except JsonRefused as exc:
        return ImportOutcome(errors=[f"file: {exc}"])
    try:
        report = import_hsds(data, job.owner, progress)
    except PermissionDenied:  # the role changed since the file was sent
        return ImportOutcome(errors=[_("Your role may no longer import the whole directory.")])
    if report.problems:
        return ImportOutcome(errors=[str(p) for p in report.problems])
    changes = [{"action": c.action, "kind": c.kind_label, "name": c.name, "id": c.id} for c in report.changes]
    result = {"created": len(report.created), "updated": len(report.updated), "deleted": len(report.deleted),
              "unchanged": report.unchanged, "changes": changes[:CHANGES_KEPT],
              "more": max(0, len(changes) - CHANGES_KEPT)}  # fmt: skip
    return ImportOutcome(result=result)
