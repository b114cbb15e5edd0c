"""Property tests of the legal clock across dates, time zones, daylight-time changes and windows of 1–30
days (issue #5): the window is whole local calendar days, whatever the clocks do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadline.legal.clock import days_left, deadline, has_run_out, last_day, local_date, start_of_day

# US sites first; then zones whose clocks change at midnight (the day starts at 01:00 on the change),
# a half-hour offset, the southern hemisphere and a zone without daylight time.
ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Santiago", "America/Havana", "Asia/Beirut",
    "Australia/Lord_Howe", "Australia/Adelaide", "Europe/London", "UTC",
]  # fmt: skip
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
windows = st.integers(min_value=1, max_value=30)
zones = st.sampled_from(ZONES)


@settings(max_examples=300, deadline=None)
@given(start=moments, days=windows, tz=zones)
def test_the_window_is_whole_local_calendar_days(start, days, tz):
    end = deadline(start, days, tz)
    # The last instant inside the window is on the last day; the deadline is on the next day.
    assert local_date(end - timedelta(microseconds=1), tz) == local_date(start, tz) + timedelta(days=days)
    assert local_date(end, tz) == local_date(start, tz) + timedelta(days=days + 1)
    assert last_day(start, days, tz) == local_date(end - timedelta(microseconds=1), tz)
    # Never shorter than the days promised, never longer than one more day (plus a clock change).
    assert timedelta(days=days) - timedelta(hours=1) < end - start <= timedelta(days=days + 1, hours=1)


@settings(max_examples=300, deadline=None)
@given(start=moments, days=windows, tz=zones)
def test_a_longer_window_ends_exactly_one_local_day_later(start, days, tz):
    one_more = deadline(start, days + 1, tz)
    assert one_more > deadline(start, days, tz)
    assert local_date(one_more, tz) == local_date(deadline(start, days, tz), tz) + timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(start=moments, days=windows, tz=zones, later=st.integers(min_value=0, max_value=40 * 24 * 60))
def test_the_countdown_and_the_outcome_agree(start, days, tz, later):
    now = start + timedelta(minutes=later)
    left = days_left(start, days, now, tz)
    assert days_left(start, days, start, tz) == days
    assert has_run_out(start, days, now, tz) == (left < 0)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2040, 12, 31).date()), tz=zones)
def test_a_day_starts_at_its_first_instant(day, tz):
    first = start_of_day(day, tz)
    assert first.astimezone(ZoneInfo(tz)).date() == day
    assert (first - timedelta(minutes=1)).astimezone(ZoneInfo(tz)).date() < day


@pytest.mark.parametrize(
    ("start_local", "days", "tz", "last", "hours"),
    [
        # Rochester: a 10-day window across the March change (a 23-hour day) is 10 days + the rest of day 0.
        ("2026-03-05 22:30", 10, "America/New_York", "2026-03-15", 10 * 24 + 1.5 - 1),
        # ... and across the November change (a 25-hour day).
        ("2026-10-30 09:00", 3, "America/New_York", "2026-11-02", 3 * 24 + 15 + 1),
        # Santiago's clocks jump at midnight: day 8 begins at 01:00 local (2026-09-06).
        ("2026-08-29 12:00", 7, "America/Santiago", "2026-09-05", None),
    ],
)
def test_known_dates(start_local, days, tz, last, hours):
    start = datetime.fromisoformat(start_local).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
    end = deadline(start, days, tz)
    assert str(last_day(start, days, tz)) == last
    assert local_date(end, tz) == datetime.fromisoformat(last).date() + timedelta(days=1)
    if hours is not None:
        assert (end - start) == timedelta(hours=hours)


def test_a_naive_start_or_a_negative_window_is_refused():
    with pytest.raises(ValueError):
        deadline(datetime(2026, 1, 1), 10, "UTC")
    with pytest.raises(ValueError):
        deadline(datetime(2026, 1, 1, tzinfo=UTC), -1, "UTC")
