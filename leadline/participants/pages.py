"""The parts of the participant's page that apps above participants own (issue #16, decision 0035).

The participant's page (``views._detail_context``) is participants' own, but much of what it shows belongs
to apps above it: the notes, contacts, intake and monthly status (cases), the consents (consents), the legal
clocks (legal), whether a thread may be started (messaging). Participants may not import them; each of those
apps registers its part here from its ``AppConfig.ready()``, and the page merges every part's dict into its
context. The template reads the same names as before.

A part is ``fn(request, view) -> dict``: ``view`` is the ``ParticipantView`` the page already read (the
participant and the reader's ``ParticipantAccess``), so a part decides from the same access object as the
page and adds no query of its own to find the participant. A part returns only what the reader may see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
