"""Background work for legal matters: act at each deadline and purge sealed details when they are due."""

from __future__ import annotations

from django_tasks import task

from leadline.core.imports import ImportOutcome, Progress, import_job_run
from leadline.core.models import ImportJob
from leadline.legal.records import court_reminders_due, records_import
from leadline.legal.services import LegalRefused, matters_resolve_due, sealed_purge_due


@task()
def legal_sweep() -> dict[str, int]:
    """Resolve every matter whose deadline has passed, purge every sealed matter past retention and send
    the court-date reminders that are due. Safe to run any number of times; a run after downtime catches
    up on everything missed."""
    return {
        "resolved": matters_resolve_due(),
        "purged": sealed_purge_due(),
        "reminded": court_reminders_due(),
    }


@task()
def records_import_run(job_id: str) -> str:
    """A court-record import started on /legal/import/ (issue #15 item 8): checked and written here, with
    its progress on the job's page."""
    job = import_job_run(job_id, _records_import)
    return job.status if job else "missing"


def _records_import(job: ImportJob, progress: Progress) -> ImportOutcome:
    try:
        report = records_import(actor=job.owner, data=bytes(job.data), progress=progress)
    except LegalRefused as exc:  # the role changed since the file was sent
        return ImportOutcome(errors=[exc.message])
    return ImportOutcome(errors=report.errors, result=report.counts)
