"""The nightly evaluation (issue #6): one run a night, at 02:00 in the site's time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django_tasks import task

from leadline.core import clock
from leadline.core.clock import zone_name
from leadline.evaluation.models import EvaluationRun
from leadline.evaluation.services import evaluation_run


def next_night() -> datetime:
    zone = ZoneInfo(zone_name())
    tomorrow = clock.today() + timedelta(days=1)
    return datetime.combine(tomorrow, time(2, 0), tzinfo=zone)


@task()
def evaluation_nightly() -> int:
    """Run the engine unless tonight's run exists, then book tomorrow night's. Returns the run's id."""

    done = EvaluationRun.objects.filter(as_of=clock.today()).first()
    run = done or evaluation_run()
    schedule_next()
    return run.pk


def schedule_next() -> None:
    def enqueue() -> None:
        job = evaluation_nightly
        if job.get_backend().supports_defer:
            job = job.using(run_after=next_night())
        job.enqueue()

    transaction.on_commit(enqueue)
