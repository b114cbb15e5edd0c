from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from leadline.audit import context


class AuditContextMiddleware:
    """Makes the request's address and path available to every audit write during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with context.use(context.from_request(request)):
            return self.get_response(request)
