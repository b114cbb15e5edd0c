"""The "needs you" inbox on the home page (issue #17, item 1): the work every app's registered sources
(``core.inbox``) find waiting on this reader, read from the records at each request, never stored.

Bounded whatever the data: each source the reader's capabilities open is asked for at most ``limit`` items
(one query or a few) and, only when it filled the limit, for its count (one ``COUNT``); the menu's badge asks
the counts alone (``inbox_count``), never the items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from leadline.accounts import policy
from leadline.audit.models import AuditEvent
from leadline.core.inbox import InboxItem, InboxSource, sources_for
from leadline.participants.models import Participant
from leadline.participants.selectors import participant_reads_audit

ITEMS_PER_SECTION = 10  # a phone's screen or two a section; the rest counted ("And 12 more.")


@dataclass(frozen=True)
class Section:
    source: InboxSource
    items: list[InboxItem]
    count: int  # every item waiting, of which ``items`` are the first

    @property
    def kind(self) -> str:
        return self.source.kind

    @property
    def label(self) -> Any:
        return self.source.label

    @property
    def urgent(self) -> bool:
        return self.source.urgent

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass(frozen=True)
class Inbox:
    sections: list[Section]  # every source the reader's capabilities open, in order, empty ones too

    @property
    def urgent(self) -> list[Section]:
        return [s for s in self.sections if s.urgent]

    @property
    def rest(self) -> list[Section]:
        return [s for s in self.sections if not s.urgent]

    @property
    def live(self) -> bool:
        """Whether the reader has a live (urgent) kind of work at all: the home page polls it only then."""
        return bool(self.urgent)

    @property
    def count(self) -> int:
        return sum(s.count for s in self.sections)


def _section(source: InboxSource, user: Any, limit: int) -> Section:
    items = source.items(user, limit)[:limit]
    count = len(items) if len(items) < limit else max(source.count(user), len(items))
    return Section(source=source, items=items, count=count)


def inbox_for(user: Any, *, limit: int = ITEMS_PER_SECTION, urgent_only: bool = False) -> Inbox:
    """The reader's inbox: each source their capabilities open (``policy.can``), its first ``limit`` items."""
    sources = [s for s in sources_for(user, policy.can) if s.urgent or not urgent_only]
    return Inbox(sections=[_section(s, user, limit) for s in sources])


def inbox_count(user: Any) -> int:
    """How many items wait on the reader, all kinds together: one COUNT a source, no item built."""
    return sum(s.count(user) for s in sources_for(user, policy.can))


def inbox_reads_audit(*, user: Any, sections: Iterable[Section], also: Iterable[Participant] = ()) -> None:
    """One audited read for each participant the inbox names (a list of people, like the caseload), with
    ``also`` the other people the same page lists: one row a person, in one INSERT."""
    ids = {i.participant_id for s in sections for i in s.items if i.participant_id is not None}
    ids |= {p.pk for p in also}
    if ids:
        participant_reads_audit(
            user=user, participants=[Participant(pk=pk) for pk in sorted(ids)], action=AuditEvent.Action.LIST
        )
