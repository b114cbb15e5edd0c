"""The one clock. Business rules ask it for the time, never datetime.now() (CONVENTIONS habit 9).

Tests freeze it with time-machine, which moves django.utils.timezone.now as well.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def now() -> datetime:
    """The current time, aware, in UTC."""
    return timezone.now()


def today() -> date:
    """Today's date where the program runs (the site's time zone), whatever the server's zone and whether or
    not a request activated it: between 19:00 and midnight in Rochester the UTC date is already tomorrow, and
    a due date, a consent's expiry or a legal deadline must not move a day because a background task or a
    test asked instead of a page."""
    return local_date(now())


def local_date(moment: datetime) -> date:
    """The date of ``moment`` where the program runs (the site's time zone)."""
    from leadline.core.middleware import site_time_zone

    return moment.astimezone(ZoneInfo(site_time_zone())).date()
