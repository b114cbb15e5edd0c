from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from leadline.core import clock
from leadline.sites.models import PolicyVersion, Site


def site_get() -> Site | None:
    """The site this deployment runs (one per deployment), or None before it is configured."""
    return Site.objects.order_by("pk").first()


def policy_version_in_force(*, site: Site, on: date) -> PolicyVersion | None:
    return (
        site.policy_versions.filter(effective_from__lte=on)
        .exclude(effective_to__lt=on)
        .order_by("-effective_from")
        .first()
    )


def policy_version_today() -> PolicyVersion | None:
    """The policy version in force today in the site's time zone (None before a site or policy exists)."""
    site = site_get()
    if site is None:
        return None
    return policy_version_in_force(site=site, on=clock.now().astimezone(ZoneInfo(site.time_zone)).date())
