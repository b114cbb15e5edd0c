"""Writes to accounts: roles, disabling, API tokens. Each audited in its transaction."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadline.accounts import lifecycle, policy
from leadline.accounts.models import APIToken, CredentialReset, User, UserSession, hash_token
from leadline.accounts.roles import CAPABILITIES, DUAL_CONTROL_ROLES, Role
from leadline.audit import context
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.notifications.models import Delivery, Notification
from leadline.notifications.services import notify, queue_to_address

NotAllowed = refusals.NotAllowed  # the one "may not" of every app (403)


class InvalidInput(refusals.Refused, ValueError):
    """Bad input, naming the field (a ValueError too, as it always was)."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def user_set_role(*, actor: User, user: User, role: Role | str) -> User:
    """Give a user a role ("" takes it away). Nobody changes their own role. A role that reads participants
    (or the site administrator's) is never given by one administrator: it is proposed
    (``role_grant_propose``) and takes effect when a second administrator approves (decision 0034)."""
    new_role = Role(role) if role else None
    if new_role in DUAL_CONTROL_ROLES:
        raise NotAllowed("This role reads participants' information: a second administrator must approve it.")
    return _role_apply(actor=actor, user=user, new_role=new_role)


def _role_apply(*, actor: User, user: User, new_role: Role | None, reset_id: int | None = None) -> User:
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise NotAllowed("You cannot change your own role.")
    with transaction.atomic():
        stored = User.objects.select_for_update().values("role", "is_staff").get(pk=user.pk)
        before = {"role": stored["role"], "is_staff": stored["is_staff"]}
        user.role = new_role.value if new_role else ""
        user.is_staff = new_role is Role.SITE_ADMIN  # the Django admin is for site administrators only
        user.save(update_fields=["role", "is_staff"])
        changes: dict[str, Any] = {
            "role": {"before": before["role"], "after": user.role},
            "is_staff": {"before": before["is_staff"], "after": user.is_staff},
        }
        if reset_id is not None:
            changes["credential_reset"] = reset_id
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="user",
            subject_id=user.pk,
            changes=changes,
        )
    return user


def new_account_prepare(*, user: User, role: str) -> User:
    """A new account made by an administrator (not yet saved): no password anyone knows. Its holder sets
    the first password through the one-time link a second administrator approves. A role that reads no
    participant is part of the creation; any other is proposed after it (``role_grant_propose``)."""
    user.set_unusable_password()
    given = Role(role) if role else None
    user.role = given.value if given is not None and given not in DUAL_CONTROL_ROLES else ""
    user.is_staff = False
    return user


