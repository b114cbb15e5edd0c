"""The one clock. Business rules ask it for the time, never datetime.now() (CONVENTIONS habit 9).

Tests freeze it with time-machine, which moves django.utils.timezone.now as well.
"""

from __future__ import annotations

from collections.abc import Callable
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


def _utc() -> str:
    return "UTC"


_zone_source: Callable[[], str] = _utc


def set_zone_source(source: Callable[[], str]) -> None:
    """Name where the program runs: the sites app installs its ``site_time_zone`` at start-up (core sits
    below sites and does not import it)."""
    global _zone_source
    _zone_source = source


def zone_name() -> str:
    """The time zone name where the program runs (the site's)."""
    return _zone_source()


def local_date(moment: datetime) -> date:
    """The date of ``moment`` where the program runs (the site's time zone)."""
    return moment.astimezone(ZoneInfo(zone_name())).date()
