"""The HSDS 3.0 read-only API (/api/hsds/) and the whole-directory export and import pages.

The API is not public: a site may list confidential places (a women's shelter's address), so it answers
only a signed-in session (with MFA) or an API token, holding ``directory.view``; provider staff read their
own organisation's records (docs/decisions/0020). Anonymous: 401; no capability: 403; a record out of
scope or missing: 404.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedApiRequest, AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core.api import NO_NUL, LeadlineApi, errors
from leadline.core.imports import import_job_create, import_jobs_recent_for
from leadline.core.uploads import upload_limit, upload_refused
from leadline.directory.hsds import export, queries, shapes
from leadline.directory.models import Location, ServiceAtLocation, TaxonomyTerm
from leadline.directory.selectors import services_visible_to
from leadline.directory.tasks import hsds_import_run

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_IMPORT_BYTES = 10 * 1024 * 1024


# --- Query parameters: a clear 400 naming the parameter ------------------------------------------


def _bad(param: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({param: [message]})


def _positive(request: Request, param: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(param)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(param, _("A whole number, 1 or more.")) from None
    if value < 1 or (maximum is not None and value > maximum):
        raise _bad(param, _("A whole number from 1 to %(max)s.") % {"max": maximum} if maximum else
                   _("A whole number, 1 or more."))  # fmt: skip
    return value


def _flag(request: Request, param: str) -> bool:
    raw = (request.query_params.get(param) or "").lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise _bad(param, _("true or false."))


def _uuid(request: Request, param: str) -> str | None:
    raw = request.query_params.get(param)
    if not raw:
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise _bad(param, _("A UUID.")) from None


def _moment(request: Request, param: str) -> datetime | None:
    raw = request.query_params.get(param)
    if not raw:
        return None
    try:  # a well-formed impossible date (2026-02-30) raises ValueError: a 400 like any other
        moment = parse_datetime(raw)
        day = parse_date(raw) if moment is None else None
    except ValueError:
        moment = day = None
    if moment is None:
        if day is None:
            raise _bad(param, _("A date and time (ISO 8601), such as 2026-01-31T00:00:00Z."))
        moment = datetime(day.year, day.month, day.day)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # HSDS: UTC unless it says
    try:  # as UTC: PostgreSQL refuses an offset past 15:59 (a 500 found by schemathesis, issue #15 item 19)
        return moment.astimezone(UTC)
    except OverflowError:  # the calendar's first or last day, moved past its end by the offset
        raise _bad(param, _("A date and time (ISO 8601), such as 2026-01-31T00:00:00Z.")) from None


def _taxonomy(request: Request) -> tuple[bool, str | None]:
    """Whether ``taxonomy_id`` was given, and the name of the taxonomy it names (None: no such taxonomy,
    so nothing matches)."""
    wanted = _uuid(request, "taxonomy_id")
    return (wanted is not None, queries.taxonomy_name_for(wanted) if wanted else None)


def _page(
    request: Request, items: QuerySet[Any] | Sequence[Any], render_item: Callable[[Any], Any]
) -> Response:
    total = items.count() if isinstance(items, QuerySet) else len(items)
    return _page_of(request, total, lambda start, stop: [render_item(i) for i in items[start:stop]])


def _page_of(request: Request, total: int, fetch: Callable[[int, int], list[Any]]) -> Response:
    """The HSDS Page: total_items, total_pages, page_number, size (items asked per page), first_page,
    last_page, empty, contents (``fetch(start, stop)``)."""
    per_page = _positive(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    number = _positive(request, "page", 1)
    pages = math.ceil(total / per_page)
    start = (number - 1) * per_page
    contents = fetch(start, start + per_page) if start < total else []
    return Response(
        {
            "total_items": total,
            "total_pages": pages,
            "page_number": number,
            "size": per_page,
            "first_page": number == 1,
            "last_page": number >= pages,
            "empty": not contents,
            "contents": contents,
        }
    )


def _get(queryset: QuerySet[Any], raw_id: str) -> Any:
    """One record by its HSDS id, among those the user may read; else 404, the same whichever."""
    try:
        key = uuid.UUID(raw_id)
    except ValueError:
        raise exceptions.NotFound from None
    found = queryset.filter(pk=key).first()
    if found is None:
        raise exceptions.NotFound
    return found


# --- The API ------------------------------------------------------------------------------------

PAGE_PARAMS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number, from 1."),
    OpenApiParameter(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        description=f"Items per page (at most {MAX_PER_PAGE}).",
    ),
    OpenApiParameter(
        "search", {"type": "string", "pattern": NO_NUL}, description="Words in the name or description."
    ),
]
# The HSDS Page (_page_of); each item's shape is HSDS's own (its openapi.json), not repeated here.
PAGE = {
    "type": "object",
    "required": [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ],
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer"},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
}
LIST = {200: PAGE, **errors(403)}  # 400: a parameter that is not what it says
ONE = {200: OpenApiTypes.OBJECT, **errors(403, 404)}
SERVICE_FILTERS = [
    OpenApiParameter("taxonomy_term_id", OpenApiTypes.UUID),
    OpenApiParameter("taxonomy_id", OpenApiTypes.UUID),
    OpenApiParameter("organization_id", OpenApiTypes.UUID),
    OpenApiParameter("modified_after", OpenApiTypes.DATETIME),
    OpenApiParameter("full", OpenApiTypes.BOOL, description="Fully nested records."),
]


class HsdsApi(LeadlineApi):
    """Every HSDS endpoint: authenticated (session with MFA, or token) and holding directory.view."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication first: anonymous is 401
        if not policy.can(request.user, "directory.view"):
            raise exceptions.PermissionDenied