def new_account_audit(*, actor: User, user: User) -> None:
    """The creation's own audit row (a creation, not a change: the creator may still propose the first
    password's link)."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        subject_type="user",
        subject_id=user.pk,
        changes={"role": {"before": "", "after": user.role}, "password": "unusable until its holder sets it"},
    )


def role_grant_propose(*, actor: User, user: User, role: Role | str, reason: str) -> CredentialReset:
    """Propose giving ``user`` a role that reads participants (or the administrator's role): it takes effect
    when a second, independent administrator approves it (``credential_reset_approve``)."""
    return credential_reset_propose(
        actor=actor, user=user, kind=CredentialReset.Kind.ROLE, reason=reason, role=str(Role(role).value)
    )


def user_contact_changed(*, actor: User, user: User, before: dict[str, str]) -> None:
    """After an administrator changed someone's email or phone: the audit row keeps both values, and the
    old email address is told (content-free), so a swap made to steer a password link does not go unseen."""
    after = {"email": user.email, "phone": user.phone}
    changed = {
        k: {"before": before.get(k, ""), "after": v} for k, v in after.items() if before.get(k, "") != v
    }
    if not changed:
        return
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        subject_type="user",
        subject_id=user.pk,
        reason="contact details changed by an administrator",
        changes=changed,
    )
    old = before.get("email", "")
    if "email" in changed and old:
        with translation.override(user.preferred_language or "en"):
            queue_to_address(
                kind=Delivery.Kind.ACCOUNT_EMAIL_CHANGED,
                channel=Delivery.Channel.EMAIL,
                to=old,
                subject=str(_("Leadline: your account's email address changed")),
                body=str(
                    _(
                        "The email address of your Leadline account was changed. If you did not ask for "
                        "this, tell your program manager or another administrator today."
                    )
                ),
            )


def user_sessions_end(*, user: User) -> int:
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def user_deactivate(*, actor: User, user: User, reason: str) -> User:
    """Disable an account: it can no longer sign in, every session it holds ends, its tokens are revoked,
    and every app answers for its own rows (accounts.lifecycle DEACTIVATE)."""
    if not reason.strip():
        raise InvalidInput("reason", "A reason is required.")
    with transaction.atomic(durable=True):
        user.is_active = False
        user.save(update_fields=["is_active"])
        # Every app answers for its own rows (accounts.lifecycle): here, the sessions end and the tokens
        # are revoked (accounts.hooks); the counts go on the audit row.
        done = lifecycle.run(lifecycle.Event.DEACTIVATE, actor=actor, user=user, reason=reason)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="user",
            subject_id=user.pk,
            reason=reason,
            changes={"is_active": {"before": True, "after": False}, **done},
        )
    return user


def user_tokens_revoke(*, user: User) -> int:
    """Revoke every API token the user still holds; returns how many."""
    return APIToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())


def _mfa_devices_remove(*, actor: User, user: User, reason: str, reset_id: int) -> int:
    """Remove a user's authenticators (lost phone): they must enrol again at their next sign-in. Their
    sessions end too, so a session verified with the lost device cannot go on. Only an approved
    CredentialReset calls this (``credential_reset_approve``): no administrator does it alone."""
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


# --- a person's own second factor ------------------------------------------------------------------


def mfa_device_for(*, user: User) -> tuple[TOTPDevice, bool]:
    """The authenticator a sign-in checks, and whether it is still being set up: the confirmed one, or
    (the first time) the unconfirmed one made for setting up, made once (the user's row is locked, so two
    windows opened at once share one secret)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if device is not None:
        return device, False
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device, True


def mfa_verify(*, user: User, device: TOTPDevice, code: str) -> TOTPDevice | None:
    """Check a code from ``device``; returns the device (to sign the session in with) when it is right.
    The first right code enrols the device (confirmed); enrolment, verification and a wrong code are each
    audited in the same transaction as the device's own change (its replay and throttle counters)."""
    with transaction.atomic(durable=True):
        locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
        if locked is None:  # removed by an approved reset since the page was shown
            audit_record(actor=user, action=AuditEvent.Action.MFA, reason="wrong code")
            return None
        setting_up = not locked.confirmed
        if not locked.verify_token(code):
            audit_record(actor=user, action=AuditEvent.Action.MFA, reason="wrong code")
            return None
        if setting_up:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
        reason = "enrolled" if setting_up else "verified"
        audit_record(actor=user, action=AuditEvent.Action.MFA, reason=reason)
    return locked


# --- resetting another person's sign-in: two administrators, and the holder told -------------------

RESET_PROPOSAL_DAYS = 7  # a proposal nobody approved within a week is stale: propose again
RESET_LINK_HOURS = 24  # the password link works once, for a day
RESET_MARK_DAYS = 30  # sign-ins this long after a reset are marked on the audit trail


def _administrator(actor: User) -> None:
    if not (policy.can(actor, "user_account.edit") and getattr(actor, "is_active", False)):
        raise NotAllowed("Only a site administrator may do this.")


def credential_reset_propose(
    *, actor: User, user: User, kind: str, reason: str, role: str = ""
) -> CredentialReset:
    """Propose resetting someone else's password or two-factor sign-in, or giving them a role that reads
    participants. Nothing changes until another administrator approves. A proposal of the same kind (and
    role) still waiting is returned, not doubled."""
    _administrator(actor)
    if user.pk == actor.pk:
        raise InvalidInput("user", "Nobody resets their own sign-in here: ask another administrator.")
    if kind not in CredentialReset.Kind.values:
        raise InvalidInput("kind", "Choose what to reset.")
    if kind == CredentialReset.Kind.ROLE:
        if role not in Role._value2member_map_:
            raise InvalidInput("role", "Choose the role to give.")
    else:
        role = ""
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
            role=role,
            approved_at__isnull=True,
            proposed_at__gte=now - timedelta(days=RESET_PROPOSAL_DAYS),
        ).first()
        if waiting is not None:
            return waiting
        reset = CredentialReset.objects.create(
            user=user, kind=kind, role=role, reason=reason, proposed_by=actor, proposed_at=now
        )
        changes: dict[str, Any] = {"user": user.pk, "kind": kind, "approved": False}
        if role:
            changes["role"] = role
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            subject_type="credential_reset",
            subject_id=reset.pk,
            reason=reason,
            changes=changes,
        )
    return reset


