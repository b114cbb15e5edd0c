"""Participants and contacts for grant reports, as CSV or XLSX (issue #17 item 6; decision 0041).

What leaves: ids, statuses, dates, the case manager, the referral's door, precinct and agency, the kind of a
contact and whether it reached the person, who logged it. Never a name of a participant, a case note, a
contact's place or summary, whereabouts, health or Part 2 information. A participant whose legal matter is
sealed is left out of both files (PRODUCT §4 rule 3: no export shows a cleared infraction again), and so is a
merged duplicate. Each participant in a file is one EXPORT row in the audit trail, written before the file is
sent.

Headers are in the reader's language; values are machine values in every language: ISO dates (the site's
local date), plain integers, codes for statuses, doors and kinds, ``yes``/``no``. A text cell a spreadsheet
would run as a formula is quoted (core.csvsafe), in the CSV and in the XLSX alike.

A file holds at most ``MAX_ROWS`` rows, counted first: a bigger period is refused (naming the period) rather
than built for minutes inside a request. Within the bound a file is built in the request, in about two
seconds for 10,000 participants on the loaded shared machine (docs/benchmarks.md; decision 0041, "Speed"):
the rows are plain values, the audit rows one prepared ``executemany`` (audit_record_subjects), the XLSX
written as text (operations.xlsx). A background job with a progress page (the pattern of core.imports) is the
path if sites ever need bigger files.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record_subjects
from leadline.cases.models import Contact, Intake
from leadline.core import clock, refusals
from leadline.core.csvsafe import csv_cell
from leadline.legal.models import LegalMatter
from leadline.operations.periods import Period
from leadline.operations.xlsx import xlsx_bytes
from leadline.participants.models import Participant, StatusChange
from leadline.referrals.models import Referral

MAX_ROWS = 10_000

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy: read in the reader's language when the file is written


PARTICIPANT_COLUMNS = [
    Column("participant_id", _("Participant id")),
    Column("status", _("Status at the end of the period")),
    Column("case_manager", _("Case manager")),
    Column("referral_door", _("Referral door")),
    Column("referred_on", _("Referred on")),
    Column("intake_on", _("Intake completed on")),
    Column("enrolled_on", _("Enrolled on")),
    Column("exited_on", _("Exited on")),
    Column("precinct", _("Precinct")),
    Column("referring_agency", _("Referring agency")),
    Column("last_contact_on", _("Last contact on")),
]

CONTACT_COLUMNS = [
    Column("contact_on", _("Date")),
    Column("participant_id", _("Participant id")),
    Column("kind", _("Kind of contact")),
    Column("reached", _("Reached them")),
    Column("staff", _("Logged by")),
]


class TooLarge(refusals.Refused):
    def __init__(self, n: int) -> None:
        super().__init__(
            _("The period holds %(n)s rows; an export holds at most %(max)s. Choose a shorter period.")
            % {"n": n, "max": MAX_ROWS},
            "start",
        )


def not_sealed(participants: QuerySet[Participant]) -> QuerySet[Participant]:
    """Participants without a sealed legal matter (purged matters have let go of the person already)."""
    sealed = LegalMatter.objects.filter(participant=OuterRef("pk"), sealed_at__isnull=False)
    return participants.filter(merged_into__isnull=True).exclude(Exists(sealed))


def _day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    """The local date of ``moment`` where the program runs (clock.local_date, its zone read once per file)."""
    return moment.astimezone(zone).date() if moment else None


def _name(row: Mapping[str, Any], prefix: str) -> str:
    """A staff member's name as ``User.get_full_name`` gives it, else their username; "" for nobody."""
    full = f"{row[prefix + 'first_name'] or ''} {row[prefix + 'last_name'] or ''}".strip()
    return full or row[prefix + "username"] or ""


