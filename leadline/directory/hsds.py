"""The service directory in Open Referral HSDS 3.0: the JSON shapes of the HSDS API and of the export file,
the tabular (CSV) form, and the import (docs/decisions/0020).

Reading: ``service_full``, ``service_list_item``, ``organization_full``, ``organization_list_item``,
``location_full``, ``service_at_location_full``, ``service_at_location_list_item``, ``taxonomy_term``
and ``taxonomy`` turn records into HSDS objects; ``export_document`` is the whole directory as one JSON
file and ``export_zip`` as the HSDS tabular CSVs. The ``*_visible_to`` selectors answer which records a
user may read through the API (provider staff: their own organisation's).

Writing: ``import_hsds`` creates or updates records by their HSDS ids, all or nothing, every change
audited, so importing the same file twice changes nothing the second time.

HSDS wants an id on every object, also on those Leadline keeps as a field of its parent (a service's
languages and phone, a location's address, the attributes linking a service to its terms). Those ids are
derived (UUID5 of the parent's id and what the object is), so an export always gives the same ids.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf.locale import LANG_INFO
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.accounts import policy
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, diff
from leadline.core import clock
from leadline.core.csvsafe import csv_cell
from leadline.directory.models import (
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from leadline.directory.selectors import services_visible_to

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


# --- Reading: who sees what, and in how many queries -------------------------------------------


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


def organizations_visible_to(user: Any) -> QuerySet[Organization]:
    """The organisations the user may read: all, or for provider staff their own organisation."""
    scope = policy.scope_of(user, "directory.view")
    organizations = Organization.objects.all()
    if scope == Scope.ALL:
        return organizations
    if scope == Scope.ORGANISATION and getattr(user, "agency_id", None):
        return organizations.filter(agency_id=user.agency_id)
    return organizations.none()


def service_at_locations_visible_to(user: Any) -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__in=services_visible_to(user))


def may_manage_whole_directory(user: Any) -> bool:
    """Exporting and importing the whole directory: an editor of every listing (not a provider, whose
    editing reaches its own organisation only)."""
    return policy.scope_of(user, "directory.edit") == Scope.ALL


def taxonomy_names() -> list[str]:
    names = set(TaxonomyTerm.objects.values_list("taxonomy", flat=True).distinct())
    return sorted(names | {LEADLINE_TAXONOMY})


def taxonomy_name_for(taxonomy_uuid: Any) -> str | None:
    wanted = str(taxonomy_uuid)
    return next((name for name in taxonomy_names() if taxonomy_id(name) == wanted), None)


# --- The export file and the tabular form ------------------------------------------------------


def export_document() -> dict[str, Any]:
    """The whole directory as one JSON object: every taxonomy term (with Leadline's attribute terms),
    every organisation with its locations, and every service, fully nested. ``import_hsds`` reads it back."""
    terms = TaxonomyTerm.objects.order_by("taxonomy", "code")
    organizations = Organization.objects.prefetch_related(
        Prefetch("locations", queryset=Location.objects.order_by("name", "id"))
    ).order_by("name", "id")
    services = with_related(Service.objects.order_by("name", "id"))
    return {
        "hsds_version": HSDS_VERSION,
        "taxonomy_terms": [taxonomy_term(t) for t in terms] + leadline_attribute_terms(),
        "organizations": [organization_full(o) for o in organizations],
        "services": [service_full(s) for s in services],
    }


# The HSDS 3.0 tabular form: each table's file and columns (compiled/tabular.json, one-to-one fields).
TABLES: dict[str, tuple[str, list[str]]] = {
    "organization": ("organizations.csv", [
        "id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
        "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id"]),
    "service": ("services.csv", [
        "id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email",
        "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
        "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date",
        "assurer_email", "licenses", "alert", "last_modified"]),
    "location": ("locations.csv", [
        "id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
        "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type"]),
    "address": ("addresses.csv", [
        "id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province",
        "postal_code", "country", "address_type"]),
    "phone": ("phones.csv", [
        "id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id",
        "number", "extension", "type", "description"]),
    "service_at_location": ("service_at_location.csv", [
        "id", "service_id", "location_id", "description"]),
    "schedule": ("schedules.csv", [
        "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart",
        "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday",
        "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes"]),
    "language": ("languages.csv", [
        "id", "service_id", "location_id", "phone_id", "name", "code", "note"]),
    "attribute": ("attributes.csv", [
        "id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"]),
    "taxonomy_term": ("taxonomy_terms.csv", [
        "id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"]),
    "taxonomy": ("taxonomies.csv", ["id", "name", "description", "uri", "version"]),
}  # fmt: skip


def export_tables(document: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The export file's objects flattened into HSDS tables (rows as dicts)."""
    doc = document if document is not None else export_document()
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    for term in doc["taxonomy_terms"]:
        rows["taxonomy_term"].append(term)
    for name in sorted({t["taxonomy"] for t in doc["taxonomy_terms"]}):
        rows["taxonomy"].append(taxonomy(name))
    for org in doc["organizations"]:
        rows["organization"].append(org)
        rows["phone"].extend(org["phones"])
        for loc in org["locations"]:
            rows["location"].append(loc)
            rows["address"].extend(loc["addresses"])
    for svc in doc["services"]:
        rows["service"].append(svc)
        rows["phone"].extend(svc["phones"])
        rows["schedule"].extend(svc["schedules"])
        rows["service_at_location"].extend(svc["service_at_locations"])
        rows["language"].extend(svc["languages"])
        rows["attribute"].extend(svc["attributes"])
    return rows


def export_zip(document: dict[str, Any] | None = None) -> bytes:
    """The HSDS tabular form: one CSV per table in a zip, each cell guarded against formula injection."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table, table_rows in export_tables(document).items():
            filename, columns = TABLES[table]
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in table_rows:
                writer.writerow([csv_cell(row.get(column)) for column in columns])
            archive.writestr(filename, text.getvalue())
    return out.getvalue()


# --- Writing: the import -----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why a file was refused: the record (where it is in the file, and its id) and the field."""

    record: str  # "services[3]", "organizations[0]", "file"
    id: str  # the record's id as the file gives it ("" when it has none)
    field: str  # "name", "service_at_locations[0].location.name"
    message: str

    def __str__(self) -> str:
        where = self.record + (f" (id {self.id})" if self.id else "")
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


KIND_LABELS = {
    "organization": gettext_lazy("organisation"),
    "location": gettext_lazy("location"),
    "service": gettext_lazy("service"),
    "schedule": gettext_lazy("opening hours"),
    "service_at_location": gettext_lazy("service at a location"),
    "taxonomy_term": gettext_lazy("kind of service"),
}


@dataclass(frozen=True)
class Change:
    kind: str  # organization, location, service, schedule, service_at_location, taxonomy_term
    id: str
    name: str
    action: str  # created, updated, deleted

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def created(self) -> list[Change]:
        return self.of("created")

    @property
    def updated(self) -> list[Change]:
        return self.of("updated")

    @property
    def deleted(self) -> list[Change]:
        return self.of("deleted")


class _Record:
    """Reads one record of the file, noting each problem with the record and the field."""

    def __init__(self, problems: list[Problem], record: str, data: Any, prefix: str = "", rid: str = ""):
        self.problems = problems
        self.record = record
        self.data = data if isinstance(data, dict) else {}
        self.prefix = prefix
        self.rid = rid or (str(self.data.get("id")) if self.data.get("id") is not None else "")
        if not isinstance(data, dict):
            self.error("", _("must be an object"))

    def nested(self, key: str, data: Any) -> _Record:
        return _Record(self.problems, self.record, data, self.path(key), self.rid)

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def error(self, key: str, message: str) -> None:
        path = self.path(key) if key else self.prefix
        self.problems.append(Problem(self.record, self.rid, path, message))

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, _("required"))
            return ""
        if not isinstance(value, str):
            self.error(key, _("must be text"))
            return ""
        if "\x00" in value:  # no database keeps it (PostgreSQL refuses it): said here, not a 500
            self.error(key, _("must not contain a NUL character"))
            return ""
        return value.strip()

    def id(self, key: str = "id", *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, _("required"))
            return None
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            self.error(key, _("must be a UUID"))
            return None

    def whole_number(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 0:
            self.error(key, _("must be a whole number, 0 or more"))
            return None
        return int(value)

    def decimal(self, key: str) -> Decimal | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value)).quantize(Decimal("0.000001"))
        except InvalidOperation:
            self.error(key, _("must be a number"))
            return None

    def items(self, key: str) -> list[_Record]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, _("must be a list"))
            return []
        return [self.nested(f"{key}[{i}]", item) for i, item in enumerate(value)]

    def first_phone(self) -> str:
        phones = self.items("phones")
        return phones[0].text("number", required=True) if phones else ""

    def check(self, instance: models.Model, fields: dict[str, str], exclude: Sequence[str]) -> None:
        """Django's own field checks (lengths, email, URL, choices), named as HSDS names the field."""
        try:
            instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            noted = {(p.record, p.id, p.field) for p in self.problems}  # "required" already said
            for name, messages in exc.message_dict.items():
                if (self.record, self.rid, self.path(fields.get(name, name))) in noted:
                    continue
                for message in messages:
                    self.error(fields.get(name, name), message)


