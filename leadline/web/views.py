"""Each role's home page: the "needs you" inbox first (web/inbox.py, from every app's registered sources),
then a case manager's caseload; and the two small fragments the page polls (the menu's count, the live
section)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest
from leadline.participants.selectors import participant_list_for
from leadline.web.inbox import inbox_count, inbox_for, inbox_reads_audit


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Each role's start page: what needs them now, and for a case manager, their caseload below it."""
    inbox = inbox_for(request.user)
    caseload = None
    if policy.can(request.user, "participant_record.view"):
        caseload = list(participant_list_for(user=request.user, caseload_only=True)[:25])
    # One audited read for each participant the page names, in the inbox or the caseload (one INSERT).
    inbox_reads_audit(user=request.user, sections=inbox.sections, also=caseload or [])
    return render(request, "web/home.html", {"inbox": inbox, "caseload": caseload})


def _polled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A fragment the page asks for in the background: signed in only, never cached. Asked by htmx once the
    session has ended, it sends the whole page to the sign-in form (HX-Redirect) instead of letting the form
    be swapped into the menu; any other anonymous request gets the ordinary redirect to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.headers.get("HX-Request"):
                page = urlsplit(request.headers.get("HX-Current-URL", "")).path or "/"
                target = redirect_to_login(page, settings.LOGIN_URL)
                return HttpResponse(status=204, headers={"HX-Redirect": target["Location"]})
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return never_cache(require_GET(wrapped))


@_polled
def inbox_count_fragment(request: AuthedRequest) -> HttpResponse:
    """The menu's badge: how many items wait, polled every 20 seconds (counts only, no item built)."""
    return render(request, "web/_inbox_count.html", {"inbox_count": inbox_count(request.user)})


@_polled
def inbox_urgent_fragment(request: AuthedRequest) -> HttpResponse:
    """The live part of the home page (hand-offs waiting), polled every 5 seconds."""
    inbox = inbox_for(request.user, urgent_only=True)
    inbox_reads_audit(user=request.user, sections=inbox.sections)
    return render(request, "web/_inbox_urgent.html", {"inbox": inbox})
