"""Leadline's own participants in the evidence contract (issue #6, "data in"): pseudonymous `people`,
`events` and `monthly` files the engine reads, so `leadline evaluate` runs on the program's own data.

Pseudonymous: `person_key` is the keyed hash of the participant's id (decision 0018's `person_key`, the
deployment's secret); no name, date of birth (only the year), free text or place leaves. Leadline records
no race, so `race` is "Unknown" until the site's data partners supply it. Administrative events (re-arrests,
bookings, jail days) come from the partners' extracts, not from Leadline: the `events` file written here
has its header and no rows, and the partners' rows are added to it.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from leadline.cases.models import MonthlyStatus
from leadline.core import clock
from leadline.legal.services import person_key
from leadline.participants.models import Participant

HEADERS = {
    "people": ["person_key", "group", "index_date", "followup_end", "race", "sex", "birth_year"],
    "events": ["person_key", "date", "type", "quantity"],
    "monthly": ["person_key", "month", "housed_permanent", "sheltered", "employed", "income_any"],
}


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def export(out: Path | str, as_of: date) -> dict[str, int]:
    """Write people.csv, events.csv and monthly.csv into ``out``; returns the row counts."""
    from django.db.models import Min

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    people = (
        Participant.objects.filter(merged_into__isnull=True)
        .annotate(first_referral=Min("referrals__occurred_at"))
        .filter(first_referral__isnull=False)
        .values_list("pk", "first_referral", "date_of_birth")
    )
    index: dict[int, date] = {}
    rows: list[list[Any]] = []
    for pk, first, dob in people.iterator():
        day = clock.local_date(first)
        if day > as_of:
            continue
        index[pk] = day
        rows.append([person_key(pk), "lead", day.isoformat(), as_of.isoformat(), "Unknown", "",
                     dob.year if dob else ""])  # fmt: skip
    counts = {"people": _write(out / "people.csv", HEADERS["people"], rows)}
    counts["events"] = _write(out / "events.csv", HEADERS["events"], [])
    monthly: list[list[Any]] = []
    statuses = (
        MonthlyStatus.objects.filter(participant_id__in=index.keys(), month__lte=as_of)
        .order_by("participant_id", "month")
        .values_list("participant_id", "month", "housing", "employed", "income_or_benefits")
    )
    for pk, month, housing, employed, income in statuses.iterator():
        # Month 0 is the month before the referral, 1 the referral's month, and so on (EVIDENCE-DATA.md).
        number = _months_between(index[pk].replace(day=1), month) + 1
        if number < 0 or "unknown" in (housing, employed, income):
            continue  # before the window, or not known: a missing month, never a guessed 0
        monthly.append([person_key(pk), number, int(housing == "permanent"), int(housing == "sheltered"),
                        int(employed == "yes"), int(income == "yes")])  # fmt: skip
    counts["monthly"] = _write(out / "monthly.csv", HEADERS["monthly"], monthly)
    return counts


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> int:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    tmp.replace(path)
    return len(rows)
