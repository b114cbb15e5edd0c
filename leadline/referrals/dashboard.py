"""The police dashboard: referral volume by precinct and week, ineligibility reasons, hand-off times —
so a drop in referrals is seen early. Everything is counted inside the viewer's referral scope (an officer
sees their own, a liaison their precinct, the program all). Operational counts only: no participant data."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.db.models.functions import TruncWeek

from leadline.accounts.models import User
from leadline.core import clock
from leadline.referrals.eligibility import criterion_label
from leadline.referrals.models import EligibilityCheck, Handoff
from leadline.referrals.policy import referrals_visible_to
from leadline.sites.models import Exclusion
from leadline.sites.selectors import site_get

WEEKS = 12


@dataclass
class Dashboard:
    weeks: list[date]
    precincts: list[str]
    volume: dict[str, list[int]]  # precinct -> count per week
    totals: list[int]
    reasons: list[tuple[str, int]]
    handoffs: int
    median_minutes: float | None
    within_target: float | None
    target: int

    def reason_rows(self) -> list[tuple[str, int]]:
        """The reasons as people read them (``reasons`` keeps the criterion codes the analysis counts by)."""
        exclusions = dict(
            Exclusion.objects.order_by("policy_version__effective_from").values_list("code", "description")
        )
        return [(criterion_label(c, exclusions), n) for c, n in self.reasons]


def dashboard_for(*, user: User) -> Dashboard:
    site = site_get()
    tz = ZoneInfo(site.time_zone if site else "UTC")
    today = clock.now().astimezone(tz).date()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    weeks = [first + timedelta(weeks=i) for i in range(WEEKS)]
    referrals = referrals_visible_to(user).filter(created_at__date__gte=first)
    rows = (
        referrals.annotate(week=TruncWeek("created_at", tzinfo=tz))
        .values("week", "precinct__name")
        .annotate(n=Count("id"))
    )
    volume: dict[str, list[int]] = {}
    for row in rows:
        name = row["precinct__name"] or "—"
        week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
        if week in weeks:
            volume.setdefault(name, [0] * WEEKS)[weeks.index(week)] += row["n"]
    precincts = sorted(volume)
    totals = [sum(volume[p][i] for p in precincts) for i in range(WEEKS)]
    reasons = list(
        EligibilityCheck.objects.filter(referral__in=referrals, passed=False)
        .values_list("criterion")
        .annotate(n=Count("id"))
        .order_by("-n", "criterion")
    )
    target = site.handoff_target_minutes if site else 30
    minutes = [
        h.minutes_to_handoff
        for h in Handoff.objects.filter(referral__in=referrals, arrived_at__isnull=False).only(
            "requested_at", "arrived_at"
        )
    ]
    times = [m for m in minutes if m is not None]
    return Dashboard(
        weeks=weeks,
        precincts=precincts,
        volume=volume,
        totals=totals,
        reasons=[(str(c), int(n)) for c, n in reasons],
        handoffs=len(times),
        median_minutes=round(statistics.median(times), 1) if times else None,
        within_target=round(100 * sum(t <= target for t in times) / len(times)) if times else None,
        target=target,
    )