_DAYS = set(Schedule.DAYS)
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_CODE = re.compile(r"^\S{1,60}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class _Plan:
    """The file read into the shape of Leadline's records, before anything is written."""

    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_modified: dict[str, datetime] = field(default_factory=dict)  # service id -> from the file
    schedules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # service id -> its schedules
    sals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # service id -> its locations
    new_terms: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> the term to create
    term_ids: dict[str, str] = field(default_factory=dict)  # an id in the file -> the code of the term
    origin: dict[tuple[str, str], _Record] = field(default_factory=dict)  # where each record was first


ORG_FIELDS = {"name": "name", "alternate_name": "alternate_name", "description": "description",
              "email": "email", "website": "website", "phone": "phones[0].number"}  # fmt: skip
LOCATION_FIELDS = {"name": "name", "transportation": "transportation", "latitude": "latitude",
                   "longitude": "longitude", "address_1": "addresses[0].address_1",
                   "city": "addresses[0].city", "state_province": "addresses[0].state_province",
                   "postal_code": "addresses[0].postal_code", "country": "addresses[0].country"}  # fmt: skip
SERVICE_FIELDS = {f: f for f in (
    "name", "alternate_name", "description", "url", "email", "status", "eligibility_description",
    "minimum_age", "maximum_age", "application_process", "fees_description", "wait_time")} | {
    "phone": "phones[0].number"}  # fmt: skip


class _Reader:
    def __init__(self, progress: Callable[[int, int], None] | None = None) -> None:
        self.progress = progress  # told how many records of the file have been read (a background import)
        self.problems: list[Problem] = []
        self.plan = _Plan()
        self.terms_by_code = {t.code: t for t in TaxonomyTerm.objects.all()}
        self.terms_by_id = {str(t.id): t for t in self.terms_by_code.values()}
        self.nested_ids: set[str] = set()  # schedules' and services-at-locations' ids seen so far

    # Every copy of a record in the file (an organisation in "organizations" and again inside a
    # service) must say the same, or the file does not say what the record is.
    def _keep(self, kind: str, store: dict[str, dict[str, Any]], rid: str, values: dict[str, Any],
              rec: _Record) -> None:  # fmt: skip
        first = store.get(rid)
        if first is None:
            store[rid] = values
            self.plan.origin[(kind, rid)] = rec
        elif first != values:
            where = self.plan.origin[(kind, rid)].record
            differing = sorted(k for k in values if values[k] != first.get(k))
            rec.error(
                "", _("%(kind)s %(id)s differs from its copy in %(where)s (%(fields)s)")
                % {"kind": kind, "id": rid, "where": where, "fields": ", ".join(differing)},
            )  # fmt: skip

    def term(self, rec: _Record) -> tuple[str, str] | None:
        """A taxonomy term of the file: ("term", code) of a kind of service, ("leadline", code) of one of
        Leadline's attributes, or None when it cannot be known."""
        code = rec.text("code")
        name_of_taxonomy = rec.text("taxonomy") or rec.nested(
            "taxonomy_detail", rec.data.get("taxonomy_detail") or {}
        ).text("name")
        rid = rec.id(required=False)
        if code in LEADLINE_ATTRIBUTES and (name_of_taxonomy in ("", LEADLINE_TAXONOMY)):
            return ("leadline", code)
        if not code:
            if rid in self.plan.term_ids:
                return ("term", self.plan.term_ids[rid])
            known = self.terms_by_id.get(rid or "")
            if known is None:
                rec.error("code", _("required for a term Leadline does not know"))
                return None
            code = known.code
        elif not _CODE.match(code):
            rec.error("code", _("at most 60 characters, without spaces"))
            return None
        if rid:
            self.plan.term_ids.setdefault(rid, code)
        if code not in self.terms_by_code and code not in self.plan.new_terms:
            name = rec.text("name", required=True)
            taxonomy_name = name_of_taxonomy or LEADLINE_TAXONOMY
            if len(name) > 120:
                rec.error("name", _("at most 120 characters"))
            if len(taxonomy_name) > 60:
                rec.error("taxonomy", _("at most 60 characters"))
            taken = set(self.terms_by_id) | {t["id"] for t in self.plan.new_terms.values()}
            free = rid and rid not in taken
            self.plan.new_terms[code] = {
                "id": rid if free else str(uuid.uuid4()), "code": code, "name": name,
                "description": rec.text("description"), "taxonomy": taxonomy_name,
                "parent": rec.id("parent_id", required=False),
            }  # fmt: skip
        return ("term", code)

    def organization(self, rec: _Record) -> str | None:
        rid = rec.id()
        values = {
            "name": rec.text("name", required=True), "alternate_name": rec.text("alternate_name"),
            "description": rec.text("description", required=True), "email": rec.text("email"),
            "website": rec.text("website"), "phone": rec.first_phone(),
        }  # fmt: skip
        rec.check(Organization(**values), ORG_FIELDS, exclude=["agency", "updated_at"])
        if rid:
            self._keep("organization", self.plan.organizations, rid, values, rec)
        for loc in rec.items("locations"):
            self.location(loc, default_org=rid)
        return rid

    def location(self, rec: _Record, default_org: str | None) -> str | None:
        rid = rec.id()
        org = rec.id("organization_id", required=False) or default_org
        addresses = rec.items("addresses")
        address = next((a for a in addresses if a.data.get("address_type") == "physical"), None)
        address = address or (addresses[0] if addresses else rec.nested("addresses[0]", {}))
        values = {
            "organization_id": org, "name": rec.text("name", required=True),
            "transportation": rec.text("transportation"),
            "latitude": rec.decimal("latitude"), "longitude": rec.decimal("longitude"),
            "address_1": address.text("address_1"), "city": address.text("city"),
            "state_province": address.text("state_province"), "postal_code": address.text("postal_code"),
            "country": address.text("country") or "US",
        }  # fmt: skip
        if org is None:
            rec.error("organization_id", _("required"))
        rec.check(Location(**{k: v for k, v in values.items() if k != "organization_id"}), LOCATION_FIELDS,
                  exclude=["organization"])  # fmt: skip
        if rid:
            self._keep("location", self.plan.locations, rid, values, rec)
        return rid

    def service(self, rec: _Record) -> None:
        rid = rec.id()
        nested_org = rec.data.get("organization")
        org_id = rec.id("organization_id", required=nested_org is None)
        if nested_org is not None:
            nested = rec.nested("organization", nested_org)
            nested_id = self.organization(nested)
            if org_id and nested_id and nested_id != org_id:
                rec.error("organization.id", _("differs from organization_id"))
            org_id = org_id or nested_id
        status = rec.text("status", required=True)
        if status and status not in Service.Status.values:
            rec.error(
                "status", _("must be one of: %(values)s") % {"values": ", ".join(Service.Status.values)}
            )
        values: dict[str, Any] = {
            "organization_id": org_id, "name": rec.text("name", required=True),
            "alternate_name": rec.text("alternate_name"), "description": rec.text("description"),
            "url": rec.text("url"), "email": rec.text("email"), "phone": rec.first_phone(), "status": status,
            "eligibility_description": rec.text("eligibility_description"),
            "minimum_age": rec.whole_number("minimum_age"), "maximum_age": rec.whole_number("maximum_age"),
            "application_process": rec.text("application_process"),
            "fees_description": rec.text("fees_description"), "wait_time": rec.text("wait_time"),
        }  # fmt: skip
        checked = {k: v for k, v in values.items() if k != "organization_id"} | {"status": status or "active"}
        excluded = ["organization", "verified_by", "updated_at", "status"]
        rec.check(Service(**checked), SERVICE_FIELDS, exclude=excluded)
        values["assured_date"] = self._date(rec, "assured_date")
        modified = rec.data.get("last_modified")
        if modified:
            parsed = parse_datetime(modified) if isinstance(modified, str) else None
            if parsed is None:
                rec.error("last_modified", _("must be a date and time (ISO 8601)"))
            elif rid:
                self.plan.last_modified[rid] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        values["languages"] = self._languages(rec)
        values["terms"], values["capacity"], values["waitlist"] = self._attributes(rec)
        schedules = [self._schedule(s, rid) for s in rec.items("schedules")]
        sals = [self._service_at_location(s, rid, org_id) for s in rec.items("service_at_locations")]
        if rid is None:
            return
        if rid in self.plan.services:
            rec.error("id", _("the file has this service twice"))
            return
        self.plan.services[rid] = values
        self.plan.origin[("service", rid)] = rec
        self.plan.schedules[rid] = [s for s in schedules if s]
        self.plan.sals[rid] = [s for s in sals if s]
        for key, items in (
            ("schedules", self.plan.schedules[rid]),
            ("service_at_locations", self.plan.sals[rid]),
        ):
            for item in items:
                if item["id"] in self.nested_ids:
                    rec.error(key, _("%(id)s is given twice in the file") % {"id": item["id"]})
                self.nested_ids.add(item["id"])
        pairs = [s["location_id"] for s in self.plan.sals[rid]]
        if len(pairs) != len(set(pairs)):
            rec.error("service_at_locations", _("lists the same location twice"))

    def _date(self, rec: _Record, key: str) -> str | None:
        value = rec.data.get(key)
        if not value:
            return None
        try:
            return date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            rec.error(key, _("must be a date (YYYY-MM-DD)"))
            return None

    def _languages(self, rec: _Record) -> list[str]:
        codes: list[str] = []
        for lang in rec.items("languages"):
            code = lang.text("code", required=True)
            if code and not _LANGUAGE.match(code):
                lang.error("code", _("must be an ISO 639 language code, such as en or es"))
            elif code and code not in codes:
                codes.append(code)
        return codes

    def _attributes(self, rec: _Record) -> tuple[list[str], int | None, bool]:
        codes: set[str] = set()
        capacity: int | None = None
        waitlist = False
        for attr in rec.items("attributes"):
            term_data = attr.data.get("taxonomy_term")
            if term_data is None:
                term_data = {"id": attr.data.get("taxonomy_term_id")}
                if not term_data["id"]:
                    attr.error("taxonomy_term", _("required"))
                    continue
            found = self.term(attr.nested("taxonomy_term", term_data))
            if found is None:
                continue
            kind, code = found
            if kind == "term":
                codes.add(code)
                continue
            value = attr.data.get("value")
            text = str(value).strip().lower() if value is not None else ""
            if code == CAPACITY:
                if not text.isdigit():
                    attr.error("value", _("open places must be a whole number, 0 or more"))
                else:
                    capacity = int(text)
            elif text in ("true", "false"):
                waitlist = text == "true"
            else:
                attr.error("value", _("the waitlist must be true or false"))
        return sorted(codes), capacity, waitlist

    def _schedule(self, rec: _Record, service_id: str | None) -> dict[str, Any] | None:
        rid = rec.id()
        freq = rec.text("freq")
        if freq and freq != "WEEKLY":
            rec.error("freq", _("only WEEKLY opening hours are kept"))
        byday = rec.text("byday", required=True).upper().replace(" ", "")
        if byday and not set(byday.split(",")) <= _DAYS:
            rec.error("byday", _("days as MO,TU,WE,TH,FR,SA,SU"))
        times = {key: self._time(rec, key) for key in ("opens_at", "closes_at")}
        description = rec.text("description")
        rec.check(
            Schedule(byday=byday, description=description), {}, exclude=["service", "opens_at", "closes_at"]
        )
        if rid is None:
            return None
        return {"id": rid, "service_id": service_id, "byday": byday, **times, "description": description}

    def _time(self, rec: _Record, key: str) -> str | None:
        value = rec.text(key)
        if not value:
            return None
        match = _TIME.match(value)
        if not match:
            rec.error(key, _("a time as HH:MM, local to the site, without a time zone"))
            return None
        return time(int(match[1]), int(match[2]), int(match[3] or 0)).isoformat()

    def _service_at_location(
        self, rec: _Record, service_id: str | None, org_id: str | None
    ) -> dict[str, Any] | None:
        rid = rec.id()
        location_id = rec.id("location_id", required="location" not in rec.data)
        if "location" in rec.data:
            nested_id = self.location(rec.nested("location", rec.data["location"]), default_org=org_id)
            if location_id and nested_id and location_id != nested_id:
                rec.error("location.id", _("differs from location_id"))
            location_id = location_id or nested_id
        if rid is None or location_id is None:
            return None
        return {"id": rid, "service_id": service_id, "location_id": location_id,
                "description": rec.text("description")}  # fmt: skip

    def read(self, data: Any) -> None:
        if isinstance(data, list):
            data = {"services": data}
        if not isinstance(data, dict) or not any(
            k in data for k in ("services", "organizations", "taxonomy_terms")
        ):
            self.problems.append(Problem("file", "", "", _(
                'expected a list of HSDS services, or an object with "services", "organizations" and '
                '"taxonomy_terms" lists')))  # fmt: skip
            return
        for key in ("taxonomy_terms", "organizations", "services"):
            if not isinstance(data.get(key, []), list):
                self.problems.append(Problem("file", "", key, _("must be a list")))
                return
        total = sum(len(data.get(key, [])) for key in ("taxonomy_terms", "organizations", "services"))
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            if self.progress is not None:
                self.progress(done, total)

        for i, item in enumerate(data.get("taxonomy_terms", [])):
            self.term(_Record(self.problems, f"taxonomy_terms[{i}]", item))
            step()
        for i, item in enumerate(data.get("organizations", [])):
            self.organization(_Record(self.problems, f"organizations[{i}]", item))
            step()
        for i, item in enumerate(data.get("services", [])):
            self.service(_Record(self.problems, f"services[{i}]", item))
            step()
        self._check_references()

    def _check_references(self) -> None:
        """Every organisation and location a record points at is in the file or already in Leadline."""
        plan = self.plan
        wanted_orgs = {v["organization_id"] for v in [*plan.services.values(), *plan.locations.values()]}
        wanted_locations = {s["location_id"] for sals in plan.sals.values() for s in sals}
        known_orgs = set(plan.organizations) | {
            str(pk)
            for pk in Organization.objects.filter(pk__in=wanted_orgs - {None}).values_list("pk", flat=True)
        }
        known_locations = set(plan.locations) | {
            str(pk) for pk in Location.objects.filter(pk__in=wanted_locations).values_list("pk", flat=True)
        }
        for kind, store in (("services", plan.services), ("locations", plan.locations)):
            for rid, values in store.items():
                if values["organization_id"] and values["organization_id"] not in known_orgs:
                    plan.origin[(kind[:-1], rid)].error("organization_id", _(
                        "no such organisation in the file or in Leadline"))  # fmt: skip
        for sid, sals in plan.sals.items():
            for j, sal in enumerate(sals):
                if sal["location_id"] not in known_locations:
                    plan.origin[("service", sid)].error(f"service_at_locations[{j}].location_id", _(
                        "no such location in the file or in Leadline"))  # fmt: skip
        # Schedules and services-at-locations keep their ids; one belonging to another service is refused.
        for model, by_service, label in ((Schedule, plan.schedules, "schedules"),
                                         (ServiceAtLocation, plan.sals, "service_at_locations")):  # fmt: skip
            owners = {rid: sid for sid, items in by_service.items() for rid in (i["id"] for i in items)}
            for pk, owner in model.objects.filter(pk__in=list(owners)).values_list("pk", "service_id"):
                if str(owner) != owners[str(pk)]:
                    plan.origin[("service", owners[str(pk)])].error(label, _(
                        "%(id)s belongs to another service") % {"id": pk})  # fmt: skip


def import_hsds(data: Any, actor: Any, progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Create or update the directory from HSDS JSON: a list of full services, or an object with
    "taxonomy_terms", "organizations" (with their locations) and "services" lists, as ``export_document``
    writes. Records are matched by id, taxonomy terms by code (unknown ones are created under their
    taxonomy's name). A service in the file is the whole truth about that service: its schedules and
    locations not in the file are removed. Nothing else is ever deleted.

    All or nothing: every problem is reported, naming the record and the field, and nothing is written
    unless the whole file is good. Importing the same file again changes nothing.

    ``actor`` must manage the whole directory (``may_manage_whole_directory``); None is the command line.
    ``progress(done, total)`` is told how many records have been checked (a background import)."""
    if actor is not None and not may_manage_whole_directory(actor):
        raise PermissionDenied
    for attempt in (1, 2):
        reader = _Reader(progress)
        reader.read(data)
        if reader.problems:
            return ImportReport(problems=reader.problems)
        try:
            with transaction.atomic(durable=True):
                return _apply(reader.plan, actor)
        except IntegrityError as exc:
            # Two imports of the same file at once (a double submit) both create a record: read the
            # database again, and the other one's records make this one an update, or nothing.
            if attempt == 2:
                return ImportReport(problems=[Problem("file", "", "", _("could not be saved: %(error)s")
                                                      % {"error": exc})])  # fmt: skip
    raise AssertionError("unreachable")


class _Writer:
    def __init__(self, actor: Any):
        self.actor = actor
        self.report = ImportReport()
        self.now = clock.now()

    def record(self, kind: str, obj: Any, action: str, changes: dict[str, Any] | None = None) -> None:
        name = str(getattr(obj, "name", "") or obj)
        self.report.changes.append(Change(kind, str(obj.pk), name, action))
        audit_action = {"created": AuditEvent.Action.CREATE, "updated": AuditEvent.Action.UPDATE,
                        "deleted": AuditEvent.Action.DELETE}[action]  # fmt: skip
        audit_record(actor=self.actor, action=audit_action, subject_type=f"directory_{kind}",
                     subject_id=obj.pk, reason="HSDS import", changes=changes)  # fmt: skip

    def upsert(self, kind: str, model: type[models.Model], rid: str, values: dict[str, Any],
               stored: models.Model | None, state: Callable[[Any], dict[str, Any]],
               stamp: dict[str, Any] | None = None) -> None:  # fmt: skip
        """Create the record, or update the fields that differ (and then the ``stamp`` fields too)."""
        if stored is None:
            obj = model(pk=rid, **values, **(stamp or {}))
            obj.save(force_insert=True)
            self.record(kind, obj, "created", {"after": _jsonable(state(obj))})
            return
        before = state(stored)
        for key, value in values.items():
            setattr(stored, key, value)
        changes = diff(_jsonable(before), _jsonable(state(stored)))
        if not changes:
            self.report.unchanged += 1
            return
        for key, value in (stamp or {}).items():
            setattr(stored, key, value)
        stored.save()
        self.record(kind, stored, "updated", changes)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(values, default=str))


def _org_state(o: Organization) -> dict[str, Any]:
    return {k: getattr(o, k) for k in ORG_FIELDS}


def _location_state(loc: Location) -> dict[str, Any]:
    state = {k: getattr(loc, k) for k in LOCATION_FIELDS} | {"organization_id": str(loc.organization_id)}
    for key in ("latitude", "longitude"):
        state[key] = None if state[key] is None else str(Decimal(state[key]).quantize(Decimal("0.000001")))
    return state


def _schedule_state(s: Schedule) -> dict[str, Any]:
    return {
        "byday": s.byday,
        "opens_at": _time_text(s.opens_at),
        "closes_at": _time_text(s.closes_at),
        "description": s.description,
    }


def _time_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, time) else time.fromisoformat(str(value)).isoformat()


def _site_midnight(day: str) -> datetime:
    from leadline.core.middleware import site_time_zone

    return datetime.combine(date.fromisoformat(day), time(0), ZoneInfo(site_time_zone()))


def _apply(plan: _Plan, actor: Any) -> ImportReport:
    w = _Writer(actor)
    terms = _apply_terms(plan, w)

    stored_orgs = Organization.objects.in_bulk(list(plan.organizations))
    for rid, values in plan.organizations.items():
        w.upsert("organization", Organization, rid, values, stored_orgs.get(uuid.UUID(rid)), _org_state,
                 stamp={"updated_at": w.now})  # fmt: skip

    stored_locations = Location.objects.in_bulk(list(plan.locations))
    for rid, values in plan.locations.items():
        w.upsert("location", Location, rid, values, stored_locations.get(uuid.UUID(rid)), _location_state)

    stored_services = Service.objects.prefetch_related("terms", "schedules", "service_at_locations").in_bulk(
        list(plan.services)
    )
    for rid, values in plan.services.items():
        _apply_service(plan, w, rid, values, stored_services.get(uuid.UUID(rid)), terms)
    return w.report


def _apply_terms(plan: _Plan, w: _Writer) -> dict[str, TaxonomyTerm]:
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    made = []
    for code, spec in plan.new_terms.items():
        term = TaxonomyTerm(id=spec["id"], code=code, name=spec["name"], description=spec["description"],
                            taxonomy=spec["taxonomy"])  # fmt: skip
        term.save(force_insert=True)
        terms[code] = term
        made.append((term, spec["parent"]))
    for term, parent_id in made:  # parents once every new term exists (a parent may come after its child)
        parent_code = plan.term_ids.get(parent_id or "")
        parent = terms.get(parent_code or "") or next(
            (t for t in terms.values() if str(t.id) == parent_id), None
        )
        if parent is not None and parent.pk != term.pk:
            term.parent = parent
            term.save(update_fields=["parent"])
        w.record("taxonomy_term", term, "created", {"after": {"code": term.code, "taxonomy": term.taxonomy}})
    return terms


def _service_state(s: Service) -> dict[str, Any]:
    state = {k: getattr(s, k) for k in SERVICE_FIELDS}
    assured = clock.local_date(s.last_verified_at).isoformat() if s.last_verified_at else None
    state |= {"organization_id": str(s.organization_id), "languages": list(s.languages),
              "capacity": s.capacity, "waitlist": s.waitlist, "assured_date": assured}  # fmt: skip
    return state


def _apply_service(plan: _Plan, w: _Writer, rid: str, values: dict[str, Any], stored: Service | None,
                   terms: dict[str, TaxonomyTerm]) -> None:  # fmt: skip
    values = dict(values)
    term_codes = values.pop("terms")
    assured = values["assured_date"]
    fields = {k: v for k, v in values.items() if k != "assured_date"}
    creating = stored is None
    if stored is None:
        stored = Service(pk=rid, updated_at=plan.last_modified.get(rid, w.now), version=1)
    before = {} if creating else _service_state(stored)
    before_terms = [] if creating else sorted(t.code for t in stored.terms.all())
    for key, value in fields.items():
        setattr(stored, key, value)
    current_assured = (
        clock.local_date(stored.last_verified_at).isoformat() if stored.last_verified_at else None
    )
    if assured != current_assured:
        # The file's assurance replaces Leadline's: the day it gives, at the start of that day, by nobody
        # Leadline knows (the assurer was the file's source).
        stored.last_verified_at = _site_midnight(assured) if assured else None
        stored.verified_by = None
        stored.stale_notified_at = None
    changes = diff(_jsonable(before), _jsonable(_service_state(stored))) if not creating else {}
    if before_terms != term_codes:
        changes["terms"] = {"before": before_terms, "after": term_codes}
    nested = _nested_changes(plan, w, rid, stored, creating)
    if creating:
        stored.save(force_insert=True)
        stored.terms.set([terms[c] for c in term_codes])
        w.record(
            "service", stored, "created", {"after": _jsonable(_service_state(stored)), "terms": term_codes}
        )
    elif changes or nested:
        stored.updated_at = w.now
        stored.version += 1
        stored.save()
        if "terms" in changes:
            stored.terms.set([terms[c] for c in term_codes])
        if changes:
            w.record("service", stored, "updated", changes)
    else:
        w.report.unchanged += 1
    _nested_apply(plan, w, rid, stored)


def _nested_changes(plan: _Plan, w: _Writer, rid: str, stored: Service, creating: bool) -> bool:
    """Whether the service's opening hours or locations differ from the file's (a change to the service)."""
    if creating:
        return True
    have_schedules = {str(s.pk): {"service_id": rid, **_schedule_state(s)} for s in stored.schedules.all()}
    want_schedules = {s["id"]: {k: v for k, v in s.items() if k != "id"} for s in plan.schedules[rid]}
    have_sals = {
        str(s.pk): {"service_id": rid, "location_id": str(s.location_id), "description": s.description}
        for s in stored.service_at_locations.all()
    }
    want_sals = {s["id"]: {k: v for k, v in s.items() if k != "id"} for s in plan.sals[rid]}
    return have_schedules != want_schedules or have_sals != want_sals


def _nested_apply(plan: _Plan, w: _Writer, rid: str, service: Service) -> None:
    want_schedules = {s["id"]: s for s in plan.schedules[rid]}
    want_sals = {s["id"]: s for s in plan.sals[rid]}
    # Removed first, so a location given again under a new id does not meet its old row.
    for sal in ServiceAtLocation.objects.filter(service=service).exclude(pk__in=list(want_sals)):
        w.record("service_at_location", sal, "deleted", {"location_id": str(sal.location_id)})
        sal.delete()
    for item in Schedule.objects.filter(service=service).exclude(pk__in=list(want_schedules)):
        w.record("schedule", item, "deleted", {"before": _schedule_state(item)})
        item.delete()
    stored_schedules = Schedule.objects.in_bulk(list(want_schedules))
    for sid, spec in want_schedules.items():
        values = {"service": service, "byday": spec["byday"], "opens_at": spec["opens_at"],
                  "closes_at": spec["closes_at"], "description": spec["description"]}  # fmt: skip
        w.upsert("schedule", Schedule, sid, values, stored_schedules.get(uuid.UUID(sid)), _schedule_state)
    stored_sals = ServiceAtLocation.objects.in_bulk(list(want_sals))
    for sid, spec in want_sals.items():
        values = {"service": service, "location_id": spec["location_id"], "description": spec["description"]}
        w.upsert("service_at_location", ServiceAtLocation, sid, values, stored_sals.get(uuid.UUID(sid)),
                 lambda s: {"location_id": str(s.location_id), "description": s.description})  # fmt: skip


# --- Filters the API offers --------------------------------------------------------------------


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
