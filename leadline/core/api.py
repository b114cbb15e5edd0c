"""API plumbing shared by every domain's apis.py: the base view, the error handler, the page, and what the
OpenAPI document says about them (issue #15, item 19: the document and the API must agree)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from leadline.core import refusals

NO_NUL = "^[^\\u0000]*$"  # a text without NUL: DRF refuses it in a body, PostgreSQL in a query
SOME_TEXT = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"  # and not blank once trimmed, as DRF trims it


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with messages that never echo participant content.

    Validation errors name the field and the reason (CONVENTIONS habit 2); 404s say only "Not found."
    whether the record is missing or not allowed (habit 4). A service's refusal answers with its own status
    and ``{field: [message]}`` (``core.refusals``: views map no service error by hand).
    """
    if isinstance(exc, refusals.Refused):
        body, status = refusals.as_api(exc)
        return Response(body, status=status)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 404:
        response.data = {"detail": "Not found."}
    return response


class Schema(AutoSchema):
    """drf-spectacular's, plus what DRF itself enforces on a text in a request body and the schema does not
    say: no NUL character anywhere, and, unless blank is allowed, something left once trimmed. Without
    it the document calls valid a name of three spaces that the API refuses with a 400."""

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and type(field) is serializers.CharField and "pattern" not in schema:
            blank_refused = not field.allow_blank and field.trim_whitespace
            schema["pattern"] = SOME_TEXT if blank_refused else NO_NUL
        if (
            isinstance(field, serializers.DecimalField)
            and "pattern" in schema
            and field.max_digits is not None
            and field.decimal_places
        ):
            # drf-spectacular's ^-?\d{0,N}(?:\.\d{0,M})?$ calls "-" and "." numbers; DRF refuses them.
            whole, places = field.max_digits - field.decimal_places, field.decimal_places
            schema["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        return schema


# Every endpoint of the REST API: JSON in (the only body the document describes), and no NUL in a query
# parameter — a clear 400 naming it, not a PostgreSQL error (a 500) in the search it feeds. (No docstring:
# the OpenAPI document would print it as the description of every endpoint without one of its own.)
class LeadlineApi(APIView):
    parser_classes = [JSONParser]
    schema = Schema()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        for name, value in request.query_params.items():
            if "\x00" in name or "\x00" in value:
                raise exceptions.ValidationError(
                    {name.replace("\x00", ""): ["Null characters are not allowed."]}
                )


class Pages(PageNumberPagination):
    """The API's pages: {count, next, previous, results}, 50 a page; a page past the last is a 404."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1 (past the last page: 404).",
                "schema": {"type": "integer", "minimum": 1},
            }
        ]


# --- The error answers, as the OpenAPI document names them -------------------------------------


class Error(serializers.Serializer):
    """{"detail": "..."}: why a request was refused (401, 403, 404, 429)."""

    detail = serializers.CharField()


class ValidationErrors(serializers.Serializer):
    """{"field": ["reason", ...], ...}: each field named with its reasons ("detail" when the body cannot be
    read at all). Mapped to its schema by ValidationErrorsScheme."""


class ValidationErrorsScheme(OpenApiSerializerExtension):
    target_class = ValidationErrors

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        reasons = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": "Each field named with its reasons; `detail` when the body cannot be read; a list "
            "field's reasons by position.",
            "additionalProperties": {
                "oneOf": [reasons, {"type": "string"}, {"type": "object", "additionalProperties": reasons}]
            },
            "example": {"date_of_birth": ["Give the date of birth or the stated age."]},
        }


ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(ValidationErrors, description="Bad input: each field named with its reasons."),
    401: OpenApiResponse(Error, description="No credentials, or not valid ones (a session needs MFA)."),
    403: OpenApiResponse(Error, description="The role, or the token's scopes, lack the capability."),
    404: OpenApiResponse(Error, description="Not found, or not yours to see: the same answer."),
    409: OpenApiResponse(
        ValidationErrors, description="The idempotency key was already used for a different request."
    ),
    429: OpenApiResponse(Error, description="Too many requests; try again later."),
}


def record_id(name: str) -> OpenApiParameter:
    """A record's id in a path: a whole number from 1 (the URL pattern matches no other, and what it
    does not match is not the API's to answer)."""
    return OpenApiParameter(name, {"type": "integer", "minimum": 1}, OpenApiParameter.PATH)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers an endpoint gives, for ``extend_schema(responses={200: ..., **errors(...)})``.
    400 and 401 are always among them: every endpoint refuses a NUL in a query parameter and needs
    credentials."""
    wanted: Iterable[int] = sorted({400, 401, *codes})
    return {code: ERRORS[code] for code in wanted}
