"""Every write about referrals and hand-offs (split by sub-domain: referrals.py, handoffs.py)."""

from leadline.referrals.services.handoffs import (
    HandoffRefused,
    handoff_acknowledge,
    handoff_arrive,
    handoff_clear,
    handoff_complete,
    handoff_escalate_due,
    handoff_request,
    live_handoff_of,
)
from leadline.referrals.services.line import (
    LineAnswer,
    handoff_cancel,
    handoff_link,
    handoff_request_by_phone,
)
from leadline.referrals.services.referrals import (
    CommunityInput,
    IdempotencyConflict,
    InvalidInput,
    NotAllowed,
    ReferralInput,
    community_referral_decide,
    community_referral_submit,
    program_has_capacity,
    referral_override,
    referral_submit,
)

__all__ = [
    "CommunityInput",
    "HandoffRefused",
    "IdempotencyConflict",
    "InvalidInput",
    "LineAnswer",
    "NotAllowed",
    "ReferralInput",
    "community_referral_decide",
    "community_referral_submit",
    "handoff_acknowledge",
    "handoff_arrive",
    "handoff_cancel",
    "handoff_clear",
    "handoff_complete",
    "handoff_escalate_due",
    "handoff_link",
    "handoff_request",
    "handoff_request_by_phone",
    "live_handoff_of",
    "program_has_capacity",
    "referral_override",
    "referral_submit",
]
