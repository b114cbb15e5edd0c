"""The directory's pages (issue #7): search for the case manager on a phone, a listing, and the forms a
provider (their own organisation's listings) or the program (every listing) keeps it current with."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts import policy
from leadline.accounts.roles import Scope
from leadline.core.decorators import capability_required
from leadline.directory import selectors, services
from leadline.directory.forms import LANGUAGE_NAMES, SearchForm, ServiceForm
from leadline.directory.models import Organization, Service
from leadline.participants.services import StaleEdit


@capability_required("directory.view")
@require_GET
@never_cache
def search(request: HttpRequest) -> HttpResponse:
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


def _for(request: HttpRequest) -> int | None:
    """The participant a case manager is finding a service for (?for=), carried from the plan."""
    raw = request.GET.get("for", "")
    return int(raw) if raw.isdigit() and policy.can(request.user, "service_referral.edit") else None


def _service_or_404(request: HttpRequest, service_id: Any, capability: str = "directory.view") -> Service:
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
def detail(request: HttpRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id)
    may_edit = selectors.services_editable_by(request.user).filter(pk=service.pk).exists()
    return render(request, "directory/detail.html", {
        "s": service, "stale": selectors.is_stale(service), "may_edit": may_edit,
        "languages": [LANGUAGE_NAMES.get(code, code) for code in service.languages],
        "locations": [sal.location for sal in service.service_at_locations.all()],
        "for_pid": _for(request),
    })  # fmt: skip


def _organization_for(request: HttpRequest) -> Organization | None:
    """A provider adds listings to their own organisation; the program chooses (query ?organization=)."""
    user: Any = request.user
    if policy.scope_of(user, "directory.edit") == Scope.ORGANISATION:
        return Organization.objects.filter(agency_id=user.agency_id).first() if user.agency_id else None
    chosen = request.GET.get("organization") or request.POST.get("organization") or ""
    try:
        return Organization.objects.filter(pk=uuid.UUID(chosen)).first()
    except ValueError:
        return None


@capability_required("directory.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def create(request: HttpRequest) -> HttpResponse:
    organization = _organization_for(request)
    organizations = (
        None if policy.scope_of(request.user, "directory.edit") == Scope.ORGANISATION
        else Organization.objects.order_by("name")
    )  # fmt: skip
    form = ServiceForm(request.POST or None)
    if request.method == "POST":
        if organization is None:
            form.add_error(None, _("Choose the organisation that offers this service."))
        if form.is_valid() and organization is not None:
            data = dict(form.cleaned_data)
            terms, _version = data.pop("terms"), data.pop("version", None)
            try:
                service = services.service_create(
                    actor=request.user, organization=organization, terms=terms, **data
                )
            except services.DirectoryRefused as exc:
                form.add_error(exc.field, exc.message)
            else:
                return redirect("directory:detail", service_id=service.pk)
    return render(request, "directory/form.html", {
        "form": form, "organization": organization, "organizations": organizations, "s": None,
    }, status=400 if request.method == "POST" else 200)  # fmt: skip


@capability_required("directory.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def edit(request: HttpRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id, "directory.edit")
    if request.method == "GET":
        form = ServiceForm(instance=service, initial={"version": service.version})
        return render(
            request, "directory/form.html", {"form": form, "s": service, "organization": service.organization}
        )
    form = ServiceForm(request.POST, instance=Service.objects.get(pk=service.pk))
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        terms, version = data.pop("terms"), data.pop("version", None)
        try:
            services.service_update(
                actor=request.user, service_id=service.pk, version=version or 0, terms=terms, **data
            )
        except StaleEdit:
            form.add_error(None, _("Someone else changed this listing while you were working. Read it again "
                                   "and make your change once more."))  # fmt: skip
            status = 409
            service.refresh_from_db()
        else:
            return redirect("directory:detail", service_id=service.pk)
    context = {"form": form, "s": service, "organization": service.organization}
    return render(request, "directory/form.html", context, status=status)


@capability_required("directory.edit")
@require_POST
def verify(request: HttpRequest, service_id: Any) -> HttpResponse:
    service = _service_or_404(request, service_id, "directory.edit")
    services.service_verify(actor=request.user, service_id=service.pk)
    return redirect("directory:detail", service_id=service.pk)
