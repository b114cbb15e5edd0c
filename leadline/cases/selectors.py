from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from leadline.cases.models import CaseNote, Contact
from leadline.core import clock
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.selectors import ParticipantView


def case_note_list_for(*, view: ParticipantView) -> QuerySet[CaseNote]:
    """The notes of a participant the user may read: only the sensitivities their access allows.

    Takes the ParticipantView returned by participant_get_for, so the read is already audited and
    the access already decided.
    """
    sensitivities = view.access.note_sensitivities_visible
    return CaseNote.objects.filter(
        participant=view.participant, sensitivity__in=sensitivities
    ).select_related("author")


def contact_list_for(*, view: ParticipantView, limit: int = 20) -> list[Contact]:
    """The latest contacts and attempts; the template shows place and summary only to those who may."""
    if not view.access.has("contact.view"):
        return []
    return list(Contact.objects.filter(participant=view.participant).select_related("logged_by")[:limit])


CONTACT_DUE_DAYS = 14  # no one on a caseload should go two weeks without being reached (decision 0012)
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


def day_for(*, user: Any) -> DayWork:
    """Bounded queries over the user's own caseload, whatever its size or history."""
    from leadline.consents.models import Consent

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
    from leadline.cases.models import PlanItem

    steps_due = list(
        PlanItem.objects.filter(
            goal__participant__in=mine, done_at__isnull=True, due_on__isnull=False,
            due_on__lte=today + timedelta(days=3),
        ).select_related("goal__participant").order_by("due_on")[:20]
    )  # fmt: skip
    legal_deadlines, court_dates = _legal_day(user, mine, today)
    from leadline.directory.models import ServiceReferral
    from leadline.directory.referrals import UNANSWERED_AFTER

    waiting = list(
        ServiceReferral.objects.filter(
            participant__in=mine, status=ServiceReferral.Status.REQUESTED,
            requested_at__lt=clock.now() - UNANSWERED_AFTER,
        ).select_related("participant", "service").order_by("requested_at")[:20]
    )  # fmt: skip
    from leadline.consents.models import AccountingRequest

    accountings = list(
        AccountingRequest.objects.filter(participant__in=mine, answered_at__isnull=True)
        .select_related("participant").order_by("due_on")[:20]
    )  # fmt: skip
    return DayWork(
        needs_contact, intakes_due, consents, monthly_due, steps_due, legal_deadlines, court_dates, waiting,
        accountings,
    )  # fmt: skip


def _legal_day(user: Any, mine: Any, today: Any) -> tuple[list[Any], list[Any]]:
    """Legal windows on the caseload that end inside the site's warning period (the nearest first), and
    court dates in the next seven days: two bounded queries."""
    from leadline.accounts import policy
    from leadline.legal import clock as legal_clock
    from leadline.legal.models import CourtDate, LegalMatter
    from leadline.legal.selectors import countdown
    from leadline.sites.selectors import site_get

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


def intake_for(*, view: ParticipantView) -> tuple[Any, list[Any]]:
    """(the intake in progress, else the latest completed one, or None; its answers this user may read,
    acute first)."""
    from leadline.cases.models import Intake, domain_sensitivity

    intake = (
        Intake.objects.filter(participant=view.participant)
        .order_by(F("completed_at").desc(nulls_first=True))
        .first()
    )
    if intake is None:
        return None, []
    visible = set(view.access.note_sensitivities_visible)
    answers = [a for a in intake.answers.all() if domain_sensitivity(a.domain) in visible]
    return intake, answers


def intake_completed_on(participant: Participant) -> Any:
    """The date of the latest completed intake (what the legal clock reads), or None."""
    from leadline.cases.models import Intake

    latest = (
        Intake.objects.filter(participant=participant, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    return clock.local_date(latest.completed_at) if latest and latest.completed_at else None


def caseload_overview(*, user: Any) -> list[Any]:
    """Every active case manager (program manager) or only oneself (case manager), each with their
    caseload's size, counts by status, the oldest wait for intake, and what is overdue (not reached in two
    weeks, plan steps past their date); fullest first. Three queries whatever the numbers."""
    from leadline.accounts import policy
    from leadline.accounts.roles import Scope
    from leadline.cases.models import PlanItem

    managers = policy.users_with_capability("caseload.view", scope=Scope.CASELOAD)
    if policy.scope_of(user, "caseload.view") is not Scope.ALL:
        managers = managers.filter(pk=getattr(user, "pk", 0))
    counted = ("referred", "engaged", "active", "inactive")
    since = timezone.now() - timedelta(days=CONTACT_DUE_DAYS)
    stats = {
        row["case_manager"]: row
        for row in Participant.objects.filter(case_manager__in=managers)
        .values("case_manager")
        .annotate(
            size=Count("id", filter=Q(status__in=CASELOAD_STATUSES)),
            **{s: Count("id", filter=Q(status=s)) for s in counted},
            oldest_referred=Min("created_at", filter=Q(status="referred")),
            not_reached=Count(
                "id",
                filter=Q(status__in=("engaged", "active", "inactive"))
                & (Q(last_reached_at__isnull=True) | Q(last_reached_at__lt=since)),
            ),
        )
        .order_by()
    }
    steps = dict(
        PlanItem.objects.filter(
            goal__participant__case_manager__in=managers,
            done_at__isnull=True,
            due_on__lt=clock.today(),
        )
        .values("goal__participant__case_manager")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("goal__participant__case_manager", "n")
    )
    everyone = list(managers.only("pk", "username", "first_name", "last_name"))
    for m in everyone:
        row: Any = stats.get(m.pk, {})
        for attr in ("size", *counted, "not_reached"):
            setattr(m, attr, row.get(attr, 0))
        m.steps_overdue = steps.get(m.pk, 0)  # type: ignore[attr-defined]
        m.oldest_referred = row.get("oldest_referred")  # type: ignore[attr-defined]
    everyone.sort(key=lambda m: (-m.size, m.last_name, m.first_name))  # type: ignore[attr-defined]
    return everyone