class HsdsRootApi(HsdsApi):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **errors(403)}, operation_id="hsds_root", tags=["hsds"]
    )
    def get(self, request: Request) -> Response:
        """This API and its relationship with HSDS."""
        return Response(
            {
                "version": shapes.HSDS_VERSION,
                "profile": shapes.HSDS_PROFILE,
                "openapi_url": shapes.HSDS_OPENAPI_URL,
            }
        )


def _minimal(service: Any) -> dict[str, Any]:
    return {"id": str(service.id), "last_modified": shapes.timestamp(service.updated_at)}


class ServiceListApi(HsdsApi):
    @extend_schema(
        parameters=[*PAGE_PARAMS, *SERVICE_FILTERS,
                    OpenApiParameter("minimal", OpenApiTypes.BOOL, description="Only id and last_modified.")],
        responses=LIST, operation_id="hsds_services_list", tags=["hsds"],
    )  # fmt: skip
    def get(self, request: AuthedApiRequest) -> Response:
        """Services, a page at a time (HSDS service_list items; full=true for full services)."""
        full, minimal = _flag(request, "full"), _flag(request, "minimal")
        services = queries.services_filtered(
            services_visible_to(request.user),
            search=request.query_params.get("search", "").strip(),
            taxonomy_term_id=_uuid(request, "taxonomy_term_id"),
            taxonomy=_taxonomy(request),
            organization_id=_uuid(request, "organization_id"),
            modified_after=_moment(request, "modified_after"),
        ).order_by("name", "id")
        if minimal:
            return _page(request, services.select_related(None).only("id", "updated_at"), _minimal)
        if full:
            return _page(request, queries.with_related(services), shapes.service_full)
        return _page(request, services, shapes.service_list_item)


class ServiceDetailApi(HsdsApi):
    @extend_schema(responses=ONE, operation_id="hsds_services_retrieve", tags=["hsds"])
    def get(self, request: AuthedApiRequest, id: str) -> Response:
        """A fully nested service."""
        return Response(
            shapes.service_full(_get(queries.with_related(services_visible_to(request.user)), id))
        )


def _organizations(request: AuthedApiRequest, *, full_services: bool = False) -> QuerySet[Any]:
    """The organisations the user may read, with their locations and the services the user may read
    (``visible_services``), each fetched once for a whole page."""
    services = services_visible_to(request.user).order_by("name", "id")
    return queries.organizations_visible_to(request.user).prefetch_related(
        Prefetch("locations", queryset=Location.objects.order_by("name", "id")),
        Prefetch("services", queryset=queries.with_related(services) if full_services else services,
                 to_attr="visible_services"),
    )  # fmt: skip


def _organization_full(org: Any, full_services: bool) -> dict[str, Any]:
    return shapes.organization_full(org, services=org.visible_services, full_services=full_services)


