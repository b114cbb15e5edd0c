"""Directory records as HSDS 3.0 objects: the JSON shapes the HSDS API answers with and the export file
holds (``service_full``, ``service_list_item``, ``organization_full``, ``organization_list_item``,
``location_full``, ``service_at_location_full``, ``service_at_location_list_item``, ``taxonomy_term``,
``taxonomy``), and the ids HSDS wants on objects Leadline keeps as fields of their parent.

HSDS wants an id on every object, also on those Leadline keeps as a field of its parent (a service's
languages and phone, a location's address, the attributes linking a service to its terms). Those ids are
derived (UUID5 of the parent's id and what the object is), so an export always gives the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from django.conf.locale import LANG_INFO

from leadline.core import clock
from leadline.directory.models import (
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

HSDS_VERSION = "3.0"
HSDS_PROFILE = "https://docs.openreferral.org/en/v3.0/"  # plain HSDS 3.0, no profile
HSDS_OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

# Derived ids are UUID5 in this namespace. It must never change: the ids are what other systems keep.
NAMESPACE = uuid.UUID("8d5b6a52-2f0e-4c55-9a1c-6b0f3f1f9c31")

# Leadline's own taxonomy. Besides the kinds of service (TaxonomyTerm rows), it names two attributes
# that are not kinds of service and are never rows: a service's open places and whether it has a waitlist.
LEADLINE_TAXONOMY = "leadline"
CAPACITY = "capacity"
WAITLIST = "waitlist"
LEADLINE_ATTRIBUTES = {
    CAPACITY: ("Open places", "How many people the service can take now (Leadline)."),
    WAITLIST: ("Has a waitlist", "Whether people wait for a place: true or false (Leadline)."),
}
TAXONOMY_DESCRIPTIONS = {LEADLINE_TAXONOMY: "Leadline's kinds of service and service attributes."}


def derived_id(*parts: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def taxonomy_id(name: str) -> str:
    return derived_id("taxonomy", name)


def leadline_term_id(code: str) -> str:
    return derived_id("taxonomy_term", LEADLINE_TAXONOMY, code)


def _compact(obj: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """Leave out empty values: HSDS fields are optional unless required, and an empty string is not a
    valid email or URL."""
    kept = set(keep)
    return {k: v for k, v in obj.items() if k in kept or v not in (None, "")}


def timestamp(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


# --- Reading: records as HSDS objects ----------------------------------------------------------


def taxonomy(name: str) -> dict[str, Any]:
    return {
        "id": taxonomy_id(name),
        "name": name,
        "description": TAXONOMY_DESCRIPTIONS.get(name, f"Terms of the {name} taxonomy."),
    }


def taxonomy_term(term: TaxonomyTerm) -> dict[str, Any]:
    return _compact(
        {
            "id": str(term.id),
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": str(term.parent_id) if term.parent_id else None,
            "taxonomy": term.taxonomy,
            "taxonomy_id": taxonomy_id(term.taxonomy),
            "taxonomy_detail": taxonomy(term.taxonomy),
        },
        keep=["description"],
    )


def leadline_attribute_term(code: str) -> dict[str, Any]:
    name, description = LEADLINE_ATTRIBUTES[code]
    return {
        "id": leadline_term_id(code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": LEADLINE_TAXONOMY,
        "taxonomy_id": taxonomy_id(LEADLINE_TAXONOMY),
        "taxonomy_detail": taxonomy(LEADLINE_TAXONOMY),
    }


def leadline_attribute_terms() -> list[dict[str, Any]]:
    return [leadline_attribute_term(code) for code in LEADLINE_ATTRIBUTES]


def _phones(entity: str, owner_id: Any, number: str) -> list[dict[str, Any]]:
    if not number:
        return []
    return [{"id": derived_id("phone", entity, owner_id), f"{entity}_id": str(owner_id), "number": number}]


def organization_list_item(org: Organization) -> dict[str, Any]:
    return _compact(
        {
            "id": str(org.id),
            "name": org.name,
            "alternate_name": org.alternate_name,
            "description": org.description,
            "email": org.email,
            "website": org.website,
        },
        keep=["description"],
    )


def organization_full(
    org: Organization, *, services: Sequence[Service] | None = None, full_services: bool = False
) -> dict[str, Any]:
    """An organisation with its phone and locations, and (when given) its services: list items, or
    full services with ``full_services``."""
    data = {
        **organization_list_item(org),
        "phones": _phones("organization", org.id, org.phone),
        "locations": [location_full(loc) for loc in org.locations.all()],
    }
    if services is not None:
        data["services"] = [service_full(s) if full_services else service_list_item(s) for s in services]
    return data


def location_list_item(loc: Location) -> dict[str, Any]:
    return _compact(
        {
            "id": str(loc.id),
            "location_type": "physical",
            "organization_id": str(loc.organization_id),
            "name": loc.name,
            "transportation": loc.transportation,
            "latitude": _number(loc.latitude),
            "longitude": _number(loc.longitude),
        }
    )


def location_full(loc: Location) -> dict[str, Any]:
    address = {
        "id": derived_id("address", loc.id),
        "location_id": str(loc.id),
        "address_1": loc.address_1,
        "city": loc.city,
        "state_province": loc.state_province,
        "postal_code": loc.postal_code,
        "country": loc.country,
        "address_type": "physical",
    }  # every field is required by HSDS, so empty ones stay
    return {**location_list_item(loc), "addresses": [address]}


def _languages(service: Service) -> list[dict[str, Any]]:
    return [
        {
            "id": derived_id("language", service.id, code),
            "service_id": str(service.id),
            "name": LANG_INFO.get(code, {}).get("name", code),
            "code": code,
        }
        for code in service.languages
    ]


def _attribute(service: Service, term: dict[str, Any], value: str | None = None) -> dict[str, Any]:
    return _compact(
        {
            "id": derived_id("attribute", "service", service.id, term["id"]),
            "link_id": str(service.id),
            "link_entity": "service",
            "taxonomy_term_id": term["id"],
            "taxonomy_term": term,
            "value": value,
        }
    )


def _attributes(service: Service) -> list[dict[str, Any]]:
    """The service's kinds (its taxonomy terms), then Leadline's open places and waitlist."""
    out = [_attribute(service, taxonomy_term(t)) for t in sorted(service.terms.all(), key=_term_order)]
    if service.capacity is not None:
        out.append(_attribute(service, leadline_attribute_term(CAPACITY), str(service.capacity)))
    out.append(
        _attribute(service, leadline_attribute_term(WAITLIST), "true" if service.waitlist else "false")
    )
    return out


def _term_order(term: TaxonomyTerm) -> tuple[str, str]:
    return (term.taxonomy, term.code)


def schedule(item: Schedule) -> dict[str, Any]:
    return _compact(
        {
            "id": str(item.id),
            "service_id": str(item.service_id),
            "freq": "WEEKLY",
            "byday": item.byday,
            "opens_at": _hhmm(item.opens_at),
            "closes_at": _hhmm(item.closes_at),
            "description": item.description,
        }
    )


def service_list_item(service: Service) -> dict[str, Any]:
    """A service's one-to-one fields and its organisation (HSDS compiled/service_list.json)."""
    return {
        **_compact(
            {
                "id": str(service.id),
                "organization_id": str(service.organization_id),
                "name": service.name,
                "alternate_name": service.alternate_name,
                "description": service.description,
                "url": service.url,
                "email": service.email,
                "status": service.status,
                "application_process": service.application_process,
                "fees_description": service.fees_description,
                "wait_time": service.wait_time,
                "eligibility_description": service.eligibility_description,
                "minimum_age": service.minimum_age,
                "maximum_age": service.maximum_age,
                "assured_date": (
                    clock.local_date(service.last_verified_at).isoformat()
                    if service.last_verified_at
                    else None
                ),
                "last_modified": timestamp(service.updated_at),
            }
        ),
        "organization": organization_list_item(service.organization),
    }


