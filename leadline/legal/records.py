"""The liaison prosecutor's coordination records (issue #5, item 3): participants' other cases, court
dates and warrants — entered one by one or imported from the court's or the police's extract — and new
charges flagged for coordination, each decided (hold, dismiss, file, recommend a disposition) with a
reason. Court-date reminders go to participants who opted in, by SMS (item 4).

An import is all or nothing: every row is checked first and a bad row is named (row, column, why) with
nothing written; importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.legal.models import Charge, CourtCase, CourtDate, NewCharge, Source, Warrant
from leadline.legal.selectors import new_charges_visible_to, people_visible_to
from leadline.legal.services import LegalRefused, schedule
from leadline.notifications.models import Delivery
from leadline.notifications.services import queue_to_address
from leadline.participants.models import Participant
from leadline.participants.services import StaleEdit
from leadline.sites.selectors import site_get

KINDS = ("case", "court_date", "warrant", "new_charge")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
REMIND_HOURS_BEFORE = 48  # one text, about two days before the hearing


def _require_edit(actor: User) -> None:
    if not policy.can(actor, "legal_matter.edit"):
        raise LegalRefused("__all__", _("Your role may not act on legal matters."))


def _tz() -> ZoneInfo:
    site = site_get()
    return ZoneInfo(site.time_zone if site else "UTC")


def _clean(value: Any, length: int) -> str:
    return str(value or "").strip()[:length]


@dataclass
class Row:
    kind: str
    participant: Participant
    values: dict[str, Any]


def _check(kind: str, participant: Participant, values: dict[str, Any]) -> tuple[Row | None, dict[str, str]]:
    """Validate one record's values; returns the row to write, or the errors by field."""
    errors: dict[str, str] = {}

    def need(name: str, label: str) -> str:
        text = str(values.get(name) or "").strip()
        if not text:
            errors[name] = _("%(label)s is required.") % {"label": label}
        return text

    def a_date(name: str, label: str) -> date | None:
        text = need(name, label)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors[name] = _("%(label)s: a date as YYYY-MM-DD.") % {"label": label}
            return None

    out: dict[str, Any] = {}
    if kind == "case":
        out["docket"], out["court"] = (
            _clean(need("docket", _("Docket number")), 60),
            _clean(need("court", _("Court")), 200),
        )
        out["description"] = _clean(values.get("description"), 300)
        status = str(values.get("status") or "open").strip().lower()
        if status not in CourtCase.Status.values:
            errors["status"] = _("Status: open or closed.")
        out["status"] = status
    elif kind == "court_date":
        day = a_date("date", _("Date"))
        text = str(values.get("time") or "").strip()
        try:
            hour = time.fromisoformat(text) if text else None
        except ValueError:
            hour = None
        if hour is None:
            errors["time"] = _("Time: the hour as HH:MM (24-hour clock).")
        out["court"] = _clean(need("court", _("Court")), 200)
        out["purpose"] = _clean(values.get("purpose"), 200)
        out["docket"] = _clean(values.get("docket"), 60)
        if day and hour:
            out["at"] = datetime.combine(day, hour, tzinfo=_tz())
    elif kind == "warrant":
        out["reference"] = _clean(need("reference", _("Warrant number")), 60)
        out["court"] = _clean(need("court", _("Court")), 200)
        out["issued_on"] = a_date("date", _("Date"))
        status = str(values.get("status") or "active").strip().lower()
        if status not in Warrant.Status.values:
            errors["status"] = _("Status: active or cleared.")
        out["status"] = status
    elif kind == "new_charge":
        out["statute"] = _clean(need("statute", _("Statute")), 60)
        out["occurred_on"] = a_date("date", _("Date"))
        degree = str(values.get("degree") or "").strip().lower()
        if degree not in Charge.Degree.values:
            errors["degree"] = _("Degree: one of %(choices)s, or empty.") % {
                "choices": ", ".join(v for v in Charge.Degree.values if v)
            }
        out["degree"], out["description"] = degree, _clean(values.get("description"), 300)
        if out["occurred_on"] and out["occurred_on"] > clock.today():
            errors["date"] = _("Date: a new charge cannot be in the future.")
    else:
        errors["record"] = _("Record: one of %(kinds)s.") % {"kinds": ", ".join(KINDS)}
    return (None if errors else Row(kind, participant, out)), errors