def participant_rows(period: Period) -> list[dict[str, Any]]:
    """Everyone in LEAD at some time in the period: on the books before it ended, and not gone (exited, and
    still exited when it ended) before it began. Every figure is as it stood at the period's end: the status,
    and only dates up to then (a past quarter's file reads the same next year). One query for the participants
    (the status at the period's end and the dates as subqueries), one for their first referrals."""
    start_at, end_at = period.start_at, period.end_at
    changes = StatusChange.objects.filter(participant=OuterRef("pk"))
    last_exit = (
        changes.filter(to_status="exited", changed_at__lt=end_at)
        .order_by("-changed_at", "-id")
        .values("changed_at")[:1]
    )
    before_end = changes.filter(changed_at__lt=end_at).order_by("-changed_at", "-id").values("to_status")[:1]
    after_end = changes.filter(changed_at__gte=end_at).order_by("changed_at", "id").values("from_status")[:1]
    first_intake = (
        Intake.objects.filter(participant=OuterRef("pk"), completed_at__lt=end_at)
        .order_by("completed_at", "id")
        .values("completed_at")[:1]
    )
    last_contact = (
        Contact.objects.filter(participant=OuterRef("pk"), occurred_at__lt=end_at)
        .order_by("-occurred_at", "-id")
        .values("occurred_at")[:1]
    )
    first_referral = (
        Referral.objects.filter(participant=OuterRef("pk"), occurred_at__lt=end_at)
        .exclude(legal_matter__sealed_at__isnull=False)
        .order_by("occurred_at", "id")
        .values("id")[:1]
    )
    people = (
        not_sealed(Participant.objects.filter(created_at__lt=end_at))
        .annotate(
            exited_at=Subquery(last_exit),
            status_at_end=Coalesce(Subquery(before_end), Subquery(after_end), F("status")),
            intake_at=Subquery(first_intake),
            contact_at=Subquery(last_contact),
            referral_id=Subquery(first_referral),
        )
        .exclude(status_at_end="exited", exited_at__lt=start_at)  # gone before the period began
        .order_by("id")
    )
    n = people.count()
    if n > MAX_ROWS:
        raise TooLarge(n)
    # Plain values, not model instances: building 10,000 participants, users and referrals costs seconds.
    referrals = {
        r["id"]: r
        for r in Referral.objects.filter(pk__in=people.values("referral_id")).values(
            "id", "door", "occurred_at", "precinct__name", "agency__name"
        )
    }
    zone = ZoneInfo(clock.zone_name())
    rows = []
    for a in people.values(
        "id", "status_at_end", "engaged_at", "exited_at", "intake_at", "contact_at", "referral_id",
        "case_manager__first_name", "case_manager__last_name", "case_manager__username",
    ):  # fmt: skip
        referral: Mapping[str, Any] = referrals.get(a["referral_id"]) or {}
        engaged = a["engaged_at"] if a["engaged_at"] and a["engaged_at"] < end_at else None
        rows.append(
            {
                "participant_id": a["id"],
                "status": a["status_at_end"],
                "case_manager": _name(a, "case_manager__"),
                "referral_door": referral.get("door", ""),
                "referred_on": _day(referral.get("occurred_at"), zone),
                "intake_on": _day(a["intake_at"], zone),
                "enrolled_on": _day(engaged, zone),
                "exited_on": _day(a["exited_at"], zone) if a["status_at_end"] == "exited" else None,
                "precinct": referral.get("precinct__name") or "",
                "referring_agency": referral.get("agency__name") or "",
                "last_contact_on": _day(a["contact_at"], zone),
            }
        )
    return rows


def contact_rows(period: Period) -> list[dict[str, Any]]:
    """Every contact and outreach attempt in the period, oldest first; one query."""
    contacts = Contact.objects.filter(
        occurred_at__gte=period.start_at,
        occurred_at__lt=period.end_at,
        participant__in=not_sealed(Participant.objects.all()),
    ).order_by("occurred_at", "id")
    n = contacts.count()
    if n > MAX_ROWS:
        raise TooLarge(n)
    zone = ZoneInfo(clock.zone_name())
    return [
        {
            "contact_on": _day(c["occurred_at"], zone),
            "participant_id": c["participant_id"],
            "kind": c["kind"],
            "reached": "yes" if c["reached"] else "no",
            "staff": _name(c, "logged_by__"),
        }
        for c in contacts.values(
            "occurred_at",
            "participant_id",
            "kind",
            "reached",
            "logged_by__first_name",
            "logged_by__last_name",
            "logged_by__username",
        )
    ]


def _cell(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return csv_cell(value)


def write_csv(columns: list[Column], rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opens accented headers right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(str(c.label)) for c in columns])
    for row in rows:
        writer.writerow([_cell(row[c.key]) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(columns: list[Column], rows: Iterable[dict[str, Any]], *, title: str) -> bytes:
    """One sheet (operations.xlsx: SpreadsheetML written as text, an order of magnitude faster than openpyxl
    without lxml); dates are date cells shown as ISO dates, ids integers."""
    header = [csv_cell(str(c.label)) for c in columns]
    body = (
        [row[c.key] if isinstance(row[c.key], date) else csv_cell(row[c.key]) for c in columns]
        for row in rows
    )
    return xlsx_bytes(title, itertools.chain([header], body))


@dataclass(frozen=True)
class Export:
    kind: str  # "participants" or "contacts"
    columns: list[Column]
    rows: Callable[[Period], list[dict[str, Any]]]
    subject_type: str


EXPORTS = {
    "participants": Export("participants", PARTICIPANT_COLUMNS, participant_rows, "participant"),
    "contacts": Export("contacts", CONTACT_COLUMNS, contact_rows, "contact"),
}


def export_build(*, user: User, kind: str, fmt: str, period: Period) -> tuple[bytes, str, str]:
    """The file's bytes, content type and name; the audit rows (one EXPORT per participant in it, naming the
    file and the period) are written first, in the request's transaction."""
    export = EXPORTS[kind]
    rows = export.rows(period)
    name = f"{kind}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    participants = sorted({r["participant_id"] for r in rows})
    audit_record_subjects(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        subject_type=export.subject_type,
        subjects=[(pid, pid) for pid in participants],
        reason=f"operations export {name}",
    )
    if fmt == "xlsx":
        return write_xlsx(export.columns, rows, title=kind), XLSX_TYPE, name
    return write_csv(export.columns, rows), "text/csv; charset=utf-8", name
