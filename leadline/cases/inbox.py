"""Cases' kinds of work in the "needs you" inbox (``core.inbox``, registered from CasesConfig.ready()).

All four are a case manager's own caseload, whatever the reader's scope: the inbox is the work that needs
*me*, so a program manager (who reads every record) sees here only the people assigned to them.

- ``intake_due``: a person referred to me who has not had an intake yet (done when the intake is completed,
  which makes them engaged);
- ``not_reached``: someone on my caseload not reached in 14 days (done when a contact reaches them);
- ``plan_step_due``: a plan step due within three days, or overdue (done when it is marked done);
- ``monthly_status_due``: last month's housing, employment and income not recorded (done when recorded).

Each is one bounded query for the items and one COUNT, whatever the size of the caseload or its history.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts import policy
from leadline.cases.models import DOMAIN_SENSITIVITY, Domain, PlanItem
from leadline.cases.selectors import CONTACT_DUE_DAYS
from leadline.core import clock
from leadline.core.inbox import InboxItem, InboxSource, register_source
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.policy import NOTE_VIEW_CAPABILITY

PLAN_STEP_DAYS = 3  # a step shows three days before it is due, and stays until it is done


def _mine(user: Any) -> QuerySet[Participant]:
    return Participant.objects.filter(
        case_manager=user, status__in=CASELOAD_STATUSES, merged_into__isnull=True
    )


# --- intake due -------------------------------------------------------------------------------------------


def _intakes(user: Any) -> QuerySet[Participant]:
    return _mine(user).filter(status=Participant.Status.REFERRED)


def intakes_due(user: Any, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="intake_due",
            what=_("Intake to do"),
            who=p.display_name,
            since=p.created_at,
            url=reverse("cases:intake", args=[p.pk]),
            work_key=f"participant_intake:{p.pk}",
            participant_id=p.pk,
        )
        for p in _intakes(user).order_by("created_at", "pk")[:limit]
    ]


# --- not reached in 14 days -------------------------------------------------------------------------------


def _not_reached(user: Any) -> QuerySet[Participant]:
    since = clock.now() - timedelta(days=CONTACT_DUE_DAYS)
    return (
        _mine(user)
        .exclude(status=Participant.Status.REFERRED)  # still to meet for intake: the intake kind says so
        .filter(Q(last_reached_at__isnull=True) | Q(last_reached_at__lt=since))
    )


def not_reached(user: Any, limit: int) -> list[InboxItem]:
    people = _not_reached(user).order_by(F("last_reached_at").asc(nulls_first=True), "family_name", "pk")
    return [
        InboxItem(
            kind="not_reached",
            what=(
                _("Not reached in %(days)s days") % {"days": CONTACT_DUE_DAYS}
                if p.last_reached_at
                else _("Not reached yet")
            ),
            who=p.display_name,
            since=p.last_reached_at or p.engaged_at or p.created_at,
            url=reverse("participants:detail", args=[p.pk]),
            work_key=f"participant_contact:{p.pk}",
            participant_id=p.pk,
        )
        for p in people[:limit]
    ]


# --- plan steps due ---------------------------------------------------------------------------------------


def _visible_domains(user: Any) -> list[str]:
    """The plan domains whose steps this reader may read (a health or substance-use step needs its own
    capability, like the notes of that sensitivity)."""
    visible = {s for s, cap in NOTE_VIEW_CAPABILITY.items() if policy.can(user, cap)}
    return [d.value for d in Domain if str(DOMAIN_SENSITIVITY.get(d, "general")) in visible]


def _steps(user: Any) -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(
        goal__participant__in=_mine(user),
        goal__domain__in=_visible_domains(user),
        done_at__isnull=True,
        due_on__isnull=False,
        due_on__lte=clock.today() + timedelta(days=PLAN_STEP_DAYS),
    )


def steps_due(user: Any, limit: int) -> list[InboxItem]:
    steps = _steps(user).select_related("goal__participant").order_by("due_on", "pk")[:limit]
    today = clock.today()
    return [
        InboxItem(
            kind="plan_step_due",
            what=(
                _("Overdue plan step: %(step)s")
                if s.due_on and s.due_on < today
                else _("Plan step: %(step)s")
            )
            % {"step": s.action},
            who=s.goal.participant.display_name,
            since=s.created_at,
            due=s.due_on,
            url=reverse("cases:plan", args=[s.goal.participant_id]),
            work_key=f"plan_item:{s.pk}",
            participant_id=s.goal.participant_id,
        )
        for s in steps
    ]


# --- monthly status due -----------------------------------------------------------------------------------


def month_due(today: date) -> date:
    """The month whose status is due: the last one that has ended (the current month is still running)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _monthly(user: Any) -> tuple[QuerySet[Participant], date]:
    today = clock.today()
    month = month_due(today)
    this_month = datetime.combine(today.replace(day=1), time.min, tzinfo=ZoneInfo(clock.zone_name()))
    people = (
        _mine(user)
        .exclude(status=Participant.Status.REFERRED)
        .filter(created_at__lt=this_month)  # in the program during the month that is due
        .exclude(monthly_statuses__month=month)
    )
    return people, month


def monthly_due(user: Any, limit: int) -> list[InboxItem]:
    people, month = _monthly(user)
    label = formats.date_format(month, "YEAR_MONTH_FORMAT")
    ends = (month + timedelta(days=32)).replace(day=1)
    return [
        InboxItem(
            kind="monthly_status_due",
            what=_("Record the status for %(month)s") % {"month": label},
            who=p.display_name,
            since=ends,
            url=reverse("participants:detail", args=[p.pk]),
            work_key=f"participant_monthly:{p.pk}:{month:%Y-%m}",
            participant_id=p.pk,
        )
        for p in people.order_by("family_name", "given_name", "pk")[:limit]
    ]


register_source(
    InboxSource(
        kind="intake_due",
        label=gettext_lazy("Intakes to do"),
        capability="case_notes.edit",
        items=intakes_due,
        count=lambda user: _intakes(user).count(),
        order=40,
    )
)
register_source(
    InboxSource(
        kind="not_reached",
        label=gettext_lazy("Not reached in two weeks"),
        capability="contact.edit",
        items=not_reached,
        count=lambda user: _not_reached(user).count(),
        order=50,
    )
)
register_source(
    InboxSource(
        kind="plan_step_due",
        label=gettext_lazy("Plan steps due"),
        capability="case_notes.view",
        items=steps_due,
        count=lambda user: _steps(user).count(),
        order=70,
    )
)
register_source(
    InboxSource(
        kind="monthly_status_due",
        label=gettext_lazy("Monthly status to record"),
        capability="monthly_status.edit",
        items=monthly_due,
        count=lambda user: _monthly(user)[0].count(),
        order=80,
    )
)
