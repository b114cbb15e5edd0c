"""What the referrals app announces to the apps above it, which subscribe in their AppConfig.ready()
(issue #16: referrals imports no app above it).

``on_handoff_completed(fn)``: ``fn(*, actor, referral, participant)`` is called when a hand-off is
completed and its referral joined to a participant, inside the completion's transaction (so what the
subscriber writes commits or rolls back with it). The legal app opens an arrest diversion's matter there.
"""

from __future__ import annotations

from collections.abc import Callable

from leadline.accounts.models import User
from leadline.participants.models import Participant
from leadline.referrals.models import Referral

HandoffCompleted = Callable[..., None]

_handoff_completed: list[HandoffCompleted] = []


def on_handoff_completed(fn: HandoffCompleted) -> HandoffCompleted:
    """Subscribe ``fn`` (once; subscribing again changes nothing). Usable as a decorator."""
    if fn not in _handoff_completed:
        _handoff_completed.append(fn)
    return fn


def handoff_completed(*, actor: User, referral: Referral, participant: Participant) -> None:
    """Tell every subscriber, in the order they subscribed."""
    for fn in _handoff_completed:
        fn(actor=actor, referral=referral, participant=participant)
