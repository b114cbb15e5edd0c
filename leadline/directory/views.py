"""The directory's pages (issue #7): search for the case manager on a phone, a listing, and the forms a
provider (their own organisation's listings) or the program (every listing) keeps it current with."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.accounts.roles import Scope
from leadline.core import refusals
from leadline.directory import selectors, services
from leadline.directory.forms import (
    LANGUAGE_NAMES,
    HoursFormSet,
    PlacesForm,
    SearchForm,
    ServiceForm,
    days_text,
)
from leadline.directory.models import Organization, Schedule, Service
from leadline.participants.services import StaleEdit


@capability_required("directory.view")
@require_GET
@never_cache
def search(request: AuthedRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    criteria: dict[str, Any] = {}
    if form.is_valid():
        criteria = {k: v for k, v in form.cleaned_data.items() if v}
    page = Paginator(selectors.directory_search(request.user, **criteria), 25).get_page(
        request.GET.get("page")
    )
    editable = selectors.services_editable_by(request.user)
    return render(request, "directory/search.html", {
        "form": form, "page": page, "searched": bool(criteria),
        "querystring": urlencode({k: ("on" if v is True else v) for k, v in criteria.items()}),
        "stale_ids": {s.pk for s in page if selectors.is_stale(s)},
        "needs_checking": list(selectors.stale(editable).order_by("name")[:20]),
        "may_add": policy.can(request.user, "directory.edit"), "languages": LANGUAGE_NAMES,
        "for_pid": _for(request),
    })  # fmt: skip


def _for(request: AuthedRequest) -> int | None:
    """The participant a case manager is finding a service for (?for=), carried from the plan."""
    raw = request.GET.get("for", "")
    return int(raw) if raw.isdigit() and policy.can(request.user, "service_referral.edit") else None


def _service_or_404(request: AuthedRequest, service_id: Any, capability: str = "directory.view") -> Service:
    scoped = (
        selectors.services_visible_to(request.user)
        if capability == "directory.view"
        else selectors.services_editable_by(request.user)
    )
    service = (
        scoped.prefetch_related("terms", "schedules", "service_at_locations__location")
        .filter(pk=service_id)
        .first()
    )
    if service is None:
        raise Http404
    return service


@capability_required("directory.view")
@require_GET
@never_cache
def detail(request: AuthedRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id)
    may_edit = selectors.services_editable_by(request.user).filter(pk=service.pk).exists()
    return render(request, "directory/detail.html", {
        "s": service, "stale": selectors.is_stale(service), "may_edit": may_edit,
        "languages": [LANGUAGE_NAMES.get(code, code) for code in service.languages],
        "locations": _places_of(service),
        "hours": [(days_text(h.byday), h) for h in _hours_of(service)],
        "for_pid": _for(request),
    })  # fmt: skip


def _places_of(service: Service) -> list[Any]:
    return sorted((sal.location for sal in service.service_at_locations.all()), key=lambda loc: loc.name)


def _hours_of(service: Service) -> list[Schedule]:
    """Opening hours in the week's order: by the first day, then the opening time."""

    def first_day(h: Schedule) -> int:
        codes = h.byday.split(",")
        return min((Schedule.DAYS.index(c) for c in codes if c in Schedule.DAYS), default=len(Schedule.DAYS))

    return sorted(service.schedules.all(), key=lambda h: (first_day(h), h.opens_at or time.min))


def _organization_for(request: HttpRequest) -> Organization | None:
    """A provider adds listings to their own organisation; the program chooses (query ?organization=)."""
    user: Any = request.user
    if policy.scope_of(user, "directory.edit") == Scope.ORGANISATION:
        return Organization.objects.filter(agency_id=user.agency_id).first() if user.agency_id else None
    # What was sent wins over the address the form was opened at (?organization=), and the places
    # offered to tick were that organisation's.
    chosen = (request.POST if request.method == "POST" else request.GET).get("organization") or ""
    try:
        return Organization.objects.filter(pk=uuid.UUID(chosen)).first()
    except ValueError:
        return None


HOURS_PREFIX = "hours"


