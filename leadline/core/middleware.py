from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
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


# Browser features no Leadline page uses are off for every response (issue #15 item 21). A view that needs
# one names it with accounts.decorators.permissions_policy_allow, and gets it for the site itself only:
# geolocation on the officer's referral form ("use my location"). No page uses the camera or the
# microphone: a participant's photo and a signed consent are uploaded files, a signature is drawn on a canvas.
PERMISSIONS_POLICY_FEATURES = (
    "accelerometer", "ambient-light-sensor", "autoplay", "battery", "bluetooth", "browsing-topics", "camera",
    "display-capture", "document-domain", "encrypted-media", "fullscreen", "gamepad", "geolocation",
    "gyroscope", "hid", "idle-detection", "interest-cohort", "local-fonts", "magnetometer", "microphone",
    "midi", "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial",
    "speaker-selection", "usb", "web-share", "xr-spatial-tracking",
)  # fmt: skip


def permissions_policy(allowed: frozenset[str] = frozenset()) -> str:
    return ", ".join(f"{f}=(self)" if f in allowed else f"{f}=()" for f in PERMISSIONS_POLICY_FEATURES)


PERMISSIONS_POLICY_DEFAULT = permissions_policy()


class PermissionsPolicyMiddleware:
    """Sets Permissions-Policy on every response, static files and error pages included (it sits outside
    WhiteNoise and the error pages in MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        allowed = getattr(response, "permissions_policy_allow", None)
        response["Permissions-Policy"] = (
            permissions_policy(frozenset(allowed)) if allowed else PERMISSIONS_POLICY_DEFAULT
        )
        return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers with the static 503 page (issue #15 item 9), even
    with DEBUG on, instead of an error page that would itself need the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if errors.is_database_outage(exception):
            return errors.unavailable(request, exception)
        return None


class NulFreeQueryMiddleware:
    """A NUL character in a query parameter is dropped before any view reads it (issue #15): no person types
    one, and PostgreSQL text cannot hold one, so a search box fed "%00" answered 500 there while SQLite
    answered 200. The REST API answers it with a 400 naming the parameter instead (core/api.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("QUERY_STRING", "")
        if ("%00" in raw or "\x00" in raw) and not request.path.startswith("/api/"):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned  # type: ignore[assignment]
        return self.get_response(request)
