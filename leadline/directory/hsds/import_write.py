"""The second half of an HSDS import: a checked ``Plan`` written to the directory (``apply_plan``), each
record created or updated only where it differs, every change audited and listed in the ``ImportReport``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy

from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, diff
from leadline.core import clock
from leadline.core.clock import zone_name
from leadline.directory.hsds.import_read import LOCATION_FIELDS, ORG_FIELDS, SERVICE_FIELDS, Plan, Problem
from leadline.directory.models import (
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

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


class _Writer:
    def __init__(self, actor: User | None):
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
    return datetime.combine(date.fromisoformat(day), time(0), ZoneInfo(zone_name()))


def apply_plan(plan: Plan, actor: User | None) -> ImportReport:
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


def _apply_terms(plan: Plan, w: _Writer) -> dict[str, TaxonomyTerm]:
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


def _apply_service(plan: Plan, w: _Writer, rid: str, values: dict[str, Any], stored: Service | None,
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


def _nested_changes(plan: Plan, w: _Writer, rid: str, stored: Service, creating: bool) -> bool:
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


def _nested_apply(plan: Plan, w: _Writer, rid: str, service: Service) -> None:
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