class _Parts:
    """The listing form's three parts: the service's own fields, where it is offered, its opening hours.

    A POST without the hours' management form came from a page that did not show places and hours (an
    older page, a script): those are then left as they are, rather than read as "none"."""

    def __init__(self, request: HttpRequest, organization: Organization | None, service: Service | None):
        data = request.POST if request.method == "POST" else None
        self.sent = data is not None and f"{HOURS_PREFIX}-TOTAL_FORMS" in data
        bound = data if self.sent else None
        self.places = PlacesForm(bound, organization=organization, initial={
            "locations": [sal.location_id for sal in service.service_at_locations.all()] if service else [],
        })  # fmt: skip
        self.hours = HoursFormSet(bound, prefix=HOURS_PREFIX, initial=[
            {"id": h.pk, "days": h.byday.split(","), "opens_at": h.opens_at, "closes_at": h.closes_at,
             "description": h.description} for h in (_hours_of(service) if service else [])
        ])  # fmt: skip

    def is_valid(self) -> bool:
        return not self.sent or all([self.places.is_valid(), self.hours.is_valid()])  # both: every error

    def changes(self) -> dict[str, Any]:
        """The keyword arguments for service_create / service_update."""
        if not self.sent:
            return {}
        return {"locations": list(self.places.cleaned_data["locations"]),
                "new_location": self.places.new_location(), "schedules": self.hours.hours()}  # fmt: skip

    def refused(self, form: ServiceForm, exc: refusals.Refused) -> None:
        refusals.on_form(self.places if exc.field in self.places.fields else form, exc)


def _error_summary(form: ServiceForm, parts: _Parts) -> list[tuple[str, str, str]]:
    """Every error on the page as (the id of the field to jump to, the field's name, the message): the
    service's fields, then the places, then each row of hours ("Hours 2 · Closes")."""
    items: list[tuple[str, str, str]] = []

    def add(each: Any, label_prefix: str = "") -> None:
        items.extend(("", "", str(error)) for error in each.non_field_errors())
        for field in each:
            multiple = field.widget_type == "checkboxselectmultiple"  # jump to the first box
            anchor = f"{field.auto_id}_0" if multiple else field.id_for_label
            items.extend((anchor, f"{label_prefix}{field.label}", str(error)) for error in field.errors)

    add(form)
    if parts.sent:
        add(parts.places)
        items.extend(("", "", str(error)) for error in parts.hours.non_form_errors())
        for number, row in enumerate(parts.hours.forms, start=1):
            add(row, _("Hours %(number)s") % {"number": number} + " · ")
    return items


def _render_form(
    request: HttpRequest, form: ServiceForm, parts: _Parts, status: int, **context: Any
) -> HttpResponse:
    return render(request, "directory/form.html", {
        "form": form, "places": parts.places, "hours": parts.hours, "errors": _error_summary(form, parts),
        **context,
    }, status=status)  # fmt: skip


@capability_required("directory.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def create(request: AuthedRequest) -> HttpResponse:
    organization = _organization_for(request)
    organizations = (
        None if policy.scope_of(request.user, "directory.edit") == Scope.ORGANISATION
        else Organization.objects.order_by("name")
    )  # fmt: skip
    form = ServiceForm(request.POST or None)
    parts = _Parts(request, organization, None)
    if request.method == "POST":
        if organization is None:
            form.add_error(None, _("Choose the organisation that offers this service."))
        if all([form.is_valid(), parts.is_valid()]) and organization is not None:
            data = dict(form.cleaned_data)
            terms, _version = data.pop("terms"), data.pop("version", None)
            try:
                service = services.service_create(
                    actor=request.user, organization=organization, terms=terms, **parts.changes(), **data
                )
            except refusals.Refused as exc:
                parts.refused(form, exc)
            else:
                return redirect("directory:detail", service_id=service.pk)
    return _render_form(
        request, form, parts, 400 if request.method == "POST" else 200,
        organization=organization, organizations=organizations, s=None,
    )  # fmt: skip


@capability_required("directory.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def edit(request: AuthedRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id, "directory.edit")
    parts = _Parts(request, service.organization, service)
    context = {"s": service, "organization": service.organization}
    if request.method == "GET":
        form = ServiceForm(instance=service, initial={"version": service.version})
        return _render_form(request, form, parts, 200, **context)
    form = ServiceForm(request.POST, instance=Service.objects.get(pk=service.pk))
    status = 400
    if all([form.is_valid(), parts.is_valid()]):
        data = dict(form.cleaned_data)
        terms, version = data.pop("terms"), data.pop("version", None)
        try:
            services.service_update(
                actor=request.user, service_id=service.pk, version=version or 0, terms=terms,
                **parts.changes(), **data,
            )  # fmt: skip
        except StaleEdit:
            form.add_error(None, _("Someone else changed this listing while you were working. Read it again "
                                   "and make your change once more."))  # fmt: skip
            status = 409
            service.refresh_from_db()
        except refusals.Refused as exc:
            parts.refused(form, exc)
        else:
            return redirect("directory:detail", service_id=service.pk)
    return _render_form(request, form, parts, status, **context)


@capability_required("directory.edit")
@require_POST
def verify(request: AuthedRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id, "directory.edit")
    services.service_verify(actor=request.user, service_id=service.pk)
    return redirect("directory:detail", service_id=service.pk)
