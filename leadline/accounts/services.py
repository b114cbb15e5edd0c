"""Writes to accounts: roles, disabling, API tokens. Each audited in its transaction."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction

from leadline.accounts import policy
from leadline.accounts.models import APIToken, CredentialReset, User, UserSession, hash_token
from leadline.accounts.roles import CAPABILITIES, Role
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.notifications.models import Notification
from leadline.notifications.services import notify


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


def _mfa_devices_remove(*, actor: Any, user: User, reason: str, reset_id: int) -> int:
    """Remove a user's authenticators (lost phone): they must enrol again at their next sign-in. Their
    sessions end too, so a session verified with the lost device cannot go on. Only an approved
    CredentialReset calls this (``credential_reset_approve``): no administrator does it alone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    ended = user_sessions_end(user=user)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.MFA,
        subject_type="user",
        subject_id=user.pk,
        reason=reason,
        changes={"devices_removed": removed, "sessions_ended": ended, "credential_reset": reset_id},
    )
    return removed


# --- resetting another person's sign-in: two administrators, and the holder told -------------------

RESET_PROPOSAL_DAYS = 7  # a proposal nobody approved within a week is stale: propose again
RESET_LINK_HOURS = 24  # the password link works once, for a day
RESET_MARK_DAYS = 30  # sign-ins this long after a reset are marked on the audit trail


def _administrator(actor: Any) -> None:
    if not (policy.can(actor, "user_account.edit") and getattr(actor, "is_active", False)):
        raise NotAllowed("Only a site administrator may do this.")


def credential_reset_propose(*, actor: Any, user: User, kind: str, reason: str) -> CredentialReset:
    """Propose resetting someone else's password or two-factor sign-in. Nothing changes until another
    administrator approves. A proposal of the same kind still waiting is returned, not doubled."""
    _administrator(actor)
    if user.pk == actor.pk:
        raise InvalidInput("user", "Nobody resets their own sign-in here: ask another administrator.")
    if kind not in CredentialReset.Kind.values:
        raise InvalidInput("kind", "Choose what to reset.")
    reason = reason.strip()
    if len(reason) < 10:
        raise InvalidInput("reason", "Say in a sentence why (for example how the holder asked).")
    if kind == CredentialReset.Kind.PASSWORD and not user.email:
        raise InvalidInput("user", "This person has no email address: the password link needs one.")
    now = clock.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one proposal at a time per holder
        waiting = CredentialReset.objects.filter(
            user=user,
            kind=kind,
            approved_at__isnull=True,
            proposed_at__gte=now - timedelta(days=RESET_PROPOSAL_DAYS),
        ).first()
        if waiting is not None:
            return waiting
        reset = CredentialReset.objects.create(
            user=user, kind=kind, reason=reason, proposed_by=actor, proposed_at=now
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            subject_type="credential_reset",
            subject_id=reset.pk,
            reason=reason,
            changes={"user": user.pk, "kind": kind, "approved": False},
        )
    return reset


