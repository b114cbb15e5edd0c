"""One error type for every service (issue #16, item 3; decision 0035).

A service that says no raises ``Refused`` (or one of its kinds below) with the field at fault, a message
for the person (already translated) and the HTTP status the API answers with. Views never map a service's
exceptions by hand: a page puts the refusal on its form with :func:`on_form` (or answers with
:func:`response`), and the REST API's handler (``core.api.exception_handler``) turns it into
``{field: [message]}`` with its status. Conflicts — a stale edit, an idempotency key reused for something
else, a record changed by someone else — are 409 everywhere.

Messages name the field and the reason, never participant content (CONVENTIONS habit 2); a ``NotFound``
says only "Not found." whether the record is missing or not allowed (habit 4).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Refused(Exception):
    """A service refused. ``field`` is the form field at fault ("" for the whole request)."""

    status: ClassVar[int] = 400
    default: ClassVar[str | Promise] = _("This was not done.")  # when the service gives no message

    def __init__(self, message: str = "", field: str = "", *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = str(message) or str(self.default)
        self.field = field
        if status is not None:
            self.status = status  # type: ignore[misc]  # one refusal may answer differently from its kind

    def __str__(self) -> str:
        return self.message


class NotAllowed(Refused):
    """The actor may not do this (403)."""

    status = 403
    default = _("You may not do this.")


class NotFound(Refused):
    """No such record, or none this actor may know of (404: the two are never told apart)."""

    status = 404
    default = _("Not found.")


class Conflict(Refused):
    """The record changed since it was read, or a key was reused for something else (409)."""

    status = 409
    default = _("Someone else changed this meanwhile. Read it again.")


class RateLimited(Refused):
    """Too many attempts (429)."""

    status = 429
    default = _("Too many attempts; try again later.")


class IdempotencyConflict(Conflict):
    """A form's (or a request's) idempotency key was already used for something else (409). The field is
    ``idempotency_key``: the API names it; a page has it only as a hidden input, so the refusal goes on
    the whole form there (see :func:`on_form`)."""

    default = _("This form was already used for something else. Open it again.")

    def __init__(
        self, message: str = "", field: str = "idempotency_key", *, status: int | None = None
    ) -> None:
        super().__init__(message, field, status=status)


def on_form(form: Any, exc: Refused) -> None:
    """Put a refusal on the form: on its field when the form shows that field, else on the whole form (a
    hidden input, such as the idempotency key, is nothing the person can correct where it stands)."""
    fields = getattr(form, "fields", {})
    # A refusal that names several fields at once (legal's LegalRefused.errors) puts each on its field.
    several = getattr(exc, "errors", None)
    each = several if isinstance(several, dict) and several else {exc.field: exc.message}
    for field, message in each.items():
        shown = field and field in fields and not fields[field].widget.is_hidden
        form.add_error(field if shown else None, message)


def response(request: HttpRequest, exc: Refused, template: str = "refused.html") -> HttpResponse:
    """A page that answers a refusal with its status and message (for views with no form to show it on)."""
    return render(request, template, {"refusal": exc}, status=exc.status)


def as_api(exc: Refused) -> tuple[dict[str, Any], int]:
    """The REST API's body and status for a refusal: ``{field: [message]}``, or ``{"detail": message}``."""
    if isinstance(exc, NotFound):
        return {"detail": "Not found."}, 404
    if exc.field:
        return {exc.field: [exc.message]}, exc.status
    return {"detail": exc.message}, exc.status
