from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def production_checks(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.PRODUCTION and settings.DEBUG:
        problems.append(Error("DEBUG must be off in production.", id="leadline.E001"))
    if settings.PRODUCTION and getattr(settings, "LEADLINE_DEMO_MFA_SKIP", False):
        problems.append(
            Warning(
                "LEADLINE_DEMO_MFA_SKIP is set in production; it has no effect there, remove it.",
                id="leadline.W001",
            )
        )
    # Notifications (issue #8): a delivery counts as sent when the backend accepts it; in production a
    # backend that sends nothing would mark every email or SMS "sent" while nobody is told.
    nowhere = ("console", "locmem", "dummy", "filebased")
    if settings.PRODUCTION and any(name in settings.EMAIL_BACKEND for name in nowhere):
        problems.append(
            Warning(
                f"DJANGO_EMAIL_BACKEND is {settings.EMAIL_BACKEND!r}: in production no email would leave, "
                "yet every notification would be marked sent. Configure SMTP "
                "(django.core.mail.backends.smtp.EmailBackend).",
                id="leadline.W002",
            )
        )
    if settings.PRODUCTION and getattr(settings, "LEADLINE_SMS_BACKEND", "console") != "http":
        problems.append(
            Warning(
                "LEADLINE_SMS_BACKEND is not 'http': in production no SMS (hand-off pages included) would "
                "leave, yet each would be marked sent. Set LEADLINE_SMS_BACKEND=http and LEADLINE_SMS_URL.",
                id="leadline.W003",
            )
        )
    return problems
