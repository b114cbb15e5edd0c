"""Where an audited action came from (web request, API, task, command line)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class AuditContext:
    client_ip: str | None = None
    path: str = ""
    method: str = ""
    via: str = "cli"


_EMPTY = AuditContext()
_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


def current() -> AuditContext:
    return _current.get() or _EMPTY


@contextmanager
def use(ctx: AuditContext) -> Iterator[None]:
    token = _current.set(ctx)
    try:
        yield
    finally:
        _current.reset(token)


def mark_request(ctx: AuditContext) -> None:
    """Replace the current request's context (inside a ``use`` block, which restores the outer one): the
    API's token authentication marks a request made after a credential reset."""
    _current.set(ctx)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind N trusted proxies, the Nth address from the right of X-Forwarded-For."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= proxies:
            return parts[-proxies]
    return request.META.get("REMOTE_ADDR") or None


# A password-reset link's path holds its secret: the audit trail keeps only the prefix.
SECRET_PATH_PREFIXES = ("/accounts/reset/",)


def _recorded_path(request: HttpRequest) -> str:
    for prefix in SECRET_PATH_PREFIXES:
        if request.path_info.startswith(prefix):
            return prefix
    return request.path[:300]


def from_request(request: HttpRequest) -> AuditContext:
    return AuditContext(
        client_ip=client_ip(request),
        path=_recorded_path(request),
        method=request.method or "",
        via="api" if request.path_info.startswith("/api/") else "web",
    )
