"""Deliveries are sent here, by the task worker, never inside a request: each batch as soon as the
transaction that made it commits (`send_deliveries`), and those that failed or waited out quiet hours every
five minutes (`deliver_notifications`, booked again by each run; the demo books the first) or by
`manage.py deliver_notifications` from cron."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django_tasks import task

from leadline.core import clock

EVERY = timedelta(minutes=5)


@task(priority=10)  # ahead of the nightly work: a hand-off page must not wait behind an evaluation
def send_deliveries(ids: list[int]) -> int:
    """Send these deliveries now: queued by the request that made them, after its commit, so that no
    request ever waits on an SMS provider or a mail server. Sent at most once (status and row lock)."""
    from leadline.notifications.services import deliver  # services enqueues this task: a same-app pair

    return deliver(ids)


@task()
def deliver_notifications() -> int:
    from leadline.notifications.services import deliver_due  # (as above)

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
