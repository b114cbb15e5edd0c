"""Multi-factor sign-in (TOTP, django-otp), required on every view for every staff account."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def demo_mfa_skipped(request: HttpRequest) -> bool:
    """True when a seeded demo user is let through without MFA: embedded demo, DEBUG on, visibly."""
    user = getattr(request, "user", None)
    return bool(
        settings.DEBUG
        and not settings.PRODUCTION
        and settings.LEADLINE_DEMO_MFA_SKIP
        and user is not None
        and user.is_authenticated
        and getattr(user, "is_demo", False)
    )


def mfa_satisfied(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_verified()) or demo_mfa_skipped(request)
