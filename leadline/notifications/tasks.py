"""Deliveries that failed or waited out quiet hours go every five minutes: from the task worker (booked
again by each run; the demo books the first) or `manage.py deliver_notifications` from cron."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django_tasks import task

from leadline.core import clock

EVERY = timedelta(minutes=5)


@task()
def deliver_notifications() -> int:
    from leadline.notifications.services import deliver_due

    sent = deliver_due()
    schedule_next()
    return sent


def schedule_next() -> None:
    def enqueue() -> None:
        job = deliver_notifications
        if job.get_backend().supports_defer:
            job = job.using(run_after=clock.now() + EVERY)
        job.enqueue()

    transaction.on_commit(enqueue)