class OrganizationListApi(HsdsApi):
    @extend_schema(
        parameters=[*PAGE_PARAMS, OpenApiParameter("full", OpenApiTypes.BOOL),
                    OpenApiParameter("full_service", OpenApiTypes.BOOL)],
        responses=LIST, operation_id="hsds_organizations_list", tags=["hsds"],
    )  # fmt: skip
    def get(self, request: AuthedApiRequest) -> Response:
        """Organisations, a page at a time (one-to-one fields; full=true for nested ones)."""
        full, full_services = _flag(request, "full"), _flag(request, "full_service")
        organizations = _organizations(request, full_services=full_services).order_by("name", "id")
        search = request.query_params.get("search", "").strip()
        if search:
            organizations = organizations.filter(Q(name__icontains=search) | Q(description__icontains=search))
        if full or full_services:
            return _page(request, organizations, lambda o: _organization_full(o, full_services))
        return _page(request, organizations, shapes.organization_list_item)


class OrganizationDetailApi(HsdsApi):
    @extend_schema(
        parameters=[OpenApiParameter("full_service", OpenApiTypes.BOOL)],
        responses=ONE, operation_id="hsds_organizations_retrieve", tags=["hsds"],
    )  # fmt: skip
    def get(self, request: AuthedApiRequest, id: str) -> Response:
        """An organisation with its locations and services (list items; full_service=true for full)."""
        full_services = _flag(request, "full_service")
        org = _get(_organizations(request, full_services=full_services), id)
        return Response(_organization_full(org, full_services))


class TaxonomyListApi(HsdsApi):
    @extend_schema(parameters=PAGE_PARAMS, responses=LIST, operation_id="hsds_taxonomies_list",
                   tags=["hsds"])  # fmt: skip
    def get(self, request: Request) -> Response:
        """The taxonomies the directory's terms come from."""
        search = request.query_params.get("search", "").strip().lower()
        names = [n for n in queries.taxonomy_names() if search in n.lower()]
        return _page(request, names, shapes.taxonomy)


class TaxonomyDetailApi(HsdsApi):
    @extend_schema(responses=ONE, operation_id="hsds_taxonomies_retrieve", tags=["hsds"])
    def get(self, request: Request, id: str) -> Response:
        name = queries.taxonomy_name_for(id)
        if name is None:
            raise exceptions.NotFound
        return Response(shapes.taxonomy(name))


