"""API authentication: scoped bearer tokens, and sessions only once MFA is verified."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from leadline.accounts.mfa import mfa_satisfied
from leadline.accounts.middleware import marked
from leadline.accounts.models import APIToken, hash_token
from leadline.accounts.services import api_token_used, credential_reset_marking
from leadline.audit import context
from leadline.core import clock


class ScopedTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer ll_…``. The user's capabilities are narrowed to the token's scopes."""

    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, APIToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            return None
        now = clock.now()
        token = (
            APIToken.objects.select_related("user", "user__agency")
            .filter(key_hash=hash_token(parts[1]), revoked_at__isnull=True)
            .filter(Q(expires_at__gt=now))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        user = token.user
        user.token_scopes = frozenset(token.scopes)  # type: ignore[attr-defined]  # read by policy.scope_of
        if token.after_credential_reset or credential_reset_marking(user=user):
            # Like a session signed in after an administrator's reset: every row this request writes is
            # marked. The request's own audit context (set around it by the middleware) is replaced for the
            # rest of the request; the middleware's reset restores the outer one afterwards.
            context.mark_request(marked(context.current()))
        api_token_used(token=token, at=now)
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """Session authentication (with CSRF) that also demands a verified second factor."""

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        django_request: HttpRequest = request._request
        if not mfa_satisfied(django_request):
            raise exceptions.AuthenticationFailed("Two-factor verification required.")
        return result


class ScopedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "leadline.accounts.api_auth.ScopedTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A Leadline API token (ll_…)."}


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "leadline.accounts.api_auth.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
