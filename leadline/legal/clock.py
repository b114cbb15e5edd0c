"""The legal clock (issue #5): when a diversion window runs out, in the site's time zone.

Pure functions, no database: the matters, the participation rule and the background task that acts at
the deadline (issue #5) are built on these.

A window of N days that starts at a moment counts calendar days in the site's time zone: the start's
local date is day 0 and the window runs through the whole of local day N. So the deadline is the first
instant of local day N + 1 — found without ever adding hours, so a change to or from daylight time
inside the window moves nothing (a 23- or 25-hour day is still one day). Where local midnight does not
exist (zones that change the clock at 00:00), the day begins at its first existing instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def start_of_day(day: date, tz: str) -> datetime:
    """The first instant (UTC) whose local date in ``tz`` is ``day``."""
    zone = ZoneInfo(tz)
    candidate = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    # A nonexistent local midnight (a spring-forward gap at 00:00) resolves, with fold=0, to an
    # instant inside ``day`` (e.g. 01:00): then step back while the previous minute is still ``day``.
    while (candidate - timedelta(minutes=1)).astimezone(zone).date() == day:
        candidate -= timedelta(minutes=1)
    while candidate.astimezone(zone).date() < day:  # an instant before the day: move into it
        candidate += timedelta(minutes=1)
    return candidate


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def deadline(start: datetime, days: int, tz: str) -> datetime:
    """The moment (UTC) a window of ``days`` calendar days from ``start`` runs out."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if days < 0:
        raise ValueError("days must not be negative")
    return start_of_day(local_date(start, tz) + timedelta(days=days + 1), tz)


def last_day(start: datetime, days: int, tz: str) -> date:
    """The last local date inside the window (what a notice prints as "by <date>")."""
    return local_date(start, tz) + timedelta(days=days)


def days_left(start: datetime, days: int, now: datetime, tz: str) -> int:
    """Whole local days left after today until the window ends: ``days`` on the start's date, 0 on its
    last day, negative once it has run out."""
    return (last_day(start, days, tz) - local_date(now, tz)).days


def has_run_out(start: datetime, days: int, now: datetime, tz: str) -> bool:
    return now >= deadline(start, days, tz)
