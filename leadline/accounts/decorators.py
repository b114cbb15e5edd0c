from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core.middleware import PERMISSIONS_POLICY_FEATURES


class AuthedRequest(HttpRequest):
    """The request a view behind ``login_required`` or ``capability_required`` gets: its user has signed
    in, so it is a ``User``, not ``AnonymousUser``. For the type checker only; Django builds it as always."""

    user: User


class AuthedApiRequest(Request):
    """The same for the REST API, whose every endpoint is authenticated (DEFAULT_PERMISSION_CLASSES is
    IsAuthenticated): ``request.user`` is a ``User``. For the type checker only."""

    user: User


def capability_required(
    capability: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page that needs a capability: anonymous -> sign-in, signed in without it -> 403.

    Whether a particular *record* is reachable is decided by the selector, which answers 404.
    """

    policy.scope_of(None, capability)  # fail at import time on an unknown capability name

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not policy.can(request.user, capability):
                audit_record(actor=request.user, action=AuditEvent.Action.DENIED, reason=capability)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def permissions_policy_allow(
    *features: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page that needs a browser feature (e.g. "geolocation"): the Permissions-Policy header
    (core.middleware.PermissionsPolicyMiddleware) allows it to the site itself on this page's responses."""
    unknown = set(features) - set(PERMISSIONS_POLICY_FEATURES)
    if unknown:  # a typo must fail at import time, not quietly leave the feature off
        raise ValueError(f"unknown browser feature: {', '.join(sorted(unknown))}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response.permissions_policy_allow = frozenset(features)  # type: ignore[attr-defined]
            return response

        return wrapped

    return decorator
