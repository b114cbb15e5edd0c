"""Background work for legal matters: act at each deadline and purge sealed details when they are due."""

from __future__ import annotations

from django_tasks import task

from leadline.legal.records import court_reminders_due
from leadline.legal.services import matters_resolve_due, sealed_purge_due


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