def service_full(service: Service) -> dict[str, Any]:
    """The fully nested service (HSDS compiled/service.json). Use ``with_related`` on the queryset."""
    return {
        **service_list_item(service),
        "organization": {
            **organization_list_item(service.organization),
            "phones": _phones("organization", service.organization_id, service.organization.phone),
        },
        "phones": _phones("service", service.id, service.phone),
        "schedules": [schedule(s) for s in service.schedules.all()],
        "service_at_locations": [_service_at_location(sal) for sal in service.service_at_locations.all()],
        "languages": _languages(service),
        "attributes": _attributes(service),
    }


def _service_at_location(sal: ServiceAtLocation) -> dict[str, Any]:
    return _compact(
        {
            "id": str(sal.id),
            "service_id": str(sal.service_id),
            "location_id": str(sal.location_id),
            "description": sal.description,
            "location": location_full(sal.location),
        }
    )


def service_at_location_full(sal: ServiceAtLocation) -> dict[str, Any]:
    """A service at a location, with the location in full and the service's one-to-one fields."""
    return {**_service_at_location(sal), "service": service_list_item(sal.service)}


def service_at_location_list_item(sal: ServiceAtLocation) -> dict[str, Any]:
    return {
        **_compact(
            {
                "id": str(sal.id),
                "service_id": str(sal.service_id),
                "location_id": str(sal.location_id),
                "description": sal.description,
            }
        ),
        "location": location_list_item(sal.location),
        "service": service_list_item(sal.service),
    }
