"""The "needs you" inbox (issue #17, item 1): what each person must act on, read from the records' state.

Every app that holds a kind of work registers an ``InboxSource`` here from its ``AppConfig.ready()`` (in its
``inbox.py``), the way apps register their parts of the participant's page; the home page (``web``) asks every
source the reader's capabilities open and shows what comes back. Nothing here is stored: an item exists while
the record's state says the work is waiting (a hand-off not yet acknowledged, a consent about to expire) and
is gone the moment the work is done, so the inbox can never disagree with the records (nor with a
notification about the same work, which carries the same ``work_key`` and is marked done when its work is).

Rules every source keeps:
- It returns only what the reader may see (its own policy/scope checks): an item's ``who`` and ``what`` are
  shown on the reader's home page as they are.
- It is bounded: at most ``limit`` items from one query (or a few), whatever the size of the data, and
  ``count`` is one ``COUNT`` query (the menu badge asks it every poll).
- ``what`` is a sentence in the reader's language, never a code; ``who`` is the person the work is for as the
  reader may name them (a participant's display name, a referral's "J. Doe"), or "" when there is none.
- An item that names a participant sets ``participant_id``: the reads are audited from it.
- Each kind has a test named ``test_inbox_leaves_when_done__<kind>`` somewhere under ``leadline/`` that makes
  the work appear in the right inbox, does it through the app's service or page, and sees the item gone
  (``leadline/web/tests/test_inbox.py`` fails for a registered kind without one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.functional import Promise

from leadline.core.actors import Actor


@dataclass(frozen=True)
class InboxItem:
    kind: str  # the source's kind: "handoff_waiting", "consent_expiring", ...
    what: str | Promise  # a sentence: "Hand-off requested at Main St & 5th"
    who: str  # whom the work is for, as the reader may name them; "" when nobody
    since: datetime | date | None  # since when it waits (or the day it is due, for a due date)
    url: str  # the place where the work is done
    urgent: bool = False  # shown first, in the live part (hand-offs)
    work_key: str = ""  # "<subject_type>:<id>": a notification about the same work carries the same key
    due: date | None = None  # when it falls due, if it has a due date
    # The participant the item names (its ``who``), if any: the home page writes one audited read for each
    # participant it shows (``participant_reads_audit``), as it does for every list of people.
    participant_id: int | None = None


@dataclass(frozen=True)
class InboxSource:
    kind: str
    label: str | Promise  # the section heading: "Hand-offs waiting for you"
    capability: str  # the source is asked only when the reader holds it (policy.can)
    # (user, limit) -> at most limit items, the oldest or most urgent first
    items: Callable[[Any, int], list[InboxItem]]
    count: Callable[[Any], int]  # (user) -> how many items there are (one COUNT)
    order: int = 100  # sections in ascending order; hand-offs 0
    urgent: bool = False  # a live section: polled more often, shown at the top


_sources: dict[str, InboxSource] = {}


def register_source(source: InboxSource) -> None:
    """Add (or replace, by kind: ready() may run twice in tests) a kind of work."""
    _sources[source.kind] = source


def sources() -> list[InboxSource]:
    return sorted(_sources.values(), key=lambda s: (s.order, s.kind))


def source(kind: str) -> InboxSource:
    return _sources[kind]


def sources_for(user: Actor, can: Callable[[Actor, str], bool]) -> list[InboxSource]:
    """The sources the reader's capabilities open (``can`` is ``accounts.policy.can``, passed in because
    core sits below accounts)."""
    return [s for s in sources() if can(user, s.capability)]
