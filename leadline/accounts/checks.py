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
    return problems
