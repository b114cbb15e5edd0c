"""Accounts' answers to a user's deactivation (accounts.lifecycle), for its own models and for those of the
apps below it and of the libraries, which cannot import the registry. Imported from AccountsConfig.ready()."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django_otp.plugins.otp_totp.models import TOTPDevice

from leadline.accounts import lifecycle
from leadline.accounts.lifecycle import Event
from leadline.accounts.models import APIToken, CredentialReset, User, UserSession
from leadline.accounts.services import user_sessions_end, user_tokens_revoke
from leadline.core.models import ImportJob
from leadline.notifications.models import Notification, Preference


def _sessions_end(*, actor: User, user: User, reason: str) -> dict[str, int]:
    """Every session the account holds ends: a deactivated account signed in elsewhere is signed out."""
    return {"sessions_ended": user_sessions_end(user=user)}


def _tokens_revoke(*, actor: User, user: User, reason: str) -> dict[str, int]:
    """Every API token still valid is revoked (the API also refuses an inactive user's token)."""
    return {"tokens_revoked": user_tokens_revoke(user=user)}


lifecycle.register(Event.DEACTIVATE, UserSession, _sessions_end)
lifecycle.register(Event.DEACTIVATE, APIToken, _tokens_revoke)
lifecycle.nothing_to_do(
    Event.DEACTIVATE, CredentialReset,
    reason="a proposal, approval or password link is the record of who asked and who approved; a link "
    "completed for an inactive account still signs nobody in (the decision point refuses inactive users)",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.DEACTIVATE, TOTPDevice,
    reason="the authenticator stays enrolled: if the account is enabled again its holder signs in with it; "
    "a lost device is removed by an approved credential reset, never by one administrator",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.DEACTIVATE, LogEntry,
    reason="Django admin's log of what the person did: history, not access",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.DEACTIVATE, ImportJob,
    reason="the job records who started it; its page is that person's only, and they cannot sign in",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.DEACTIVATE, (Notification, Preference),
    reason="the inbox and the preferences are kept for the person's return; notify() skips an inactive "
    "account, so nothing more is sent to them",
)  # fmt: skip
