from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from leadline.core import errors


class PrivateCacheMiddleware:
    """Nothing a signed-in person sees may be kept by a browser or proxy cache (no-store).

    Participant pages are only ever served to signed-in users, so marking every authenticated
    response no-store covers them all without each view having to remember.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path_info.startswith("/api/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class FriendlyErrorsMiddleware:
    """The app's own 404 and 403 pages, even with DEBUG on.

    Django's DEBUG 404 page lists every URL pattern and is not made for a phone; the embedded demo runs
    with DEBUG on (so demo users may skip MFA), and must still answer an officer with the plain page.
    The API has its own handler (core.api.exception_handler) and is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path_info.startswith("/api/"):
            return None
        if isinstance(exception, Http404):
            return errors.not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return errors.forbidden(request, exception)
        return None