class TaxonomyTermListApi(HsdsApi):
    @extend_schema(
        parameters=[*PAGE_PARAMS, OpenApiParameter("taxonomy_id", OpenApiTypes.UUID),
                    OpenApiParameter("parent_id", OpenApiTypes.UUID),
                    OpenApiParameter("top_only", OpenApiTypes.BOOL, description="Top-level terms.")],
        responses=LIST, operation_id="hsds_taxonomy_terms_list", tags=["hsds"],
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        """Taxonomy terms: the kinds of service, and Leadline's open places and waitlist attributes."""
        terms = TaxonomyTerm.objects.order_by("taxonomy", "code")
        extra = shapes.leadline_attribute_terms()
        search = request.query_params.get("search", "").strip()
        if search:
            terms = terms.filter(Q(name__icontains=search) | Q(code__icontains=search))
            extra = [t for t in extra if search.lower() in (t["name"] + " " + t["code"]).lower()]
        asked, taxonomy_name = _taxonomy(request)
        if asked:
            terms = terms.filter(taxonomy=taxonomy_name) if taxonomy_name else terms.none()
            extra = [t for t in extra if t["taxonomy"] == taxonomy_name]
        parent = _uuid(request, "parent_id")
        if parent:
            terms, extra = terms.filter(parent_id=uuid.UUID(parent)), []
        if _flag(request, "top_only"):
            terms = terms.filter(parent__isnull=True)
        # The terms in the database, then Leadline's attribute terms after them.
        stored = terms.count()

        def fetch(start: int, stop: int) -> list[Any]:
            rows = (
                [shapes.taxonomy_term(t) for t in terms[start : min(stop, stored)]] if start < stored else []
            )
            return rows + extra[max(start - stored, 0) : max(stop - stored, 0)]

        return _page_of(request, stored + len(extra), fetch)


class TaxonomyTermDetailApi(HsdsApi):
    @extend_schema(responses=ONE, operation_id="hsds_taxonomy_terms_retrieve", tags=["hsds"])
    def get(self, request: Request, id: str) -> Response:
        extra = next((t for t in shapes.leadline_attribute_terms() if t["id"] == id), None)
        if extra is not None:
            return Response(extra)
        return Response(shapes.taxonomy_term(_get(TaxonomyTerm.objects.all(), id)))


def _service_at_locations(request: AuthedApiRequest) -> QuerySet[ServiceAtLocation]:
    return queries.service_at_locations_visible_to(request.user).select_related(
        "location", "service", "service__organization"
    )


class ServiceAtLocationListApi(HsdsApi):
    @extend_schema(
        parameters=[*PAGE_PARAMS, *SERVICE_FILTERS,
                    OpenApiParameter("postcode", {"type": "string", "pattern": NO_NUL})],
        responses=LIST, operation_id="hsds_service_at_locations_list", tags=["hsds"],
    )  # fmt: skip
    def get(self, request: AuthedApiRequest) -> Response:
        """Services at locations, a page at a time (full=true for the location in full)."""
        services = queries.services_filtered(
            services_visible_to(request.user),
            search=request.query_params.get("search", "").strip(),
            taxonomy_term_id=_uuid(request, "taxonomy_term_id"),
            taxonomy=_taxonomy(request),
            organization_id=_uuid(request, "organization_id"),
            modified_after=_moment(request, "modified_after"),
        )
        items = _service_at_locations(request).filter(service__in=services)
        postcode = request.query_params.get("postcode", "").strip()
        if postcode:
            items = items.filter(location__postal_code__iexact=postcode)
        items = items.order_by("service__name", "location__name", "id")
        if _flag(request, "full"):
            return _page(request, items, shapes.service_at_location_full)
        return _page(request, items, shapes.service_at_location_list_item)


class ServiceAtLocationDetailApi(HsdsApi):
    @extend_schema(responses=ONE, operation_id="hsds_service_at_locations_retrieve", tags=["hsds"])
    def get(self, request: AuthedApiRequest, id: str) -> Response:
        """A service at a location, the location in full."""
        return Response(shapes.service_at_location_full(_get(_service_at_locations(request), id)))


# --- Export and import of the whole directory (pages) ------------------------------------------


def whole_directory_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """directory.edit over every organisation (program manager, site administrator); provider staff,
    whose editing reaches their own organisation only, are refused (403)."""

    @capability_required("directory.edit")
    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not queries.may_manage_whole_directory(request.user):
            audit_record(actor=request.user, action=AuditEvent.Action.DENIED, reason="directory.edit (all)")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _audit_export(request: HttpRequest, what: str) -> None:
    audit_record(actor=request.user, action=AuditEvent.Action.EXPORT, subject_type="directory",
                 reason=f"HSDS export ({what})")  # fmt: skip


@whole_directory_required
@require_GET
def export_json(request: AuthedRequest) -> HttpResponse:
    document = export.export_document()
    _audit_export(request, "json")
    response = JsonResponse(document, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="leadline-directory-hsds.json"'
    return response


@whole_directory_required
@require_GET
def export_zip(request: AuthedRequest) -> HttpResponse:
    data = export.export_zip()
    _audit_export(request, "csv")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="leadline-directory-hsds.zip"'
    return response


class HsdsImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("HSDS file (JSON)"),
        help_text=gettext_lazy("A list of HSDS services, or a file exported from a Leadline directory."),
    )


@whole_directory_required
@upload_limit(MAX_IMPORT_BYTES)
@require_http_methods(["GET", "POST"])
def import_view(request: AuthedRequest) -> HttpResponse:
    """The file is kept in a background job (issue #15 item 8): read, checked and written by the task
    worker, followed on the job's page (a 9.9 MB file timed out inside the request)."""
    form = HsdsImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if upload_refused(request, "file"):
            form.is_valid()
            form.errors["file"] = form.error_class([_("The file is larger than 10 MB.")])
        elif form.is_valid():
            job = import_job_create(owner=request.user, kind="directory", upload=form.cleaned_data["file"],
                                    enqueue=hsds_import_run.enqueue)  # fmt: skip
            return redirect("core:import_job", job_id=job.pk)
        status = 400
    jobs = import_jobs_recent_for(user=request.user, kind="directory")
    return render(request, "directory/import.html", {"form": form, "jobs": jobs}, status=status)
