"""Changing the directory: a listing saved by someone who may edit it, a listing confirmed current, and
the reminder to each organisation whose listings have gone stale. Every change is audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import time, timedelta
from typing import Any

from django.db import transaction

from leadline.accounts.models import User
from leadline.accounts.policy import users_with_capability
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock, refusals
from leadline.directory.models import Location, Organization, Schedule, Service, ServiceAtLocation
from leadline.directory.selectors import stale
from leadline.notifications.models import Delivery
from leadline.notifications.services import queue_to_address
from leadline.participants.services import StaleEdit

EDITABLE = (
    "name", "alternate_name", "description", "url", "email", "phone", "status", "eligibility_description",
    "minimum_age", "maximum_age", "application_process", "fees_description", "languages", "capacity",
    "waitlist", "wait_time",
)  # fmt: skip


class DirectoryRefused(refusals.Refused):
    def __init__(self, field: str, message: str):
        super().__init__(message, field)


@dataclass(frozen=True)
class Hours:
    """One row of a service's weekly opening hours. Both times or neither: without times (``by
    appointment``) the description says when; ``closes_at`` is after ``opens_at`` (the form checks)."""

    byday: str  # "MO,TU,WE", in the week's order
    opens_at: time | None = None
    closes_at: time | None = None
    description: str = ""
    id: uuid.UUID | None = None  # the service's schedule this row corrects (it keeps its HSDS id)


@dataclass(frozen=True)
class NewPlace:
    """A location to add to the service's organisation and offer the service at."""

    name: str
    address_1: str = ""
    city: str = ""
    state_province: str = ""
    postal_code: str = ""
    transportation: str = ""


def service_create(
    *,
    actor: User,
    organization: Organization,
    terms: Any = (),
    locations: Iterable[Location] = (),
    new_location: NewPlace | None = None,
    schedules: Sequence[Hours] = (),
    **fields: Any,
) -> Service:
    """A new listing, confirmed by whoever adds it, with the places it is offered at (its organisation's,
    and perhaps a new one) and its opening hours. One name per organisation: the same form sent twice
    (a double tap) gives the listing the first one made; another listing by that name is refused."""
    from django.utils.translation import gettext as _

    now = clock.now()
    with transaction.atomic(durable=True):
        Organization.objects.select_for_update().filter(pk=organization.pk).first()  # one add at a time
        same = Service.objects.filter(organization=organization, name__iexact=fields.get("name", "")).first()
        if same is not None:
            fresh = same.version == 1 and same.updated_at >= now - timedelta(minutes=2)
            if fresh and same.verified_by_id == getattr(actor, "pk", None):
                return same
            raise DirectoryRefused("name", _("This organisation already lists a service by that name."))
        service = Service.objects.create(
            organization=organization, last_verified_at=now, verified_by=actor, updated_at=now,
            **{k: v for k, v in fields.items() if k in EDITABLE},
        )  # fmt: skip
        service.terms.set(terms)
        _locations_set(actor=actor, service=service, locations=locations, new_location=new_location)
        _schedules_set(service=service, schedules=schedules)
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, subject_type="directory_service",
                     subject_id=str(service.pk))  # fmt: skip
    return service


def service_update(
    *,
    actor: User,
    service_id: Any,
    version: int,
    terms: Any = (),
    locations: Iterable[Location] | None = None,
    new_location: NewPlace | None = None,
    schedules: Sequence[Hours] | None = None,
    **fields: Any,
) -> Service:
    """Saving a listing is also confirming it: whoever saves it has just read it whole. ``locations``
    (when given) are all the places it is offered at from now on, ``new_location`` one more, and
    ``schedules`` (when given) all its opening hours; ``None`` leaves them as they are."""
    now = clock.now()
    with transaction.atomic(durable=True):
        service = Service.objects.select_for_update().get(pk=service_id)
        if service.version != version:
            raise StaleEdit()
        changed = sorted(k for k in EDITABLE if k in fields and getattr(service, k) != fields[k])
        for key in EDITABLE:
            if key in fields:
                setattr(service, key, fields[key])
        before_terms = set(service.terms.values_list("pk", flat=True))
        service.terms.set(terms)
        if before_terms != {t.pk for t in terms}:
            changed.append("terms")
        if (locations is not None or new_location is not None) and _locations_set(
            actor=actor, service=service, locations=locations, new_location=new_location
        ):
            changed.append("locations")
        if schedules is not None and _schedules_set(service=service, schedules=schedules):
            changed.append("schedules")
        service.last_verified_at, service.verified_by, service.stale_notified_at = now, actor, None
        service.updated_at, service.version = now, service.version + 1
        service.save()
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="directory_service",
                     subject_id=str(service.pk), changes={"fields": changed})  # fmt: skip
    return service