def _upsert_with_status(
    actor: User, p: Participant, source: str, model: Any, *, lookup: dict[str, Any], defaults: dict[str, Any],
    update: dict[str, Any], subject: str, owner_field: str, owner_message: str,
) -> str:  # fmt: skip
    """A case or a warrant, by its natural key: created, or its status (and details) brought up to date
    with the change audited, or left alone when nothing changed. A key that belongs to another
    participant is refused: the file disagrees with what is here."""
    obj, created = model.objects.get_or_create(**lookup, defaults={"participant": p, **defaults})
    if created:
        return "created"
    if obj.participant_id != p.pk:
        raise LegalRefused(owner_field, owner_message)
    if all(getattr(obj, name) == value for name, value in update.items()):
        return "unchanged"
    before = obj.status
    for name, value in update.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(update))
    _audit_update(actor, subject, obj.pk, p.pk, before, obj.status, source)
    return "updated"


def _write(actor: User, row: Row, source: str, moments: set[datetime]) -> str:
    """Write one checked row; returns "created", "updated" or "unchanged" (so a re-import is a no-op)."""
    now, v, p = clock.now(), row.values, row.participant
    common = {"source": source, "created_at": now}
    if row.kind == "case":
        return _upsert_with_status(
            actor, p, source, CourtCase, lookup={"court": v["court"], "docket": v["docket"]},
            defaults={"description": v["description"], "status": v["status"], "entered_by": actor, **common},
            update={"status": v["status"], **({"description": v["description"]} if v["description"] else {})},
            subject="legal_case", owner_field="docket",
            owner_message=_("Docket number: this case belongs to another participant."),
        )  # fmt: skip
    if row.kind == "court_date":
        of_case = CourtCase.objects.filter(participant=p, docket=v["docket"]).first() if v["docket"] else None
        _d, created = CourtDate.objects.get_or_create(
            participant=p, at=v["at"], court=v["court"],
            defaults={"case": of_case, "purpose": v["purpose"], "entered_by": actor, **common},
        )  # fmt: skip
        if created and v["at"] > now:  # the reminder's moment, to the hour (one sweep serves them all)
            moments.add(max(now, v["at"] - timedelta(hours=REMIND_HOURS_BEFORE)).replace(minute=0, second=0))
        return "created" if created else "unchanged"
    if row.kind == "warrant":
        return _upsert_with_status(
            actor, p, source, Warrant, lookup={"court": v["court"], "reference": v["reference"]},
            defaults={"issued_on": v["issued_on"], "status": v["status"], "entered_by": actor, **common},
            update={"status": v["status"]}, subject="legal_warrant", owner_field="reference",
            owner_message=_("Warrant number: this warrant belongs to another participant."),
        )  # fmt: skip
    _c, created = NewCharge.objects.get_or_create(
        participant=p, statute=v["statute"], occurred_on=v["occurred_on"],
        defaults={"degree": v["degree"], "description": v["description"], "source": source,
                  "flagged_by": actor, "flagged_at": now},
    )  # fmt: skip
    return "created" if created else "unchanged"


def _audit_update(
    actor: User, subject: str, pk: int, participant_id: int, before: str, after: str, source: str
) -> None:
    """A status that changed (a case closed, a warrant cleared): who, when, before and after (rule 6)."""
    changes = {"status": {"before": before, "after": after}, "source": source}
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type=subject, subject_id=pk,
                 participant_id=participant_id, changes=changes)  # fmt: skip


def record_add(*, actor: User, participant: Participant, kind: str, values: dict[str, Any]) -> str:
    """Enter one record by hand. Raises LegalRefused naming the first bad field; writes nothing then."""
    _require_edit(actor)
    row, errors = _check(kind, participant, values)
    if row is None:
        name, message = next(iter(errors.items()))
        raise LegalRefused(name, message, errors)
    moments: set[datetime] = set()
    with transaction.atomic():
        outcome = _write(actor, row, Source.ENTERED, moments)
        for moment in moments:
            schedule(moment)
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, subject_type=f"legal_{kind}",
                     participant_id=participant.pk, changes={"outcome": outcome})  # fmt: skip
    return outcome


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[str] = field(default_factory=list)  # "Row 4, court: Court is required."
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})


MAX_ERRORS_KEPT = 500  # a file with more bad rows than this is wrong throughout: the first ones say how
CSV_FIELD_LIMIT = 131_072  # Python's csv default, said here so the message can name it


def _people_by_key(
    actor: User, keys: set[tuple[str, str, date]]
) -> dict[tuple[str, str, date], list[Participant]]:
    """Exact name (case aside) and date of birth, among the people this user may already reach (so an
    import can never tell a prosecutor whether someone else is in LEAD). One query per 500 dates of birth,
    not one per row: 5,000 rows took 90-100 s matched one by one."""

    found: dict[tuple[str, str, date], list[Participant]] = {}
    births = sorted({key[2] for key in keys})
    visible = people_visible_to(actor)
    for start in range(0, len(births), 500):
        for person in visible.filter(date_of_birth__in=births[start : start + 500]):
            key = (person.given_name.upper(), person.family_name.upper(), person.date_of_birth)
            if key in keys:
                found.setdefault(key, []).append(person)
    return found


