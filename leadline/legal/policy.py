"""Who sees which legal records: the sealing rule (PRODUCT §4 rule 3), applied the same way everywhere.

Once an infraction is cleared its matter is sealed, and no criminal-justice role (officer, police liaison,
prosecutor, defender) sees it again — not its matter, not the referral that diverted it, not its hand-off,
not an agenda item or a thread about it. Who is refused is decided once, by ``accounts.policy.hides_sealed``
(the referrals app, below this one, asks there); this module applies it to records.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from leadline.accounts.models import User
from leadline.accounts.policy import hides_sealed
from leadline.core.actors import Actor

__all__ = ["hides_sealed", "sealed_from", "without_sealed"]

M = TypeVar("M", bound=Model)


def without_sealed(user: User, records: QuerySet[M], *, matter: str = "") -> QuerySet[M]:
    """``records`` without those about a sealed matter, when ``user`` is refused sealed matters. ``matter`` is
    the lookup path from the records to their ``LegalMatter`` ("" for legal matters themselves)."""
    if not hides_sealed(user):
        return records
    return records.exclude(**{f"{matter}__sealed_at__isnull" if matter else "sealed_at__isnull": False})


def sealed_from(user: Actor, matter: Any) -> bool:
    """Whether ``matter`` (a LegalMatter, or None) is sealed and so hidden from ``user``."""
    return matter is not None and matter.sealed_at is not None and hides_sealed(user)
