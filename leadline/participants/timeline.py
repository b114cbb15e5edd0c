"""One timeline of everything that happened to a participant (issue #17, item 4; decision 0039).

The participant's page shows, newest first and a page at a time, the contacts and outreach attempts, status
changes, referrals (LEAD and service), consents given and ended, and legal events. Most of them belong to
apps above participants, which may not be imported here: each registers a *source* from its
``AppConfig.ready()`` (in its ``timeline.py``), the way they register their parts of the page
(``participants.pages``).

A source is ``fn(request, view, before, limit) -> list[TimelineEntry]``:

- ``view`` is the ``ParticipantView`` the page already read: a source decides from ``view.access`` (and
  ``accounts.policy`` for what is not a participant capability) and returns only what this reader may see,
  with each entry's detail already cut to what they may read (a contact's place only for
  ``contact_locations.view``, its summary only for ``case_notes.view``; a note only in a sensitivity
  the reader may read). Nothing in the template decides it again.
- it returns at most ``limit`` entries, newest first, all strictly older than ``before`` (when given): one
  bounded query (or a few), whatever the length of the participant's history.

``timeline_page`` merges the sources and cuts one page. The page is exact however the sources interleave
(a k-way merge): each source is asked for one entry more than a page, and when it returns that many, entries
older than its last one may exist that it did not return, so the page stops before the newest such horizon;
and a page never ends between two entries of the same instant (the next page starts strictly before the last
one shown), so nothing is shown twice or skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from leadline.accounts.decorators import AuthedRequest
from leadline.participants.models import StatusChange
from leadline.participants.selectors import ParticipantView

PAGE_SIZE = 25


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "contact", "note", "status", "referral", "service_referral", "consent", "legal", ...
    key: str  # "<kind>:<id>[:<event>]", unique in the participant's timeline
    title: str | Promise  # one sentence in the reader's language: "Outreach: looked for them · not reached"
    details: tuple[tuple[str, str], ...] = ()  # (data name, text): shown as they are (already filtered)
    by: str = ""  # who did it, as the reader may name them
    url: str = ""  # where to read more, if the reader may open it
    section: str = ""  # the page's section it belongs to ("contacts", "consents", ...), for a link back
    attrs: dict[str, str] = field(default_factory=dict)  # data-* attributes for tests and scripts


TimelineSource = Callable[[AuthedRequest, ParticipantView, "datetime | None", int], list[TimelineEntry]]

_sources: dict[str, TimelineSource] = {}


def register_source(name: str, fn: TimelineSource) -> None:
    """Add (or replace, by name: ready() may run twice in tests) a source of the participant's timeline."""
    _sources[name] = fn


def source_names() -> list[str]:
    return list(_sources)


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    before: datetime | None  # the page asked for (None: the newest)
    next_before: datetime | None  # where the next page starts, or None when this is the last page


def timeline_page(
    request: AuthedRequest,
    view: ParticipantView,
    *,
    before: datetime | None = None,
    limit: int = PAGE_SIZE,
    names: Iterable[str] | None = None,
) -> TimelinePage:
    """One page of the participant's timeline as this reader may see it, newest first (at most ``limit + 1``
    entries from each source: ``len(sources)`` bounded queries)."""
    wanted = set(names) if names is not None else None
    merged: list[TimelineEntry] = []
    horizon: datetime | None = None  # entries at or before it may be missing from a full source
    for name, fn in _sources.items():
        if wanted is not None and name not in wanted:
            continue
        got = fn(request, view, before, limit + 1)  # one more than a page: was this source cut short?
        merged.extend(got)
        if len(got) > limit:
            oldest = min(e.at for e in got)
            horizon = oldest if horizon is None else max(horizon, oldest)
    merged.sort(key=lambda e: (e.at, e.key), reverse=True)
    complete = [e for e in merged if horizon is None or e.at > horizon]
    if not complete and merged:
        # A source filled a whole page with one instant: show that instant whole rather than nothing.
        complete = [e for e in merged if e.at == merged[0].at]
    page = complete[:limit]
    more = len(complete) > limit or horizon is not None
    if len(complete) > limit and complete[limit].at == page[-1].at:
        # Never end a page inside one instant: the next starts strictly before the last entry shown.
        cut = [e for e in page if e.at != page[-1].at]
        page = cut or [e for e in complete if e.at == page[-1].at]
    next_before = page[-1].at if page and more else None
    return TimelinePage(entries=page, before=before, next_before=next_before)


def parse_before(value: Any) -> datetime | None:
    """The ``before`` of a timeline page from the query string: an ISO 8601 instant (a machine value in
    every language), or None for the newest page; anything else is the newest page too."""
    if not value or not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _status_changes(
    request: AuthedRequest, view: ParticipantView, before: datetime | None, limit: int
) -> list[TimelineEntry]:
    """Participants' own source: each status change with who made it and why (what the page's status
    history shows, to the same readers: ``participant_record.view``)."""
    if not view.access.has("participant_record.view"):
        return []
    rows = StatusChange.objects.filter(participant=view.participant)
    if before is not None:
        rows = rows.filter(changed_at__lt=before)
    out = []
    for c in rows.select_related("changed_by").order_by("-changed_at", "-id")[:limit]:
        title = _("Status: %(old)s → %(new)s") % {
            "old": c.get_from_status_display(),
            "new": c.get_to_status_display(),
        }
        details: list[tuple[str, str]] = []
        if c.exit_reason:
            details.append(("exit-reason", str(c.get_exit_reason_display())))
        if c.note:
            details.append(("status-note", c.note))
        out.append(
            TimelineEntry(
                at=c.changed_at,
                kind="status",
                key=f"status:{c.pk}",
                title=title,
                details=tuple(details),
                by=c.changed_by.get_full_name() if c.changed_by else "Leadline",
                section="plan",
            )
        )
    return out


register_source("participants.status", _status_changes)
