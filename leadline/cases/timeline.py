"""Cases' sources of the participant's timeline (participants.timeline, registered from CasesConfig.ready()):
contacts and outreach attempts, case notes, the intake completed, each month's status recorded.

What an entry carries is what the reader may read, decided here from the page's access object: a contact's
place only with ``contact_locations.view``, its summary only with ``case_notes.view`` (an outreach worker
reads when and whether they were reached; law enforcement never reaches the page); a note only in a
sensitivity the reader may read (health and Part 2 need their own capability)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from leadline.accounts.decorators import AuthedRequest
from leadline.cases.models import CaseNote, Contact, Intake, MonthlyStatus
from leadline.participants.selectors import ParticipantView
from leadline.participants.timeline import TimelineEntry, register_source

NOTE_CHARS = 280  # a note in the timeline is its beginning; the whole note is in the notes section


def _name(user: object) -> str:
    return user.get_full_name() if user is not None else ""  # type: ignore[attr-defined]


def contacts(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    access = view.access
    if not access.has("contact.view"):
        return []
    rows = Contact.objects.filter(participant=view.participant)
    if before is not None:
        rows = rows.filter(occurred_at__lt=before)
    show_place = access.has("contact_locations.view")
    show_summary = access.has("case_notes.view")
    fields = ["id", "kind", "reached", "substantive", "occurred_at", "logged_by"]
    fields += ["place"] if show_place else []
    fields += ["summary"] if show_summary else []
    out = []
    for c in rows.select_related("logged_by").only(*fields, "logged_by__first_name", "logged_by__last_name")[
        :limit
    ]:
        if c.reached:
            outcome = _("reached, substantive") if c.substantive else _("reached")
        else:
            outcome = _("not reached")
        details: list[tuple[str, str]] = []
        if show_place and c.place:
            details.append(("contact-place", c.place))
        if show_summary and c.summary:
            details.append(("contact-summary", c.summary))
        out.append(
            TimelineEntry(
                at=c.occurred_at,
                kind="contact",
                key=f"contact:{c.pk}",
                title=f"{c.get_kind_display()} · {outcome}",
                details=tuple(details),
                by=_name(c.logged_by),
                section="contacts",
                attrs={"reached": "yes" if c.reached else "no"},
            )
        )
    return out


def notes(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    visible = view.access.note_sensitivities_visible
    if not visible:
        return []
    rows = CaseNote.objects.filter(participant=view.participant, sensitivity__in=visible)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    out = []
    for n in rows.select_related("author").order_by("-created_at", "-id")[:limit]:
        out.append(
            TimelineEntry(
                at=n.created_at,
                kind="note",
                key=f"note:{n.pk}",
                title=_("Case note (%(s)s)") % {"s": n.get_sensitivity_display()},
                details=(("note-body", Truncator(n.body).chars(NOTE_CHARS)),),
                by=_name(n.author),
                section="notes",
                attrs={"sensitivity": n.sensitivity},
            )
        )
    return out


def intakes(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    """The intake completed (case_notes.view): the fact, never its answers."""
    if not view.access.has("case_notes.view"):
        return []
    rows = Intake.objects.filter(participant=view.participant, completed_at__isnull=False)
    if before is not None:
        rows = rows.filter(completed_at__lt=before)
    return [
        TimelineEntry(
            at=cast(datetime, i.completed_at),  # filtered on completed_at above
            kind="intake",
            key=f"intake:{i.pk}",
            title=_("Intake completed"),
            by=_name(i.completed_by),
            section="plan",
        )
        for i in rows.select_related("completed_by").order_by("-completed_at", "-id")[:limit]
    ]


def months(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Each month's status as recorded (monthly_status.view), as the monthly section shows it."""
    if not view.access.has("monthly_status.view"):
        return []
    rows = MonthlyStatus.objects.filter(participant=view.participant)
    if before is not None:
        rows = rows.filter(recorded_at__lt=before)
    out = []
    for m in rows.select_related("recorded_by").order_by("-recorded_at", "-id")[:limit]:
        text = _("%(housing)s · employed: %(employed)s · income or benefits: %(income)s") % {
            "housing": m.get_housing_display(),
            "employed": m.get_employed_display(),
            "income": m.get_income_or_benefits_display(),
        }
        out.append(
            TimelineEntry(
                at=m.recorded_at,
                kind="monthly",
                key=f"monthly:{m.pk}",
                title=_("Monthly status for %(m)s") % {"m": m.month.strftime("%Y-%m")},
                details=(("monthly", text),),
                by=_name(m.recorded_by),
                section="plan",
            )
        )
    return out


register_source("cases.contacts", contacts)
register_source("cases.notes", notes)
register_source("cases.intakes", intakes)
register_source("cases.months", months)
