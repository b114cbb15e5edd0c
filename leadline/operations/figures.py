"""The operational dashboard's figures (issue #17 item 6): counts only, never a person.

Every figure is one or a few aggregate queries (COUNT ... GROUP BY, with weeks bucketed in SQL by CASE over
the week boundaries, so it reads the same on SQLite and PostgreSQL and across a change of clocks): what Python
loops over is at most weeks × statuses, never participants. The one exception is the hand-off minutes: a
median and a 90th percentile are not portable SQL aggregates, so the arrival times of the period's hand-offs
(a few hundred a quarter at most; bounded by the period, at most a year) are read and ordered here.

Which participants count: every record that is not a merged duplicate. The figures are the program's own
counts for its own staff (``operations.view``); sealed matters are hidden from a reader whom
``accounts.policy.hides_sealed`` refuses them (no such reader holds the capability today).
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.cases.models import Contact, MonthlyStatus, PlanItem
from leadline.cases.selectors import CONTACT_DUE_DAYS
from leadline.core import clock
from leadline.legal.clock import start_of_day
from leadline.legal.policy import without_sealed
from leadline.operations.periods import Period
from leadline.participants.models import CASELOAD_STATUSES, Participant, StatusChange
from leadline.referrals.models import Handoff, Referral
from leadline.sites.selectors import site_get

STATUS_WEEKS = 12
STATUSES = [s.value for s in Participant.Status]
DOORS = [d.value for d in Referral.Door]


def bucket(field_name: str, bounds: list[datetime]) -> Case:
    """The index of the last boundary at or before the value: 0 for [b0, b1), 1 for [b1, b2), … (values
    before b0 get -1; callers filter them out). One CASE, evaluated by the database."""
    whens = [When(**{f"{field_name}__gte": b}, then=Value(i)) for i, b in reversed(list(enumerate(bounds)))]
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def live_participants() -> QuerySet[Participant]:
    return Participant.objects.filter(merged_into__isnull=True)


# ---- participants by status, week by week ---------------------------------------------------------------


@dataclass
class StatusWeek:
    monday: date
    enrolled: int  # first engaged during the week (Participant.engaged_at)
    exited: int  # moves to "exited" during the week
    at_end: dict[str, int]  # how many in each status at the week's end (or now, for the week under way)

    @property
    def in_lead(self) -> int:
        return self.at_end["engaged"] + self.at_end["active"] + self.at_end["inactive"]


def status_by_week(*, last_day: date, now: datetime | None = None) -> list[StatusWeek]:
    """The 12 weeks ending with the week of ``last_day``: new enrolments and exits in each, and how many
    people were in each status when it ended.

    A status at a past moment is read back from today's: today's count of a status, less the moves into it
    since that moment, plus the moves out of it, less the people created since then who started in it (their
    first move's "from", or today's status if they never moved). Four grouped queries, whatever the size."""
    now = now or clock.now()
    zone = clock.zone_name()
    first = last_day - timedelta(days=last_day.weekday()) - timedelta(weeks=STATUS_WEEKS - 1)
    mondays = [first + timedelta(weeks=i) for i in range(STATUS_WEEKS)]
    # b[0] the first week's start; b[k] the end of week k (k = 1..12), never later than now.
    bounds = [start_of_day(first, zone)] + [
        min(start_of_day(m + timedelta(days=7), zone), now) for m in mondays
    ]
    rows: Any  # one grouped query after another: Django's typed rows differ, the loops read them alike
    row: Any
    current = {s: 0 for s in STATUSES}
    for row in live_participants().values("status").annotate(n=Count("id")).order_by():
        current[row["status"]] += row["n"]
    # moves[j][(from, to)]: moves in [b[j], b[j+1]) (j = 0..11), and j = 12 for every move since b[12].
    moves: list[dict[tuple[str, str], int]] = [{} for _ in range(STATUS_WEEKS + 1)]
    rows = (
        StatusChange.objects.filter(changed_at__gte=bounds[0], participant__merged_into__isnull=True)
        .annotate(b=bucket("changed_at", bounds))
        .values("b", "from_status", "to_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        moves[row["b"]][(row["from_status"], row["to_status"])] = row["n"]
    first_from = StatusChange.objects.filter(participant=OuterRef("pk")).order_by("changed_at", "id")
    started: list[dict[str, int]] = [{} for _ in range(STATUS_WEEKS + 1)]
    rows = (
        live_participants()
        .filter(created_at__gte=bounds[0])
        .annotate(
            b=bucket("created_at", bounds),
            initial=Coalesce(Subquery(first_from.values("from_status")[:1]), F("status")),
        )
        .values("b", "initial")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        started[row["b"]][row["initial"]] = row["n"]
    enrolled = [0] * (STATUS_WEEKS + 1)
    rows = (
        live_participants()
        .filter(engaged_at__gte=bounds[0])
        .annotate(b=bucket("engaged_at", bounds))
        .values("b")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        enrolled[row["b"]] = row["n"]
    weeks = []
    for k in range(1, STATUS_WEEKS + 1):  # the stock at b[k] undoes every move and creation from b[k] on
        later = range(k, STATUS_WEEKS + 1)
        at_end = {}
        for s in STATUSES:
            into = sum(n for j in later for (f, t), n in moves[j].items() if t == s)
            out_of = sum(n for j in later for (f, t), n in moves[j].items() if f == s)
            born = sum(started[j].get(s, 0) for j in later)
            at_end[s] = current[s] - into + out_of - born
        exits = sum(n for (f, t), n in moves[k - 1].items() if t == "exited")
        weeks.append(StatusWeek(mondays[k - 1], enrolled[k - 1], exits, at_end))
    return weeks


# ---- contacts ---------------------------------------------------------------------------------------------


@dataclass
class ContactWeek:
    monday: date
    reached: int = 0
    not_reached: int = 0

    @property
    def total(self) -> int:
        return self.reached + self.not_reached


@dataclass
class Contacts:
    total: int
    reached: int
    not_reached: int
    weeks: list[ContactWeek]
    by_kind: list[tuple[str, int, int]]  # (kind, reached, not reached)


def contacts_in(period: Period) -> Contacts:
    """Contacts and outreach attempts in the period: reached or not, by week and by kind. One query."""
    bounds = [lo for lo, _hi in period.week_bounds()]
    # A range over the contacts' own index (``contact_period_idx``), which alone answers the count; merged
    # duplicates (a handful) are left out by their ids rather than by joining every contact to its person.
    merged = Participant.objects.filter(merged_into__isnull=False).values("pk")
    contacts = Contact.objects.filter(
        occurred_at__gte=period.start_at, occurred_at__lt=period.end_at
    ).exclude(participant__in=merged)
    weeks = [ContactWeek(m) for m in period.weeks()]
    kinds: dict[str, list[int]] = {}
    row: Any
    rows = (
        contacts.annotate(b=bucket("occurred_at", bounds))
        .values("b", "kind", "reached")
        .annotate(n=Count("id"))
    )
    for row in rows.order_by():  # at most weeks × kinds × 2 rows
        week, counts = weeks[row["b"]], kinds.setdefault(row["kind"], [0, 0])
        if row["reached"]:
            week.reached += row["n"]
            counts[0] += row["n"]
        else:
            week.not_reached += row["n"]
            counts[1] += row["n"]
    reached = sum(w.reached for w in weeks)
    not_reached = sum(w.not_reached for w in weeks)
    order = [k.value for k in Contact.Kind]
    by_kind = [(k, kinds[k][0], kinds[k][1]) for k in order if k in kinds]
    return Contacts(reached + not_reached, reached, not_reached, weeks, by_kind)


# ---- hand-off minutes ------------------------------------------------------------------------------------


@dataclass
class Minutes:
    n: int
    median: float | None
    p90: float | None


@dataclass
class HandoffWeek:
    monday: date
    minutes: Minutes


@dataclass
class Handoffs:
    requested: int
    overall: Minutes
    weeks: list[HandoffWeek]


def minutes_summary(values: list[float]) -> Minutes:
    """Median and 90th percentile (linear between the closest ranks, as a spreadsheet's PERCENTILE.INC),
    rounded to a tenth of a minute."""
    if not values:
        return Minutes(0, None, None)
    ordered = sorted(values)
    p90 = ordered[0] if len(ordered) == 1 else statistics.quantiles(ordered, n=10, method="inclusive")[8]
    return Minutes(len(ordered), round(statistics.median(ordered), 1), round(p90, 1))


def handoffs_in(period: Period, *, user: User) -> Handoffs:
    """Hand-offs requested in the period; requested → case manager arrived (``Handoff.minutes_to_handoff``),
    for those with an arrival, over the period and week by week."""
    handoffs = Handoff.objects.filter(requested_at__gte=period.start_at, requested_at__lt=period.end_at)
    handoffs = without_sealed(user, handoffs, matter="referral__legal_matter")
    bounds = [lo for lo, _hi in period.week_bounds()]
    requested = handoffs.count()
    rows = handoffs.filter(arrived_at__isnull=False).only("requested_at", "arrived_at")
    per_week: list[list[float]] = [[] for _ in bounds]
    every: list[float] = []
    for h in rows.order_by():
        minutes = h.minutes_to_handoff
        if minutes is None:
            continue
        every.append(minutes)
        per_week[bisect_right(bounds, h.requested_at) - 1].append(minutes)
    weeks = [HandoffWeek(m, minutes_summary(v)) for m, v in zip(period.weeks(), per_week, strict=True)]
    return Handoffs(requested, minutes_summary(every), weeks)


# ---- overdue work by staff member -----------------------------------------------------------------------


@dataclass
class StaffWork:
    user: User | None  # None: people on no caseload
    not_reached: int = 0
    intakes_due: int = 0
    monthly_due: int = 0
    steps_overdue: int = 0

    @property
    def total(self) -> int:
        return self.not_reached + self.intakes_due + self.monthly_due + self.steps_overdue


def overdue_by_staff() -> list[StaffWork]:
    """Today's overdue work on each caseload (the definitions of the case manager's day, web.day): people not
    reached in 14 days, intakes waiting, last month's status not recorded, plan steps past their date. Every
    active case manager has a row (zeros too); people on no caseload make one more row. Three queries."""
    today = clock.today()
    since = clock.now() - timedelta(days=CONTACT_DUE_DAYS)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    in_touch = Q(status__in=("engaged", "active", "inactive"))
    recorded = MonthlyStatus.objects.filter(participant=OuterRef("pk"), month=last_month)
    rows = (
        live_participants()
        .filter(status__in=CASELOAD_STATUSES)
        .annotate(recorded=Exists(recorded))
        .values("case_manager")
        .annotate(
            not_reached=Count(
                "id", filter=in_touch & (Q(last_reached_at__isnull=True) | Q(last_reached_at__lt=since))
            ),
            intakes_due=Count("id", filter=Q(status="referred")),
            monthly_due=Count("id", filter=in_touch & Q(recorded=False)),
        )
        .order_by()
    )
    counts: dict[int | None, Any] = {r["case_manager"]: r for r in rows}
    steps: dict[int | None, int] = dict(
        PlanItem.objects.filter(
            goal__participant__merged_into__isnull=True,
            goal__participant__status__in=CASELOAD_STATUSES,
            done_at__isnull=True,
            due_on__lt=today,
        )
        .values("goal__participant__case_manager")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("goal__participant__case_manager", "n")
    )
    managers = list(
        policy.users_with_capability("caseload.view", scope=Scope.CASELOAD)
        .only("pk", "username", "first_name", "last_name")
        .order_by("last_name", "first_name", "username")
    )
    # Someone no longer a case manager who still holds a caseload is listed too, so nothing goes unseen.
    known = {m.pk for m in managers}
    former = [k for k in {*counts, *steps} if k is not None and k not in known]
    if former:
        managers += list(User.objects.filter(pk__in=former).order_by("last_name", "first_name", "username"))
    out = []
    for key, user in [*((m.pk, m) for m in managers), (None, None)]:
        row = counts.get(key, {})
        work = StaffWork(
            user,
            not_reached=row.get("not_reached", 0),
            intakes_due=row.get("intakes_due", 0),
            monthly_due=row.get("monthly_due", 0),
            steps_overdue=steps.get(key, 0),
        )
        if user is not None or work.total:
            out.append(work)
    return out


# ---- referrals by door and by precinct ------------------------------------------------------------------


@dataclass
class DoorWeek:
    monday: date
    by_door: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_door.values())

    @property
    def counts(self) -> list[int]:
        return [self.by_door[d] for d in DOORS]


@dataclass
class Referrals:
    total: int
    by_door: dict[str, int]
    weeks: list[DoorWeek]
    precincts: list[tuple[str, list[int], int]]  # (precinct name or "", counts in DOORS order, total)


def referrals_in(period: Period, *, user: User) -> Referrals:
    """Referrals made in the period, by door week by week, and by precinct and door. Two queries."""
    referrals = Referral.objects.filter(created_at__gte=period.start_at, created_at__lt=period.end_at)
    referrals = without_sealed(user, referrals, matter="legal_matter")
    bounds = [lo for lo, _hi in period.week_bounds()]
    weeks = [DoorWeek(m, {d: 0 for d in DOORS}) for m in period.weeks()]
    row: Any
    rows = referrals.annotate(b=bucket("created_at", bounds)).values("b", "door").annotate(n=Count("id"))
    for row in rows.order_by():
        weeks[row["b"]].by_door[row["door"]] += row["n"]
    places: dict[str, dict[str, int]] = {}
    for row in referrals.values("precinct__name", "door").annotate(n=Count("id")).order_by():
        places.setdefault(row["precinct__name"] or "", {d: 0 for d in DOORS})[row["door"]] += row["n"]
    precincts = sorted(
        ((name, [doors[d] for d in DOORS], sum(doors.values())) for name, doors in places.items()),
        key=lambda p: (p[0] == "", -p[2], p[0]),
    )
    by_door = {d: sum(w.by_door[d] for w in weeks) for d in DOORS}
    return Referrals(sum(by_door.values()), by_door, weeks, precincts)


# ---- the page -------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    period: Period
    statuses: list[StatusWeek]
    contacts: Contacts
    handoffs: Handoffs
    overdue: list[StaffWork]
    referrals: Referrals
    target: int = 30


def dashboard_for(*, user: User, period: Period) -> Dashboard:
    site = site_get()
    return Dashboard(
        period=period,
        statuses=status_by_week(last_day=period.end),
        contacts=contacts_in(period),
        handoffs=handoffs_in(period, user=user),
        overdue=overdue_by_staff(),
        referrals=referrals_in(period, user=user),
        target=site.handoff_target_minutes if site else 30,
    )
