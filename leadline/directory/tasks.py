"""The nightly reminder to the owners of stale directory listings (issue #7): once a night, 06:00 in the
site's time zone, so it is waiting when the provider starts the day."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django_tasks import task

from leadline.core import clock
from leadline.core.middleware import site_time_zone


def next_morning() -> datetime:
    zone = ZoneInfo(site_time_zone())
    return datetime.combine(clock.today() + timedelta(days=1), time(6, 0), tzinfo=zone)


@task()
def directory_reminders() -> int:
    """Remind each organisation of its stale listings (once per staleness) and of referrals unanswered for
    two days, then book tomorrow's run.
    Returns the number of emails sent."""
    from leadline.directory.referrals import referral_reminders_send
    from leadline.directory.services import stale_reminders_send

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
