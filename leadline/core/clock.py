"""The one clock. Business rules ask it for the time, never datetime.now() (CONVENTIONS habit 9).

Tests freeze it with time-machine, which moves django.utils.timezone.now as well.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current time, aware, in UTC."""
    return timezone.now()