def _fields_of_line(line: str) -> tuple[list[str], bool]:
    """One physical line split at its commas, quotes respected; and whether it ends inside a quote."""
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            fields.append("".join(current))
            current = []
            continue
        current.append(char)
    fields.append("".join(current))
    return fields, quoted


def _unreadable(number: int, line: str, header: list[str], error: csv.Error) -> str:
    """What is wrong with a row the CSV reader gave up on, naming the row and, where it can be found, the
    column (the reader's own error does not say which)."""
    fields, open_quote = _fields_of_line(line)
    column = lambda index: header[index] if index < len(header) else str(index + 1)  # noqa: E731
    if "field larger than field limit" in str(error):
        index = next((i for i, f in enumerate(fields) if len(f) > CSV_FIELD_LIMIT), len(fields) - 1)
        return _("Row %(n)s, %(col)s: longer than %(limit)s characters.") % {
            "n": number, "col": column(index), "limit": f"{CSV_FIELD_LIMIT:,}"}  # fmt: skip
    if open_quote:
        return _("Row %(n)s, %(col)s: a quote (\") opens this value and never closes.") % {
            "n": number, "col": column(len(fields) - 1)}  # fmt: skip
    return _("Row %(n)s: not readable as CSV (%(error)s).") % {"n": number, "error": error}


def records_import(*, actor: User, data: bytes, progress: Any = None) -> ImportReport:
    """Import a CSV of court records (columns: record, given_name, family_name, date_of_birth, then the
    record's own: docket, court, description, status, date, time, purpose, reference, statute, degree).
    Participants are matched exactly on name and date of birth (required), among the people this user may
    reach; a row matching nobody, or two people, is an error. All or nothing.

    ``progress(done, total)`` is told how many rows have been checked (the page of a background import);
    a CSV the reader cannot read (an unclosed quote, a value over 128 KiB) or a NUL character is an error
    naming the row and the column, like any other."""
    _require_edit(actor)
    report = ImportReport()
    if len(data) > MAX_IMPORT_BYTES:
        report.errors.append(_("The file is larger than 2 MB."))
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(_("The file is not UTF-8 text."))
        return report
    lines = text.split("\n")  # as the reader counts them (line_num)
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        report.errors.append(_unreadable(1, lines[0] if lines else "", [], exc))
        return report
    needed = {"record", "given_name", "family_name", "date_of_birth"}
    missing = needed - set(header)
    if missing:
        report.errors.append(_("Missing columns: %(cols)s.") % {"cols": ", ".join(sorted(missing))})
        return report
    # First every row is read and its person's key taken; then the people are found at once.
    raws: list[tuple[int, dict[str, str]]] = []
    number = 1
    while True:
        first_line = reader.line_num  # the physical line the next row starts after
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = lines[first_line] if first_line < len(lines) else ""
            report.errors.append(_unreadable(number + 1, line, header, exc))
            return report
        number += 1
        if not any(c.strip() for c in cells):
            continue  # a blank line
        report.rows += 1
        if report.rows > MAX_IMPORT_ROWS:
            report.errors.append(_("More than %(n)s rows: split the file.") % {"n": MAX_IMPORT_ROWS})
            return report
        values = {name: (cells[i] if i < len(cells) else "").strip() for i, name in enumerate(header) if name}
        raws.append((number, values))
    keys: dict[int, tuple[str, str, date]] = {}
    for number, values in raws:
        nul = next((name for name, value in values.items() if "\x00" in value), None)
        if nul is not None:
            report.errors.append(_("Row %(n)s, %(col)s: contains a NUL character (is this a text file?).")
                                 % {"n": number, "col": nul})  # fmt: skip
            continue
        # Never matched on a name alone: a court record on the wrong person is worse than a row sent back.
        try:
            dob = date.fromisoformat(values["date_of_birth"])
        except ValueError:
            report.errors.append(_("Row %(n)s, date_of_birth: a date as YYYY-MM-DD.") % {"n": number})
            continue
        keys[number] = (values["given_name"].upper(), values["family_name"].upper(), dob)
    people = _people_by_key(actor, set(keys.values())) if keys else {}
    rows: list[Row] = []
    for done, (number, values) in enumerate(raws, start=1):
        if progress is not None:
            progress(done, len(raws))
        if number not in keys:
            continue
        found = people.get(keys[number], [])
        if len(found) != 1:
            why = (
                _("no participant in your legal matters has this name and date of birth")
                if not found
                else _("two participants match")
            )
            report.errors.append(_("Row %(n)s, given_name: %(why)s.") % {"n": number, "why": why})
            continue
        row, errors = _check(values["record"].lower(), found[0], values)
        for name, message in errors.items():
            report.errors.append(
                _("Row %(n)s, %(col)s: %(msg)s") % {"n": number, "col": name, "msg": message}
            )
        if row is not None:
            rows.append(row)
    if report.errors:
        if len(report.errors) > MAX_ERRORS_KEPT:
            more = len(report.errors) - MAX_ERRORS_KEPT
            report.errors = [*report.errors[:MAX_ERRORS_KEPT], _("… and %(n)s more errors.") % {"n": more}]
        return report
    try:
        moments: set[datetime] = set()
        with transaction.atomic(durable=True):
            for row in rows:
                report.counts[_write(actor, row, Source.IMPORTED, moments)] += 1
            for moment in sorted(moments):
                schedule(moment)
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, subject_type="legal_import",
                         changes={"rows": report.rows, **report.counts})  # fmt: skip
    except (LegalRefused, IntegrityError) as exc:
        report.errors.append(
            getattr(exc, "message", "") or _("The file conflicts with records already here.")
        )
        report.counts = {"created": 0, "updated": 0, "unchanged": 0}
    return report


