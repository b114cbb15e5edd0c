"""The site's time zone: read from the Site (at most once a minute per process), activated for every page,
and installed as core.clock's zone source at start-up (sites.apps)."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from leadline.sites.selectors import site_get

_zone_cache: tuple[float, str] = (0.0, "")


def site_time_zone() -> str:
    """The site's time zone name, read at most once a minute per process."""
    global _zone_cache
    now = time.monotonic()
    if now - _zone_cache[0] > 60 or not _zone_cache[1]:
        site = site_get()
        _zone_cache = (now if site else 0.0, site.time_zone if site else "UTC")  # no site yet: ask again
    return _zone_cache[1]


class SiteTimeZoneMiddleware:
    """Times are stored in UTC and shown, and typed, in the site's time zone (Site.time_zone): a
    hand-off requested at 14:02 in Rochester reads 14:02, and a contact typed as 09:30 is 09:30 there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in ("/healthz", "/readyz"):  # the probes show no time, and must answer a
            return self.get_response(request)  # database outage with their own 503, not this query's 500
        try:
            timezone.activate(zoneinfo.ZoneInfo(site_time_zone()))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
