"""The first half of an HSDS import: the file read and checked into a ``Plan`` (the shape of Leadline's
records) before anything is written, every problem noted with its record and field (``Problem``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from leadline.directory.hsds.shapes import CAPACITY, LEADLINE_ATTRIBUTES, LEADLINE_TAXONOMY
from leadline.directory.models import (
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)


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
class Plan:
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


class Reader:
    def __init__(self, progress: Callable[[int, int], None] | None = None) -> None:
        self.progress = progress  # told how many records of the file have been read (a background import)
        self.problems: list[Problem] = []
        self.plan = Plan()
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
