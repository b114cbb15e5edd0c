"""Legal's kinds of work in the "needs you" inbox (``core.inbox``, registered from LegalConfig.ready()).

For the case manager (their own caseload, whatever their scope):
- ``legal_deadline``: a diversion window that ends inside the site's warning period (the last day only, never
  the charge); it leaves when the matter is no longer held (the notice went out at the deadline) or the
  prosecutor's extension moves the last day out of the warning period;
- ``court_date``: a court date in the next seven days; it leaves when the date has passed.

For the liaison prosecutor (``legal_matter.edit``):
- ``legal_notice``: a notice generated at a deadline, waiting for confirmation (done when confirmed, or
  withdrawn by an extension);
- ``new_charge``: a new charge flagged for coordination, waiting for a decision (done when decided).

A criminal-justice reader sees only what ``matters_visible_to``/``people_visible_to`` open (sealed matters
never). A new charge of someone the prosecutor reaches only through a consent naming the office is listed
without the person's name: showing the name would be a disclosure under that consent, which the person's
page (where the decision is made) records with its 42 CFR 2.32 notice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from leadline.core import clock
from leadline.core.inbox import InboxItem, InboxSource, register_source
from leadline.legal import clock as legal_clock
from leadline.legal.models import CourtDate, LegalMatter, NewCharge, Notice
from leadline.legal.selectors import countdown, matters_visible_to, new_charges_visible_to
from leadline.sites.selectors import site_get

COURT_DAYS = 7


def _site_clock() -> tuple[int, str]:
    site = site_get()
    return (site.legal_warning_days, site.time_zone) if site else (7, "UTC")


# --- the case manager's: deadlines and court dates on the caseload ----------------------------------------


def _deadlines(user: Any, warning: int, tz: str) -> QuerySet[LegalMatter]:
    until = legal_clock.start_of_day(clock.today() + timedelta(days=warning + 1), tz)
    return LegalMatter.objects.filter(
        participant__case_manager=user,
        participant__merged_into__isnull=True,
        state=LegalMatter.State.HELD,
        deadline_at__lt=until,
    )


def _days_left(n: int) -> str:
    if n > 0:
        return ngettext("Legal window: %(n)s day left", "Legal window: %(n)s days left", n) % {"n": n}
    if n == 0:
        return _("Legal window: last day today")
    return _("Legal window ran out: the notice is being prepared")


def deadlines(user: Any, limit: int) -> list[InboxItem]:
    warning, tz = _site_clock()
    matters = (
        _deadlines(user, warning, tz).select_related("participant").order_by("deadline_at", "pk")[:limit]
    )
    items = []
    for m in matters:
        if m.participant is None:  # purged: names nobody (never held, so never here)
            continue
        c = countdown(m, warning_days=warning, tz=tz)
        items.append(
            InboxItem(
                kind="legal_deadline",
                what=_days_left(c.days_left),
                who=m.participant.display_name,
                since=m.incident_at,
                due=c.last_day,
                url=reverse("participants:detail", args=[m.participant_id]),
                work_key=f"legal_matter:{m.pk}",
                participant_id=m.participant_id,
            )
        )
    return items


def _court_dates(user: Any) -> QuerySet[CourtDate]:
    now = clock.now()
    return CourtDate.objects.filter(
        participant__case_manager=user,
        participant__merged_into__isnull=True,
        at__gte=now,
        at__lt=now + timedelta(days=COURT_DAYS),
    )


def court_dates(user: Any, limit: int) -> list[InboxItem]:
    dates = _court_dates(user).select_related("participant").order_by("at", "pk")[:limit]
    return [
        InboxItem(
            kind="court_date",
            what=_("In court at %(time)s: %(court)s")
            % {"time": formats.time_format(timezone.localtime(d.at), "TIME_FORMAT"), "court": d.court},
            who=d.participant.display_name,
            since=d.created_at,
            due=timezone.localtime(d.at).date(),
            url=reverse("participants:detail", args=[d.participant_id]),
            work_key=f"court_date:{d.pk}",
            participant_id=d.participant_id,
        )
        for d in dates
    ]


# --- the prosecutor's: notices to confirm, new charges to decide ------------------------------------------


def _notices(user: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(
        matter__in=matters_visible_to(user), confirmed_at__isnull=True, withdrawn_at__isnull=True
    )


def notices(user: Any, limit: int) -> list[InboxItem]:
    waiting = _notices(user).defer("pdf").select_related("matter__participant").order_by("generated_at", "pk")
    return [
        InboxItem(
            kind="legal_notice",
            what=_("To confirm: %(notice)s") % {"notice": n.get_kind_display()},
            who=n.matter.participant.display_name if n.matter.participant else "",
            since=n.generated_at,
            url=reverse("legal:detail", args=[n.matter_id]),
            work_key=f"legal_notice:{n.pk}",
            participant_id=n.matter.participant_id,
        )
        for n in waiting[:limit]
    ]


def _charges(user: Any) -> QuerySet[NewCharge]:
    return new_charges_visible_to(user).filter(decision=NewCharge.Decision.PENDING)


def charges(user: Any, limit: int) -> list[InboxItem]:
    pending = list(_charges(user).select_related("participant").order_by("flagged_at", "pk")[:limit])
    # Named only where a legal matter opens the person to this reader (not a consent alone: see above).
    through_matter = set(
        matters_visible_to(user)
        .filter(participant_id__in={c.participant_id for c in pending})
        .values_list("participant_id", flat=True)
    ) if pending else set()  # fmt: skip
    items = []
    for c in pending:
        named = c.participant_id in through_matter
        items.append(
            InboxItem(
                kind="new_charge",
                what=_("New charge to decide: %(statute)s") % {"statute": c.statute},
                who=c.participant.display_name if named else "",
                since=c.flagged_at,
                url=reverse("legal:person", args=[c.participant_id]),
                work_key=f"new_charge:{c.pk}",
                participant_id=c.participant_id if named else None,
            )
        )
    return items


register_source(
    InboxSource(
        kind="legal_notice",
        label=gettext_lazy("Notices to confirm"),
        capability="legal_matter.edit",
        items=notices,
        count=lambda user: _notices(user).count(),
        order=10,
    )
)
register_source(
    InboxSource(
        kind="new_charge",
        label=gettext_lazy("New charges to decide"),
        capability="legal_matter.edit",
        items=charges,
        count=lambda user: _charges(user).count(),
        order=20,
    )
)
register_source(
    InboxSource(
        kind="legal_deadline",
        label=gettext_lazy("Legal deadlines soon"),
        capability="legal_clock.view",
        items=deadlines,
        count=lambda user: _deadlines(user, *_site_clock()).count(),
        order=30,
    )
)
register_source(
    InboxSource(
        kind="court_date",
        label=gettext_lazy("Court this week"),
        capability="legal_matter.view",
        items=court_dates,
        count=lambda user: _court_dates(user).count(),
        order=35,
    )
)