def _locations_set(
    *, actor: User, service: Service, locations: Iterable[Location] | None, new_location: NewPlace | None
) -> bool:
    """Offer the service at these places of its organisation (``None``: those it has now) and at the new
    one. Taking a place away removes only the service's link to it: the place stays, other services may
    be offered there. Returns whether the set of places changed."""
    from django.utils.translation import gettext as _

    current = set(service.service_at_locations.values_list("location_id", flat=True))
    chosen = list(locations) if locations is not None else None
    if chosen is not None and any(loc.organization_id != service.organization_id for loc in chosen):
        raise DirectoryRefused("locations", _("Choose only among the places listed here."))
    wanted = {loc.pk for loc in chosen} if chosen is not None else set(current)
    if new_location is not None:
        Organization.objects.select_for_update().filter(pk=service.organization_id).first()  # one name
        taken = Location.objects.filter(
            organization_id=service.organization_id, name__iexact=new_location.name
        )
        if taken.exists():
            raise DirectoryRefused(
                "new_name",
                _("This organisation already has a place by that name: tick it in the list instead."),
            )
        place = Location.objects.create(organization_id=service.organization_id, **asdict(new_location))
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, subject_type="directory_location",
                     subject_id=str(place.pk), changes={"after": asdict(new_location)})  # fmt: skip
        wanted.add(place.pk)
    ServiceAtLocation.objects.filter(service=service, location_id__in=current - wanted).delete()
    ServiceAtLocation.objects.bulk_create(
        [ServiceAtLocation(service=service, location_id=pk) for pk in sorted(wanted - current, key=str)]
    )
    return wanted != current


def _schedules_set(*, service: Service, schedules: Sequence[Hours]) -> bool:
    """Make these rows the service's opening hours. A row naming one of the service's own schedules
    corrects it in place, so its HSDS id stays the same for whoever imported it; any other id is
    ignored and the row added. Returns whether the hours changed."""
    existing = {s.pk: s for s in service.schedules.all()}
    kept: set[Any] = set()
    changed = False
    for row in schedules:
        values = {"byday": row.byday, "opens_at": row.opens_at, "closes_at": row.closes_at,
                  "description": row.description}  # fmt: skip
        current = existing.get(row.id) if row.id is not None and row.id not in kept else None
        if current is None:
            Schedule.objects.create(service=service, **values)
            changed = True
            continue
        kept.add(current.pk)
        if any(getattr(current, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save(update_fields=list(values))
            changed = True
    gone = [pk for pk in existing if pk not in kept]
    if gone:
        Schedule.objects.filter(pk__in=gone).delete()
        changed = True
    return changed


def service_verify(*, actor: User, service_id: Any) -> Service:
    """Someone who knows the service confirms the listing is current (HSDS assured_date)."""
    now = clock.now()
    with transaction.atomic(durable=True):
        service = Service.objects.select_for_update().get(pk=service_id)
        service.last_verified_at, service.verified_by, service.stale_notified_at = now, actor, None
        service.save(update_fields=["last_verified_at", "verified_by", "stale_notified_at"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, subject_type="directory_service",
                     subject_id=str(service.pk), changes={"verified": True})  # fmt: skip
    return service


def stale_reminders_send() -> int:
    """One email to each organisation's provider staff listing its stale listings, once per staleness:
    a listing is not mentioned again until it has been verified and gone stale again. Organisations
    without staff in Leadline go to the site administrators. Returns the number of emails sent."""
    from django.utils.translation import gettext as _

    now = clock.now()
    due = stale(Service.objects.select_related("organization")).filter(stale_notified_at__isnull=True)
    by_org: dict[Any, list[Service]] = {}
    for service in due.order_by("organization__name", "name"):
        by_org.setdefault(service.organization, []).append(service)
    sent = 0
    for org, services in by_org.items():
        # The organisation's own people who keep its listings (provider staff).
        staff = users_with_capability("directory.edit", scope=Scope.ORGANISATION, agency_id=org.agency_id)
        to = [u.email for u in staff if u.email and org.agency_id]
        if not to:
            to = [u.email for u in users_with_capability("user_account.edit") if u.email]  # site admins
        if not to:
            continue
        lines = "\n".join(f"- {s.name}" for s in services)
        for address in to:  # one email each, queued for the worker task
            queue_to_address(
                kind=Delivery.Kind.ORGANISATION_REMINDER, channel=Delivery.Channel.EMAIL, to=address,
                subject=_("Directory listings to check: %(org)s") % {"org": org.name},
                body=_("These listings of %(org)s have not been confirmed for a while. Please open each in "
                       "Leadline and confirm it is current, or correct it:\n\n%(lines)s\n")
                % {"org": org.name, "lines": lines},
            )  # fmt: skip
        Service.objects.filter(pk__in=[s.pk for s in services]).update(stale_notified_at=now)
        sent += 1
    return sent
