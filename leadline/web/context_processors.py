from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from leadline.accounts.mfa import demo_mfa_skipped
from leadline.sites.selectors import site_get
from leadline.web.nav import account_for, nav_for


def shell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)

    return {
        "nav_entries": nav_for(user) if user is not None else [],
        "account_entries": account_for(user) if user is not None else [],
        "current_path": request.path,
        "demo_mfa_skipped": bool(user is not None and user.is_authenticated and demo_mfa_skipped(request)),
        "leadline_site": site_get(),
        "leadline_debug": settings.DEBUG,
    }
