"""Every write about referrals and hand-offs (split by sub-domain: referrals.py, handoffs.py)."""

from leadline.referrals.services.handoffs import (
    HandoffRefused,
    handoff_acknowledge,
    handoff_arrive,
    handoff_clear,
    handoff_complete,
    handoff_escalate_due,
    handoff_request,
)
from leadline.referrals.services.referrals import (
    IdempotencyConflict,
    InvalidInput,
    NotAllowed,
    ReferralInput,
    program_has_capacity,
    referral_override,
    referral_submit,
)

__all__ = [
    "HandoffRefused",
    "IdempotencyConflict",
    "InvalidInput",
    "NotAllowed",
    "ReferralInput",
    "handoff_acknowledge",
    "handoff_arrive",
    "handoff_clear",
    "handoff_complete",
    "handoff_escalate_due",
    "handoff_request",
    "program_has_capacity",
    "referral_override",
    "referral_submit",
]
