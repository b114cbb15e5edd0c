"""The period the dashboard and its exports cover: this month, this quarter or a custom range of whole local
days (the site's zone), and the weeks (Monday to Sunday) that cut it. Each error sits on its field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadline.core import clock
from leadline.legal.clock import start_of_day

MAX_DAYS = 366  # a custom range holds at most a year: every weekly table stays at most 53 rows
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    start: date  # first local day, inclusive
    end: date  # last local day, inclusive
    kind: str  # "month", "quarter" or "custom"

    @property
    def start_at(self) -> datetime:
        return start_of_day(self.start, clock.zone_name())

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return start_of_day(self.end + timedelta(days=1), clock.zone_name())

    def weeks(self) -> list[date]:
        """The Mondays of the weeks the period touches, in order."""
        first = self.start - timedelta(days=self.start.weekday())
        return [first + timedelta(weeks=i) for i in range((self.end - first).days // 7 + 1)]

    def week_bounds(self) -> list[tuple[datetime, datetime]]:
        """Each week's part inside the period, as instants [from, to)."""
        zone = clock.zone_name()
        out = []
        for monday in self.weeks():
            lo, hi = max(monday, self.start), min(monday + timedelta(days=6), self.end)
            out.append((start_of_day(lo, zone), start_of_day(hi + timedelta(days=1), zone)))
        return out


def this_month(today: date) -> Period:
    return Period(today.replace(day=1), today, "month")


def this_quarter(today: date) -> Period:
    return Period(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today, "quarter")


class PeriodForm(forms.Form):
    """GET ``period`` (month | quarter | custom) and, for a custom range, ``start`` and ``end`` (ISO)."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("This month")), ("quarter", _("This quarter")), ("custom", _("Dates I choose"))],
        initial="month",
        required=False,
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("period") or "month") != "custom":
            return data
        start, end, today = data.get("start"), data.get("end"), clock.today()
        for name in ("start", "end"):
            if name not in self.errors and data.get(name) is None:
                self.add_error(name, _("Choose a date for a custom period."))
        if start and start < EARLIEST:
            self.add_error("start", _("Choose a date from %(first)s.") % {"first": EARLIEST.isoformat()})
        if end and end > today:
            self.add_error("end", _("Choose a date no later than today."))
        if start and end and "end" not in self.errors:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("A period holds at most %(n)s days.") % {"n": MAX_DAYS})
        return data

    def chosen(self) -> Period:
        """The chosen period (call after is_valid())."""
        today = clock.today()
        kind = self.cleaned_data.get("period") or "month"
        if kind == "quarter":
            return this_quarter(today)
        if kind == "custom":
            return Period(self.cleaned_data["start"], self.cleaned_data["end"], "custom")
        return this_month(today)
