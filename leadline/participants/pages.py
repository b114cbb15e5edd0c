"""The parts of the participant's page that apps above participants own (issue #16, decision 0035).

The participant's page (``views._detail_context``) is participants' own, but much of what it shows belongs
to apps above it: the notes, contacts, intake and monthly status (cases), the consents (consents), the legal
clocks (legal), whether a thread may be started (messaging). Participants may not import them; each of those
apps registers its part here from its ``AppConfig.ready()``, and the page merges every part's dict into its
context. The template reads the same names as before.

The header's *next step* (issue #17, item 4) is asked of rules the apps register here too
(``register_next_step``): intake due, not reached in two weeks, the month's status, a plan step, a consent
running out... the first that applies is the one sentence at the top of the page.

A part is ``fn(request, view) -> dict``: ``view`` is the ``ParticipantView`` the page already read (the
participant and the reader's ``ParticipantAccess``), so a part decides from the same access object as the
page and adds no query of its own to find the participant. A part returns only what the reader may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from leadline.accounts.decorators import AuthedRequest
from leadline.participants.selectors import ParticipantView

PagePart = Callable[[AuthedRequest, ParticipantView], dict[str, Any]]

_parts: dict[str, PagePart] = {}


def register_part(name: str, fn: PagePart) -> None:
    """Add (or replace, by name: ready() may run twice in tests) a part of the participant's page."""
    _parts[name] = fn


def parts_context(request: AuthedRequest, view: ParticipantView) -> dict[str, Any]:
    """Every registered part's context for this reader and participant, in registration order."""
    ctx: dict[str, Any] = {}
    for fn in _parts.values():
        ctx.update(fn(request, view))
    return ctx


@dataclass(frozen=True)
class NextStep:
    """The one thing to do next for this participant, as a sentence and the place where it is done."""

    kind: str  # "intake", "outreach", "monthly", "plan_step", "consent", ...
    text: str | Promise  # "Not reached since 2026-11-20."
    action: str | Promise  # the link's words: "Log an outreach attempt"
    url: str  # a page, or "#section" / "#form" on the participant's page


NextStepRule = Callable[[AuthedRequest, ParticipantView], "NextStep | None"]

_next_steps: dict[str, tuple[int, NextStepRule]] = {}


def register_next_step(name: str, rank: int, fn: NextStepRule) -> None:
    """Add a rule for the header's next step; the rules are asked in ascending ``rank`` and the first that
    applies is shown. A rule reads the record's state (at most one small query), only what the reader may
    see, and returns None when it does not apply or the reader could not do it."""
    _next_steps[name] = (rank, fn)


def next_step_for(request: AuthedRequest, view: ParticipantView) -> NextStep | None:
    for _rank, fn in sorted(_next_steps.values(), key=lambda r: r[0]):
        step = fn(request, view)
        if step is not None:
            return step
    return None
