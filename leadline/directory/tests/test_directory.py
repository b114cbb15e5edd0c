"""The directory's pages (issue #7, item 1): search the way a case manager looks for a service, providers
who see and keep current only their own organisation's listings, edits that never silently overwrite,
and stale listings flagged on the page and by email to their owner."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from leadline.audit.models import AuditEvent
from leadline.core import clock
from leadline.directory.models import Service, TaxonomyTerm
from leadline.directory.selectors import directory_search
from leadline.directory.services import stale_reminders_send

pytestmark = pytest.mark.django_db


def _names(services) -> list[str]:
    return sorted(s.name for s in services)


def test_search_by_words_kind_narrower_kind_language_and_open_places(world):
    carmen = world["case_manager"]
    assert _names(directory_search(carmen, q="room weeks")) == ["Rapid rehousing"]
    assert _names(directory_search(carmen, term="housing")) == ["Rapid rehousing"]
    # Medication for opioid use disorder is a narrower kind of substance-use treatment: found by either.
    assert _names(directory_search(carmen, term="substance-use-treatment")) == ["Buprenorphine clinic"]
    assert _names(directory_search(carmen, term="moud")) == ["Buprenorphine clinic"]
    assert _names(directory_search(carmen, language="es")) == ["Rapid rehousing"]
    Service.objects.filter(pk=world.service.pk).update(capacity=0, waitlist=True)
    assert _names(directory_search(carmen, open_only=True)) == ["Buprenorphine clinic"]  # places not counted
    Service.objects.filter(pk=world.other_service.pk).update(status=Service.Status.DEFUNCT)
    assert _names(directory_search(carmen)) == ["Rapid rehousing"]  # a defunct service is not offered


def test_a_provider_sees_and_edits_only_its_own_listings(world, login):
    pat = login(world["provider_staff"])
    page = pat.get("/directory/").content.decode()
    assert "Rapid rehousing" in page and "Buprenorphine clinic" not in page
    assert pat.get(f"/directory/services/{world.other_service.pk}/").status_code == 404
    assert pat.post(f"/directory/services/{world.other_service.pk}/verify/").status_code == 404
    carmen = login(world["case_manager"])
    page = carmen.get("/directory/").content.decode()
    assert "Rapid rehousing" in page and "Buprenorphine clinic" in page
    assert "data-keep-current" not in carmen.get(f"/directory/services/{world.service.pk}/").content.decode()


def _form(service: Service, **changes) -> dict:
    data = {
        "name": service.name, "description": service.description, "status": service.status,
        "terms": [t.pk for t in service.terms.all()], "languages": service.languages,
        "capacity": service.capacity if service.capacity is not None else "", "version": service.version,
    }  # fmt: skip
    return {**data, **changes}


def test_an_edit_saves_confirms_and_never_overwrites_a_newer_one(world, login):
    pat = login(world["provider_staff"])
    service = Service.objects.get(pk=world.service.pk)
    first, second = _form(service, capacity=3), _form(service, capacity=9)
    assert pat.post(f"/directory/services/{service.pk}/edit/", first).status_code == 302
    service.refresh_from_db()
    assert service.capacity == 3 and service.version == 2 and service.verified_by == world["provider_staff"]
    stale = pat.post(f"/directory/services/{service.pk}/edit/", second)  # began before the first was saved
    assert stale.status_code == 409 and "Someone else changed this listing" in stale.content.decode()
    service.refresh_from_db()
    assert service.capacity == 3
    assert AuditEvent.objects.filter(subject_type="directory_service", subject_id=str(service.pk)).exists()


def test_bad_input_names_the_field_and_changes_nothing(world, login):
    paula = login(world["program_manager"])
    service = Service.objects.get(pk=world.service.pk)
    bad = paula.post(
        f"/directory/services/{service.pk}/edit/", _form(service, minimum_age=30, maximum_age=18)
    )
    assert bad.status_code == 400
    assert "The maximum age cannot be below the minimum age." in bad.content.decode()
    no_kind = paula.post(f"/directory/services/{service.pk}/edit/", _form(service, terms=[]))
    assert no_kind.status_code == 400 and 'id="id_terms' in no_kind.content.decode()
    service.refresh_from_db()
    assert service.version == 1 and service.minimum_age is None


def test_adding_a_service_twice_by_a_double_tap_makes_one(world, login):
    pat = login(world["provider_staff"])
    data = {"name": "Drop-in showers", "description": "Mornings", "status": "active",
            "terms": [TaxonomyTerm.objects.get(code="housing").pk], "languages": ["en"]}  # fmt: skip
    one = pat.post("/directory/services/new/", data)
    two = pat.post("/directory/services/new/", data)
    assert one.status_code == two.status_code == 302 and one["Location"] == two["Location"]
    made = Service.objects.get(name="Drop-in showers")
    assert made.organization.agency == world["provider_staff"].agency  # a provider adds to its own
    paula = login(world["program_manager"])
    again = paula.post("/directory/services/new/", {**data, "organization": made.organization.pk})
    assert again.status_code == 400 and "already lists a service by that name" in again.content.decode()
    assert Service.objects.filter(name="Drop-in showers").count() == 1


def test_stale_listings_are_flagged_to_their_owner_once(world, login, settings):
    world["provider_staff"].email = "pat@opendoor.example"
    world["provider_staff"].save()
    world["site_admin"].email = "adam@lead.example"
    world["site_admin"].save()
    pat = login(world["provider_staff"])
    assert "data-needs-checking" not in pat.get("/directory/").content.decode()  # verified today
    with time_machine.travel(clock.now() + timedelta(days=181), tick=False):
        pat = login(world["provider_staff"])  # a new day's session
        page = pat.get("/directory/").content.decode()
        assert "data-needs-checking" in page and f'data-stale-service="{world.service.pk}"' in page
        assert stale_reminders_send() == 2  # Pat's organisation, and Genesee Recovery (no staff: the admins)
        assert stale_reminders_send() == 0  # once per staleness
        to = {tuple(m.to): m.subject for m in mail.outbox}
        assert to[("pat@opendoor.example",)] == "Directory listings to check: Open Door Housing"
        assert "Buprenorphine clinic" in next(m.body for m in mail.outbox if m.to == ["adam@lead.example"])
        assert pat.post(f"/directory/services/{world.service.pk}/verify/").status_code == 302
        assert "data-needs-checking" not in pat.get("/directory/").content.decode()
    with time_machine.travel(clock.now() + timedelta(days=400), tick=False):
        assert stale_reminders_send() == 1  # stale again after its confirmation: reminded again
