"""What apps above cases add to the outreach list (issue #16, decision 0035: cases may not import them).

An ``OutreachPart`` may put its own ordering first (``order``: annotate the queryset and return the order
terms that come before the list's own) and mark each person listed (``mark``: set attributes the outreach
template reads). Legal registers one from LegalConfig.ready(): a running legal window comes first, and each
person carries the clock the reader may see (``p.legal_clock``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from leadline.participants.models import Participant


@dataclass(frozen=True)
class OutreachPart:
    order: Callable[[Any, QuerySet[Participant]], tuple[QuerySet[Participant], list[Any]]]
    mark: Callable[[Any, list[Participant]], None]


_parts: dict[str, OutreachPart] = {}


def register_outreach_part(name: str, part: OutreachPart) -> None:
    _parts[name] = part


def outreach_parts() -> list[OutreachPart]:
    return list(_parts.values())
