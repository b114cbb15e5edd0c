"""Uploads streamed to disk with their size checked as they arrive (issue #15 item 8; decision 0032).

Django's default handlers keep an upload under FILE_UPLOAD_MAX_MEMORY_SIZE in memory and write a larger
one to a temporary file whole, and a view learns its size only once all of it has arrived. A view that
takes a file says its limit with ``@upload_limit(bytes)``: the file goes to a temporary file chunk by
chunk, and the moment it passes the limit the rest is dropped unread into nothing (``SkipFile``), the
request notes which field was refused, and the view answers with the form's own message
(``upload_refused``). A request that declares a length far above the limit is not read at all: it is
answered 413 with a page that says the limit.

Upload handlers must be set before anything reads ``request.POST``, and the CSRF middleware reads it
before the view runs: so the decorator is Django's documented pair — exempt the outer view from the
middleware's check, set the handler, then run the same check with ``csrf_protect`` on the inner view.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# What the multipart envelope and the form's other fields may add to the file itself.
ENVELOPE_BYTES = 64 * 1024
REFUSED_ATTR = "_leadline_upload_refused"


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Every file to a temporary file on disk, counted chunk by chunk, dropped once past ``max_bytes``."""

    def __init__(self, request: HttpRequest, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        self.received = 0
        super().new_file(field_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            _refuse(self.request, self.field_name)
            self.file.close()  # the temporary file goes with it
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)


def _megabytes(max_bytes: int) -> str:
    return f"{max_bytes / 1_000_000:g}"


def _refuse(request: Any, field_name: str) -> None:
    refused: set[str] = getattr(request, REFUSED_ATTR, set())
    refused.add(field_name)
    setattr(request, REFUSED_ATTR, refused)


def upload_refused(request: HttpRequest, field_name: str) -> bool:
    """Whether the file sent in ``field_name`` (or the whole request) passed the view's limit."""
    refused: set[str] = getattr(request, REFUSED_ATTR, set())
    return field_name in refused or "*" in refused


def upload_limit(max_bytes: int) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Files sent to this view stream to disk and stop at ``max_bytes`` (the CSRF check still runs)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt  # only to let the handler be set first: csrf_protect below runs the same check
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if request.method == "POST" and declared > 2 * max_bytes + ENVELOPE_BYTES:
                # Far too large to be worth reading: nothing of the body is read or parsed.
                context = {"limit_mb": _megabytes(max_bytes), "back": request.path}
                return render(request, "core/upload_too_large.html", context, status=413)
            request.upload_handlers = [LimitedUploadHandler(request, max_bytes)]
            return protected(request, *args, **kwargs)

        return wrapped

    return decorate