def credential_reset_approve(*, actor: Any, reset: CredentialReset) -> CredentialReset:
    """A second administrator approves a proposed reset. MFA: the authenticators go and the holder enrols
    again at their next sign-in. Password: the holder is sent a one-time link to set a new one (nobody
    else ever knows it). Either way the holder is told, without detail, through the notifications."""
    _administrator(actor)
    now = clock.now()
    with transaction.atomic():
        locked = CredentialReset.objects.select_for_update().select_related("user").get(pk=reset.pk)
        if actor.pk == locked.proposed_by_id:
            raise NotAllowed("Another administrator must approve what you proposed.")
        if actor.pk == locked.user_id:
            raise NotAllowed("Nobody approves a reset of their own sign-in.")
        if _account_shaped_by(proposer_id=locked.proposed_by_id, account_id=actor.pk):
            # An administrator the proposer created, or gave a role or other account change, is not a second
            # pair of eyes: it could be the proposer's own second account (whose password they set).
            raise NotAllowed("An account the proposer created or changed cannot approve their proposal.")
        if locked.approved_at is not None:
            return locked
        if locked.proposed_at < now - timedelta(days=RESET_PROPOSAL_DAYS):
            raise InvalidInput("reset", "This proposal is more than a week old: propose it again.")
        locked.approved_by, locked.approved_at = actor, now
        url = "/accounts/mfa/"
        if locked.kind == CredentialReset.Kind.MFA:
            _mfa_devices_remove(actor=actor, user=locked.user, reason=locked.reason, reset_id=locked.pk)
            locked.completed_at = now
        else:
            secret = secrets.token_urlsafe(32)
            locked.token_hash, locked.link_expires_at = (
                hash_token(secret),
                now + timedelta(hours=RESET_LINK_HOURS),
            )
            url = f"/accounts/reset/{secret}/"
        locked.save(
            update_fields=["approved_by", "approved_at", "completed_at", "token_hash", "link_expires_at"]
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="credential_reset",
            subject_id=locked.pk,
            reason=locked.reason,
            changes={
                "user": locked.user_id,
                "kind": locked.kind,
                "approved": True,
                "proposed_by": locked.proposed_by_id,
            },
        )
        notify([locked.user], kind=Notification.Kind.ACCOUNT, url=url)
    return locked


def _account_shaped_by(*, proposer_id: int, account_id: int) -> bool:
    """Whether the audit trail shows the proposer creating or changing this account (in the admin or
    through user_set_role)."""
    return AuditEvent.objects.filter(
        actor_id=proposer_id,
        subject_type__in=("user", "accounts.user"),
        subject_id=str(account_id),
        action__in=(AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE),
    ).exists()


def credential_reset_for_link(*, secret: str) -> CredentialReset | None:
    """The approved password reset a link names, if it still works (approved, not used, not expired)."""
    if not secret or len(secret) > 100:
        return None
    return (
        CredentialReset.objects.filter(
            token_hash=hash_token(secret),
            kind=CredentialReset.Kind.PASSWORD,
            approved_at__isnull=False,
            completed_at__isnull=True,
            link_expires_at__gt=clock.now(),
        )
        .select_related("user")
        .first()
    )


def credential_reset_complete(*, reset_id: int, password: str) -> User:
    """The holder sets their new password through the link (the form has checked it against the
    validators). The link works once; every session the account held ends."""
    now = clock.now()
    with transaction.atomic():
        reset = (
            CredentialReset.objects.select_for_update()
            .select_related("user")
            .filter(
                pk=reset_id,
                kind=CredentialReset.Kind.PASSWORD,
                approved_at__isnull=False,
                completed_at__isnull=True,
                link_expires_at__gt=now,
            )
            .first()
        )
        if reset is None:
            raise InvalidInput("password", "This link no longer works: ask an administrator for a new one.")
        user = reset.user
        user.set_password(password)
        user.save(update_fields=["password"])
        reset.completed_at, reset.token_hash = now, ""
        reset.save(update_fields=["completed_at", "token_hash"])
        ended = user_sessions_end(user=user)
        audit_record(
            actor=user,
            action=AuditEvent.Action.UPDATE,
            subject_type="user",
            subject_id=user.pk,
            reason="password set by its holder through an administrator's reset link",
            changes={
                "password": {"before": "", "after": ""},
                "credential_reset": reset.pk,
                "sessions_ended": ended,
            },
        )
    return user


def credential_reset_marking(*, user: Any) -> int | None:
    """The reset a new sign-in of ``user`` comes after, if one was completed in the last RESET_MARK_DAYS:
    its sessions are marked on the audit trail, so an administrator's reset used to read as the holder
    shows as such."""
    since = clock.now() - timedelta(days=RESET_MARK_DAYS)
    return (
        CredentialReset.objects.filter(user_id=user.pk, completed_at__gte=since)
        .order_by("-completed_at")
        .values_list("pk", flat=True)
        .first()
    )


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
