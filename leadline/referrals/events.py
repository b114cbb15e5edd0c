"""What the referrals app announces to the apps above it, which subscribe in their AppConfig.ready()
(issue #16: referrals imports no app above it).

``on_handoff_completed(fn)``: ``fn(*, actor, referral, participant)`` is called when a hand-off is
completed and its referral joined to a participant, inside the completion's transaction (so what the
subscriber writes commits or rolls back with it). The legal app opens an arrest diversion's matter there.

``on_referral_decided(fn)``: ``fn(*, actor, referral)`` is called when the designated approver has decided a
community referral, inside the decision's transaction. The waiting queue (services/waiting.py) tells the
program managers when an approval puts the person in it.
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


ReferralDecided = Callable[..., None]

_referral_decided: list[ReferralDecided] = []


def on_referral_decided(fn: ReferralDecided) -> ReferralDecided:
    """Subscribe ``fn`` (once). Usable as a decorator."""
    if fn not in _referral_decided:
        _referral_decided.append(fn)
    return fn


def referral_decided(*, actor: User, referral: Referral) -> None:
    """Tell every subscriber that a community referral was decided (approved or not)."""
    for fn in _referral_decided:
        fn(actor=actor, referral=referral)
