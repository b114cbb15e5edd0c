from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leadline.accounts.mfa import mfa_satisfied
from leadline.audit import context
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock

SEEN_KEY = "ll_seen_at"
RESET_SESSION_KEY = "ll_after_reset"  # the CredentialReset a session's sign-in came after
AUTH_KEY = "ll_auth_at"
RESET_LINK_PREFIX = "/accounts/reset/"
# Sent by a part of a page that asks by itself (an htmx poll): such a request does not count as activity.
BACKGROUND_HEADER = "X-Leadline-Background"

# Paths a signed-in person may reach before finishing MFA.
MFA_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/mfa/",
    "/accounts/reset/",  # the holder's one-time password link (its views decide who may use it)
    "/static/",
    "/i18n/",
    "/healthz",
    "/hooks/",  # signed by the phone provider; no session is read
)


def _idle_message() -> str:
    """Says the idle limit this site is set to (LEADLINE_IDLE_MINUTES), in whole minutes."""
    minutes = max(1, round(settings.LEADLINE_IDLE_TIMEOUT.total_seconds() / 60))
    return ngettext(
        "Your session was locked after %(minutes)s minute without activity. Please sign in again.",
        "Your session was locked after %(minutes)s minutes without activity. Please sign in again.",
        minutes,
    ) % {"minutes": minutes}


def _lifetime_message() -> str:
    return _("Your session reached its maximum length. Please sign in again.")


class SessionLifetimeMiddleware:
    """An idle lock (LEADLINE_IDLE_MINUTES, 30 by default) and an absolute session lifetime, both read from
    the one clock.

    Django's SESSION_COOKIE_AGE alone is absolute only; the idle limit is tracked here so it can be
    tested with a frozen clock.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path_info.startswith(RESET_LINK_PREFIX):
            # The password link decides for itself who may use it; an idle lock here would end the session
            # with the link's secret in the audit row and in ?next=.
            return self.get_response(request)
        if user is not None and user.is_authenticated:
            now = clock.now()
            seen = request.session.get(SEEN_KEY)
            started = request.session.get(AUTH_KEY)
            reason = None
            if seen is not None and now - datetime.fromisoformat(seen) > settings.LEADLINE_IDLE_TIMEOUT:
                reason = "idle"
            elif (
                started is not None
                and now - datetime.fromisoformat(started) > settings.LEADLINE_SESSION_ABSOLUTE
            ):
                reason = "lifetime"
            if reason:
                audit_record(actor=user, action=AuditEvent.Action.SESSION_ENDED, reason=reason)
                logout(request)
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": "Session expired."}, status=401)
                messages.info(request, _idle_message() if reason == "idle" else _lifetime_message())
                if request.headers.get("HX-Request"):
                    # A part of a page asked by htmx (a poll): the whole page goes to the sign-in form,
                    # instead of the form being swapped into the part.
                    page = urlsplit(request.headers.get("HX-Current-URL", "")).path or "/"
                    login = f"{reverse('accounts:login')}?{urlencode({'next': page})}"
                    return HttpResponse(status=204, headers={"HX-Redirect": login})
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
            if request.headers.get(BACKGROUND_HEADER) != "1":
                # A poll the page makes by itself (the inbox's count, its live part) is not the person
                # at work: it must not keep an unattended screen from locking.
                request.session[SEEN_KEY] = now.isoformat()
            if started is None:
                request.session[AUTH_KEY] = now.isoformat()
            if request.session.get(RESET_SESSION_KEY):
                with context.use(marked(context.current())):
                    return self.get_response(request)
        return self.get_response(request)


RESET_MARK = "+reset"


def marked(ctx: context.AuditContext) -> context.AuditContext:
    """The audit context of a session signed in after an administrator's reset of its account: ``via``
    reads "web+reset" (or "api+reset"), on every row it writes and in every report and CSV."""
    if ctx.via.endswith(RESET_MARK):
        return ctx
    return replace(ctx, via=f"{ctx.via}{RESET_MARK}"[:10])


class MFARequiredMiddleware:
    """Every view, for every signed-in account, needs a verified second factor.

    The Django admin is covered too (django-otp#45: OTPAdminSite alone leaves other doors open).
    API requests authenticated by session are held to the same rule in api_auth.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(MFA_EXEMPT_PREFIXES)
            and not request.path_info.startswith("/api/")
            and not mfa_satisfied(request)
        ):
            if request.headers.get(BACKGROUND_HEADER):
                # A poll (the menu's count) from the second-factor step: nothing to show yet, and the step's
                # page must not be swapped into the badge. htmx swaps nothing on 204.
                return HttpResponse(status=204)
            return redirect(f"{reverse('accounts:mfa')}?{urlencode({'next': request.path})}")
        return self.get_response(request)


class RoleLanguageMiddleware:
    """A signed-in person sees pages in their preferred language unless they chose one this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is not None and user.is_authenticated and not chosen:
            lang = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        return self.get_response(request)
