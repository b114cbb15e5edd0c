"""Writes to accounts: roles, disabling, API tokens. Each audited in its transaction."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction

from leadline.accounts import policy
from leadline.accounts.models import APIToken, User, UserSession, hash_token
from leadline.accounts.roles import CAPABILITIES, Role
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock


class NotAllowed(Exception):
    pass


class InvalidInput(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def user_set_role(*, actor: Any, user: User, role: Role | str) -> User:
    """Give a user a role ("" takes it away). Nobody changes their own role."""
    new_role = Role(role) if role else None
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise NotAllowed("You cannot change your own role.")
    with transaction.atomic():
        stored = User.objects.select_for_update().values("role", "is_staff").get(pk=user.pk)
        before = {"role": stored["role"], "is_staff": stored["is_staff"]}
        user.role = new_role.value if new_role else ""
        user.is_staff = new_role is Role.SITE_ADMIN  # the Django admin is for site administrators only
        user.save(update_fields=["role", "is_staff"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="user",
            subject_id=user.pk,
            changes={
                "role": {"before": before["role"], "after": user.role},
                "is_staff": {"before": before["is_staff"], "after": user.is_staff},
            },
        )
    return user


def user_sessions_end(*, user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def user_deactivate(*, actor: Any, user: User, reason: str) -> User:
    """Disable an account: it can no longer sign in, every session it holds ends, its tokens are revoked."""
    if not reason.strip():
        raise InvalidInput("reason", "A reason is required.")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = user_sessions_end(user=user)
        revoked = APIToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="user",
            subject_id=user.pk,
            reason=reason,
            changes={
                "is_active": {"before": True, "after": False},
                "sessions_ended": ended,
                "tokens_revoked": revoked,
            },
        )
    return user


def user_mfa_reset(*, actor: Any, user: User, reason: str) -> int:
    """Remove a user's authenticators (lost phone): they must enrol again at their next sign-in.

    Their sessions end too, so a session verified with the lost device cannot go on.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not reason.strip():
        raise InvalidInput("reason", "A reason is required.")
    with transaction.atomic():
        removed, _detail = TOTPDevice.objects.filter(user=user).delete()
        ended = user_sessions_end(user=user)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.MFA,
            subject_type="user",
            subject_id=user.pk,
            reason=reason,
            changes={"devices_removed": removed, "sessions_ended": ended},
        )
    return removed


TOKEN_PREFIX = "ll_"  # noqa: S105 (a prefix, not a secret)
TOKEN_MAX_DAYS = 365


def api_token_create(*, actor: User, name: str, scopes: list[str], days: int) -> tuple[APIToken, str]:
    """Create a token for the actor. Returns (token, secret); the secret is never stored or shown again."""
    if not policy.can(actor, "api_token.edit"):
        raise NotAllowed
    if not name.strip():
        raise InvalidInput("name", "A name is required.")
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise InvalidInput("days", f"Between 1 and {TOKEN_MAX_DAYS} days.")
    unknown = [s for s in scopes if s not in CAPABILITIES]
    if unknown:
        raise InvalidInput("scopes", f"Unknown capability: {', '.join(unknown)}")
    held = policy.capabilities_of(actor)
    beyond = [s for s in scopes if s not in held]
    if beyond:
        raise InvalidInput("scopes", f"You do not hold: {', '.join(beyond)}")
    if not scopes:
        raise InvalidInput("scopes", "Choose at least one capability.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = APIToken.objects.create(
            user=actor,
            name=name.strip(),
            prefix=secret[:10],
            key_hash=hash_token(secret),
            scopes=sorted(set(scopes)),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            subject_type="api_token",
            subject_id=token.pk,
            changes={"name": token.name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat()},
        )
    return token, secret


def api_token_revoke(*, actor: User, token: APIToken) -> APIToken:
    if token.user_id != actor.pk:
        raise NotAllowed
    with transaction.atomic():
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="api_token",
            subject_id=token.pk,
            changes={"revoked": True},
        )
    return token
