"""Error pages that say what happened and nothing about the record asked for (PRODUCT §4 rule 1).

The 500 and 503 pages are static (issue #15 item 9): rendered without the request's context processors,
which read the database (the menu, the site), so a page still answers when the database is down — as
"temporarily unavailable", 503 with Retry-After, for a database that cannot be reached, whether the error
came from a view (``DatabaseUnavailableMiddleware``) or from a middleware (``server_error``, Django's
handler500, called while the exception is being handled)."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def is_database_outage(exception: BaseException | None) -> bool:
    """A database that cannot be reached or has dropped the connection (not a bad query: that is a bug)."""
    return isinstance(exception, OperationalError | InterfaceError)


def _static(template: str, status: int) -> HttpResponse:
    # No request is given to the template: no context processor runs, so nothing reads the database.
    return HttpResponse(get_template(template).render({}), status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_database_outage(sys.exc_info()[1]):
        return unavailable(request)
    return _static("500.html", 500)


def unavailable(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": _("The service is temporarily unavailable.")}, status=503
        )
    else:
        response = _static("503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