def new_charge_decide(*, actor: User, charge_id: int, decision: str, reason: str, version: int) -> NewCharge:
    """The prosecutor's decision on a flagged new charge, with a reason (PRODUCT §4 rule 6)."""

    _require_edit(actor)
    reason = (reason or "").strip()
    if decision not in NewCharge.Decision.values or decision == NewCharge.Decision.PENDING:
        raise LegalRefused("decision", _("Decision: hold, dismiss, file or recommend a disposition."))
    if len(reason) < 3:
        raise LegalRefused("reason", _("Reason: say why."))
    with transaction.atomic(durable=True):
        charge = new_charges_visible_to(actor).select_for_update().filter(pk=charge_id).first()
        if charge is None:
            raise LegalRefused("__all__", _("This charge is not open to you."))
        if charge.version != version:
            raise StaleEdit()
        before = charge.decision
        charge.decision, charge.reason, charge.decided_by, charge.decided_at = (
            decision,
            reason[:500],
            actor,
            clock.now(),
        )
        charge.version += 1
        charge.save(update_fields=["decision", "reason", "decided_by", "decided_at", "version"])
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, subject_type="legal_new_charge",
            subject_id=charge.pk, participant_id=charge.participant_id, reason=reason,
            changes={"decision": {"before": before, "after": decision}},
        )  # fmt: skip
    return charge


def court_reminders_due(*, now: datetime | None = None) -> int:
    """Text each opted-in participant once about a court date in the next two days. Compare-and-set on
    ``reminded_at``, so a second run (or two workers) never sends twice; the text is queued in the same
    transaction and sent (and retried) by the notifications' worker task. The text names the date, time
    and court only: never the charge (a phone is not a private place)."""

    now = now or clock.now()
    tz = _tz()
    site = site_get()
    due = CourtDate.objects.filter(
        reminded_at__isnull=True, at__gt=now, at__lte=now + timedelta(hours=REMIND_HOURS_BEFORE),
        participant__court_reminders=True, participant__merged_into__isnull=True,
    ).exclude(participant__phone="").select_related("participant")  # fmt: skip
    sent = 0
    for court_date in due:
        with transaction.atomic(durable=True):
            unsent = CourtDate.objects.filter(pk=court_date.pk, reminded_at__isnull=True)
            if unsent.update(reminded_at=now) != 1:
                continue
            local = court_date.at.astimezone(tz)
            line = f" or {site.lead_line_phone}" if site and site.lead_line_phone else ""
            body = (
                f"Reminder from LEAD: court on {local:%a %b} {local.day} at {local:%H:%M}, "
                f"{court_date.court}. Questions? Call your case manager{line}."
            )
            queue_to_address(kind=Delivery.Kind.COURT_REMINDER, channel=Delivery.Channel.SMS,
                             to=court_date.participant.phone, body=body)  # fmt: skip
            audit_record(actor=None, username="system:court-reminders", action=AuditEvent.Action.CREATE,
                         subject_type="court_reminder", subject_id=court_date.pk,
                         participant_id=court_date.participant_id)  # fmt: skip
        sent += 1
    return sent
