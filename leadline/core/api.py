"""API plumbing shared by every domain's apis.py."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with messages that never echo participant content.

    Validation errors name the field and the reason (CONVENTIONS habit 2); 404s say only "Not found."
    whether the record is missing or not allowed (habit 4).
    """
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 404:
        response.data = {"detail": "Not found."}
    return response
