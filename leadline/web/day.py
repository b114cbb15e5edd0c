"""The case manager's day on the home page: who needs contact, intakes due, consents expiring, last month's
status to record, plan steps due, legal deadlines and court dates, unanswered service referrals and
accountings due. It reads cases, consents, directory and legal, so it lives with the home page (web), above
them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.cases.models import PlanItem
from leadline.cases.selectors import CONTACT_DUE_DAYS
from leadline.consents.models import AccountingRequest, Consent
from leadline.core import clock
from leadline.directory.models import ServiceReferral
from leadline.directory.referrals import UNANSWERED_AFTER
from leadline.legal import clock as legal_clock
from leadline.legal.models import CourtDate, LegalMatter
from leadline.legal.selectors import countdown
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.sites.selectors import site_get

CONSENT_WARNING_DAYS = 30


@dataclass
class DayWork:
    """The case manager's day: who needs contact, intakes due, consents expiring, months to record, plan
    steps due within three days (or overdue), legal deadlines and court dates, and referrals to services
    still unanswered after two days."""

    needs_contact: list[Any] = field(default_factory=list)  # annotated with last_reached
    intakes_due: list[Participant] = field(default_factory=list)
    consents_expiring: list[Any] = field(default_factory=list)
    monthly_due: list[Participant] = field(default_factory=list)
    steps_due: list[Any] = field(default_factory=list)
    legal_deadlines: list[Any] = field(default_factory=list)  # (matter, countdown) inside the warning period
    court_dates: list[Any] = field(default_factory=list)  # in the next seven days
    referrals_waiting: list[Any] = field(default_factory=list)  # service referrals unanswered two days
    accountings_due: list[Any] = field(default_factory=list)  # 42 CFR 2.25 requests not answered yet

    @property
    def empty(self) -> bool:
        return not (
            self.needs_contact
            or self.intakes_due
            or self.consents_expiring
            or self.monthly_due
            or self.steps_due
            or self.legal_deadlines
            or self.court_dates
            or self.referrals_waiting
            or self.accountings_due
        )


def day_for(*, user: User) -> DayWork:
    """Bounded queries over the user's own caseload, whatever its size or history."""
    today = clock.today()
    mine = Participant.objects.filter(case_manager=user, status__in=CASELOAD_STATUSES)
    since = timezone.now() - timedelta(days=CONTACT_DUE_DAYS)
    needs_contact = list(
        mine.exclude(status=Participant.Status.REFERRED)
        .filter(Q(last_reached_at__isnull=True) | Q(last_reached_at__lt=since))
        .order_by(F("last_reached_at").asc(nulls_first=True), "family_name")[:20]
    )
    intakes_due = list(mine.filter(status=Participant.Status.REFERRED).order_by("created_at")[:20])
    consents = list(
        Consent.objects.filter(
            participant__in=mine, ended_at__isnull=True, expires_on__isnull=False,
            expires_on__gte=today, expires_on__lte=today + timedelta(days=CONSENT_WARNING_DAYS),
        ).select_related("participant").order_by("expires_on")[:20]
    )  # fmt: skip
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    monthly_due = list(
        mine.exclude(status=Participant.Status.REFERRED)
        .exclude(monthly_statuses__month=last_month)
        .order_by("family_name", "given_name")[:20]
    )
    steps_due = list(
        PlanItem.objects.filter(
            goal__participant__in=mine, done_at__isnull=True, due_on__isnull=False,
            due_on__lte=today + timedelta(days=3),
        ).select_related("goal__participant").order_by("due_on")[:20]
    )  # fmt: skip
    legal_deadlines, court_dates = _legal_day(user, mine, today)
    waiting = list(
        ServiceReferral.objects.filter(
            participant__in=mine, status=ServiceReferral.Status.REQUESTED,
            requested_at__lt=clock.now() - UNANSWERED_AFTER,
        ).select_related("participant", "service").order_by("requested_at")[:20]
    )  # fmt: skip
    accountings = list(
        AccountingRequest.objects.filter(participant__in=mine, answered_at__isnull=True)
        .select_related("participant").order_by("due_on")[:20]
    )  # fmt: skip
    return DayWork(
        needs_contact, intakes_due, consents, monthly_due, steps_due, legal_deadlines, court_dates, waiting,
        accountings,
    )  # fmt: skip


def _legal_day(user: User, mine: Any, today: Any) -> tuple[list[Any], list[Any]]:
    """Legal windows on the caseload that end inside the site's warning period (the nearest first), and
    court dates in the next seven days: two bounded queries."""
    if not policy.can(user, "legal_clock.view"):
        return [], []
    site = site_get()
    tz, warning = (site.time_zone, site.legal_warning_days) if site else ("UTC", 7)
    until = legal_clock.start_of_day(today + timedelta(days=warning + 1), tz)
    matters = (
        LegalMatter.objects.filter(participant__in=mine, state=LegalMatter.State.HELD, deadline_at__lt=until)
        .select_related("participant")
        .order_by("deadline_at")[:20]
    )
    deadlines = [(m, countdown(m, warning_days=warning, tz=tz)) for m in matters]
    now = clock.now()
    dates = list(
        CourtDate.objects.filter(participant__in=mine, at__gte=now, at__lt=now + timedelta(days=7))
        .select_related("participant")
        .order_by("at")[:20]
    )
    return deadlines, dates