def credential_reset_approve(*, actor: User, reset: CredentialReset) -> CredentialReset:
    """A second, independent administrator approves a proposal. MFA: the authenticators go and the holder
    enrols again at their next sign-in. Password: the holder is emailed a one-time link to set a new one
    (nobody else ever knows it). Role: the role is given. The holder of a reset is told, without detail."""
    _administrator(actor)
    now = clock.now()
    with transaction.atomic(durable=True):
        locked = CredentialReset.objects.select_for_update().select_related("user").get(pk=reset.pk)
        if actor.pk == locked.proposed_by_id:
            raise NotAllowed("Another administrator must approve what you proposed.")
        if actor.pk == locked.user_id:
            raise NotAllowed("Nobody approves a reset of their own sign-in.")
        if locked.approved_at is not None:
            return locked
        if locked.proposed_at < now - timedelta(days=RESET_PROPOSAL_DAYS):
            raise InvalidInput("reset", "This proposal is more than a week old: propose it again.")
        _independent(proposer_id=locked.proposed_by_id, approver=actor, now=now)
        if locked.kind == CredentialReset.Kind.PASSWORD:
            _password_link_allowed(locked, now=now)
        locked.approved_by, locked.approved_at = actor, now
        secret = ""
        if locked.kind == CredentialReset.Kind.MFA:
            _mfa_devices_remove(actor=actor, user=locked.user, reason=locked.reason, reset_id=locked.pk)
            locked.completed_at = now
        elif locked.kind == CredentialReset.Kind.ROLE:
            _role_apply(actor=actor, user=locked.user, new_role=Role(locked.role), reset_id=locked.pk)
            locked.completed_at = now
        else:
            secret = secrets.token_urlsafe(32)
            locked.token_hash, locked.link_expires_at = (
                hash_token(secret),
                now + timedelta(hours=RESET_LINK_HOURS),
            )
        locked.save(
            update_fields=["approved_by", "approved_at", "completed_at", "token_hash", "link_expires_at"]
        )
        changes: dict[str, Any] = {
            "user": locked.user_id,
            "kind": locked.kind,
            "approved": True,
            "proposed_by": locked.proposed_by_id,
        }
        if locked.role:
            changes["role"] = locked.role
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            subject_type="credential_reset",
            subject_id=locked.pk,
            reason=locked.reason,
            changes=changes,
        )
        if locked.kind == CredentialReset.Kind.MFA:
            notify([locked.user], kind=Notification.Kind.ACCOUNT, url="/accounts/mfa/")
        elif locked.kind == CredentialReset.Kind.PASSWORD:
            # In the app and as the holder prefers: the fixed sentence, with no link (the secret goes only
            # in the email below).
            notify([locked.user], kind=Notification.Kind.ACCOUNT, url="")
            _password_link_send(locked.user, secret)
    return locked


