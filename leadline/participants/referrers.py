"""Who referred a participant into LEAD, asked by apps below referrals (issue #16, decision 0035).

The referring-officer consent (officer feedback) opens a participant's status only to the officer who made
the referral (consents.policy). Consents sits below referrals and may not read ``Referral``; referrals
registers the lookup here from ReferralsConfig.ready(). Without it nobody counts as anyone's referrer, so
the consent opens nothing: the rule fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from leadline.core.actors import Actor

ReferredBy = Callable[[Any, list[int]], set[int]]

_lookup: list[ReferredBy] = []


def register_referred_by(fn: ReferredBy) -> None:
    """Set the lookup ``fn(officer, participant_ids) -> ids of those among them this officer referred``."""
    _lookup[:] = [fn]


def referred_by(officer: Actor, participant_ids: Iterable[int]) -> set[int]:
    """The participants among ``participant_ids`` whom ``officer`` referred (one query)."""
    if not _lookup:
        return set()
    return _lookup[0](officer, list(participant_ids))
