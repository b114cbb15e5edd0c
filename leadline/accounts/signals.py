"""Sign-in events go to the audit trail, and each session is tracked so it can be ended."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from leadline.accounts.middleware import AUTH_KEY, RESET_SESSION_KEY, SEEN_KEY, marked
from leadline.accounts.models import User, UserSession
from leadline.accounts.services import credential_reset_marking
from leadline.audit import context
from leadline.audit.context import client_ip
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = clock.now()
    request.session[AUTH_KEY] = now.isoformat()
    request.session[SEEN_KEY] = now.isoformat()
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "created_at": now, "ip": client_ip(request)},
    )
    # A sign-in soon after an administrator reset this account's password or two-factor sign-in is
    # marked, and so is every audit row of its session (SessionLifetimeMiddleware): whoever used the
    # reset, what they read shows as read after a reset, not as the holder's ordinary work.
    reset_id = credential_reset_marking(user=user)
    if reset_id is None:
        request.session.pop(RESET_SESSION_KEY, None)
        audit_record(actor=user, action=AuditEvent.Action.LOGIN)
        return
    request.session[RESET_SESSION_KEY] = reset_id
    with context.use(marked(context.current())):
        audit_record(actor=user, action=AuditEvent.Action.LOGIN, changes={"after_credential_reset": reset_id})


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if user is None:
        return
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    audit_record(actor=user, action=AuditEvent.Action.LOGOUT)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The username only if it is an account's: a password typed into the username box must not be kept.
    typed = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username=typed).exists()
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        username=typed if known else "[unknown username]",
    )