def _password_link_send(user: User, secret: str) -> None:
    """The link goes by email only, to the address the approver saw, whatever the holder's preferences
    (an SMS is read on a lock screen); the delivery's words, the secret with them, are blanked once sent."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        body = _(
            "An administrator of Leadline, approved by a second one, reset your password.\n\n"
            "Set a new one through this link within %(hours)s hours; it works once:\n%(link)s\n\n"
            "If you did not ask for this, tell your program manager today."
        ) % {"hours": RESET_LINK_HOURS, "link": f"{settings.LEADLINE_PUBLIC_URL}/accounts/reset/{secret}/"}
        subject = _("Leadline: set your password")
    queue_to_address(
        kind=Delivery.Kind.PASSWORD_LINK,
        channel=Delivery.Channel.EMAIL,
        to=user.email,
        subject=subject,
        body=body,
    )


# --- who may approve --------------------------------------------------------------------------------

CHAIN_DEPTH = 6  # how far up "created or changed by" the audit trail is followed
CHAIN_MAX = 200  # and at most this many accounts


def _shapers(account_ids: set[int]) -> dict[int, set[int]]:
    """For each account, the other accounts the audit trail shows creating or changing it (in the admin,
    through a role change, or by proposing a role that was given to it)."""
    found: dict[int, set[int]] = {pk: set() for pk in account_ids}
    rows = AuditEvent.objects.filter(
        subject_type__in=("user", "accounts.user"),
        subject_id__in=[str(pk) for pk in account_ids],
        action__in=(AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE),
        actor_id__isnull=False,
    ).values_list("subject_id", "actor_id")
    for subject_id, actor_id in rows:
        if actor_id is not None and int(subject_id) != actor_id:
            found[int(subject_id)].add(actor_id)
    grants = CredentialReset.objects.filter(
        user_id__in=account_ids, kind=CredentialReset.Kind.ROLE, approved_at__isnull=False
    ).values_list("user_id", "proposed_by_id")
    for user_id, proposer in grants:
        found[user_id].add(proposer)
    return found


def _lineage(account_id: int) -> set[int]:
    """Every account up the chain of "created or changed by" from this one (a bounded walk)."""
    seen: set[int] = set()
    frontier = {account_id}
    for _depth in range(CHAIN_DEPTH):
        shapers = _shapers(frontier)
        frontier = set().union(*shapers.values()) - seen - {account_id} if shapers else set()
        if not frontier:
            break
        seen |= frontier
        if len(seen) >= CHAIN_MAX:
            break
    return seen


def _account_shaped_by(*, proposer_id: int, account_id: int) -> bool:
    """Whether either account created or changed the other, directly or along a chain."""
    return proposer_id in _lineage(account_id) or account_id in _lineage(proposer_id)


def _role_since(user: User) -> Any:
    """When the user's site-administrator role began: the last audit row giving it, else the account's
    creation."""
    given = (
        AuditEvent.objects.filter(
            subject_type__in=("user", "accounts.user"),
            subject_id=str(user.pk),
            changes__role__after=Role.SITE_ADMIN.value,
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return given or user.date_joined


def _independent(*, proposer_id: int, approver: User, now: Any) -> None:
    if _account_shaped_by(proposer_id=proposer_id, account_id=approver.pk):
        # An administrator the proposer created or changed (or who created or changed the proposer), even
        # through other accounts, is not a second pair of eyes: it could be the proposer's own second account.
        raise NotAllowed(
            "The proposer and you created or changed one another's account (directly or through another "
            "account): a third administrator must approve."
        )
    trust = timedelta(days=settings.LEADLINE_NEW_ADMIN_DAYS)
    granted_by_two = CredentialReset.objects.filter(
        user=approver, kind=CredentialReset.Kind.ROLE, role=Role.SITE_ADMIN.value, approved_at__isnull=False
    ).exists()
    if not granted_by_two and (approver.date_joined > now - trust or _role_since(approver) > now - trust):
        raise NotAllowed(
            f"Your account or administrator role is less than {trust.days} days old and was not approved by "
            "two administrators: another administrator must approve."
        )


def _password_link_allowed(reset: CredentialReset, *, now: Any) -> None:
    """A link is not sent to an address changed lately, nor on the word of someone who changed the account."""
    holder = reset.user
    days = settings.LEADLINE_NEW_ADMIN_DAYS
    if holder.email_changed_at is not None and holder.email_changed_at > now - timedelta(days=days):
        raise NotAllowed(
            f"This person's email address changed in the last {days} days: confirm it with them in person, "
            "then propose again once it has stood that long, or reset their two-factor sign-in instead."
        )
    if AuditEvent.objects.filter(
        actor_id=reset.proposed_by_id,
        subject_type__in=("user", "accounts.user"),
        subject_id=str(holder.pk),
        action=AuditEvent.Action.UPDATE,
    ).exists():
        raise NotAllowed(
            "The proposer has changed this person's account: another administrator must propose the "
            "password link."
        )


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
    with transaction.atomic(durable=True):
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


def credential_reset_marking(*, user: User) -> int | None:
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
    with transaction.atomic(durable=True):
        token = APIToken.objects.create(
            user=actor,
            name=name.strip(),
            prefix=secret[:10],
            key_hash=hash_token(secret),
            scopes=sorted(set(scopes)),
            created_at=now,
            expires_at=now + timedelta(days=days),
            # Made in a session marked after a reset: its reads stay marked as long as it lives.
            after_credential_reset=context.current().via.endswith("+reset"),
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            subject_type="api_token",
            subject_id=token.pk,
            changes={"name": token.name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat()},
        )
    return token, secret


def api_token_used(*, token: APIToken, at: Any) -> None:
    """Stamp when a token last signed a request in (shown on the user's token page). Bookkeeping, not a
    change to the account: one UPDATE of that column, not audited (the request itself is)."""
    APIToken.objects.filter(pk=token.pk).update(last_used_at=at)


def api_token_revoke(*, actor: User, token: APIToken) -> APIToken:
    if token.user_id != actor.pk:
        raise NotAllowed
    with transaction.atomic(durable=True):
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
