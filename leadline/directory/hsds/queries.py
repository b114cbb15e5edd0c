"""The querysets the HSDS API reads: who sees what (provider staff: their own organisation's), everything
``shapes.service_full`` reads in a fixed number of queries, the taxonomies, and the filters the API offers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.directory.hsds.shapes import LEADLINE_TAXONOMY, taxonomy_id
from leadline.directory.models import (
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from leadline.directory.selectors import services_visible_to


def with_related(services: QuerySet[Service]) -> QuerySet[Service]:
    """Everything ``service_full`` reads, in a fixed number of queries whatever the page size."""
    return services.select_related("organization").prefetch_related(
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").order_by("location__name", "id"),
        ),
        Prefetch("schedules", queryset=Schedule.objects.order_by("byday", "opens_at", "id")),
        "terms",
    )


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """The organisations the user may read: all, or for provider staff their own organisation."""
    scope = policy.scope_of(user, "directory.view")
    organizations = Organization.objects.all()
    if scope == Scope.ALL:
        return organizations
    if scope == Scope.ORGANISATION and (agency_id := getattr(user, "agency_id", None)):
        return organizations.filter(agency_id=agency_id)
    return organizations.none()


def service_at_locations_visible_to(user: User) -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__in=services_visible_to(user))


def may_manage_whole_directory(user: User) -> bool:
    """Exporting and importing the whole directory: an editor of every listing (not a provider, whose
    editing reaches its own organisation only)."""
    return policy.scope_of(user, "directory.edit") == Scope.ALL


def taxonomy_names() -> list[str]:
    names = set(TaxonomyTerm.objects.values_list("taxonomy", flat=True).distinct())
    return sorted(names | {LEADLINE_TAXONOMY})


def taxonomy_name_for(taxonomy_uuid: Any) -> str | None:
    wanted = str(taxonomy_uuid)
    return next((name for name in taxonomy_names() if taxonomy_id(name) == wanted), None)


def services_filtered(
    services: QuerySet[Service], *, search: str = "", taxonomy_term_id: str | None = None,
    taxonomy: tuple[bool, str | None] = (False, None), organization_id: str | None = None,
    modified_after: datetime | None = None,
) -> QuerySet[Service]:  # fmt: skip
    if search:
        services = services.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if taxonomy_term_id:
        services = services.filter(terms__id=taxonomy_term_id)
    asked, taxonomy_name = taxonomy  # (whether a taxonomy was asked for, its name or None if unknown)
    if asked:
        services = services.filter(terms__taxonomy=taxonomy_name) if taxonomy_name else services.none()
    if organization_id:
        services = services.filter(organization_id=organization_id)
    if modified_after:
        services = services.filter(updated_at__gte=modified_after)
    return services.distinct()
