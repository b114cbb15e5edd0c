"""The directory's pages (issue #7, item 1): search the way a case manager looks for a service, providers
who see and keep current only their own organisation's listings, edits that never silently overwrite,
and stale listings flagged on the page and by email to their owner."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail

from leadline.audit.models import AuditEvent
from leadline.core import clock
from leadline.directory.hsds import export
from leadline.directory.models import Location, Schedule, Service, ServiceAtLocation, TaxonomyTerm
from leadline.directory.selectors import directory_search
from leadline.directory.services import DirectoryRefused, service_update, stale_reminders_send

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
        from leadline.notifications.services import deliver_due

        deliver_due()  # the task worker sends what was queued
        to = {tuple(m.to): m.subject for m in mail.outbox}
        assert to[("pat@opendoor.example",)] == "Directory listings to check: Open Door Housing"
        assert "Buprenorphine clinic" in next(m.body for m in mail.outbox if m.to == ["adam@lead.example"])
        assert pat.post(f"/directory/services/{world.service.pk}/verify/").status_code == 302
        assert "data-needs-checking" not in pat.get("/directory/").content.decode()
    with time_machine.travel(clock.now() + timedelta(days=400), tick=False):
        assert stale_reminders_send() == 1  # stale again after its confirmation: reminded again


# --- Where and when: places and opening hours in the listing form ---------------------------------


def _hours(*rows: dict, extra: int = 3, initial: int = 0) -> dict:
    """The hours formset as the page sends it: the rows given, then blank rows."""
    data = {"hours-TOTAL_FORMS": len(rows) + extra, "hours-INITIAL_FORMS": initial,
            "hours-MIN_NUM_FORMS": 0, "hours-MAX_NUM_FORMS": 28}  # fmt: skip
    for index, row in enumerate(rows):
        data.update({f"hours-{index}-{key}": value for key, value in row.items()})
    return data


def _rows(service: Service) -> list[dict]:
    """The service's hours as the edit page shows them (its rows keep their ids)."""
    from leadline.directory.views import _hours_of

    return [
        {"id": h.pk, "days": h.byday.split(","), "opens_at": _hhmm(h.opens_at),
         "closes_at": _hhmm(h.closes_at), "description": h.description}
        for h in _hours_of(service)
    ]  # fmt: skip


def _hhmm(value: time | None) -> str:
    return f"{value:%H:%M}" if value else ""


def _where(service: Service) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    service = Service.objects.prefetch_related("service_at_locations__location", "schedules").get(
        pk=service.pk
    )
    places = sorted(sal.location.name for sal in service.service_at_locations.all())
    hours = sorted(
        (h.byday, _hhmm(h.opens_at), _hhmm(h.closes_at), h.description) for h in service.schedules.all()
    )
    return places, hours


def _place(service: Service, name: str, **fields) -> Location:
    return Location.objects.create(organization=service.organization, name=name, city="Rochester", **fields)


def test_a_new_listing_with_a_new_place_and_two_rows_of_hours(world, login):
    pat = login(world["provider_staff"])
    data = {
        "name": "Drop-in showers", "description": "Mornings", "status": "active",
        "terms": [TaxonomyTerm.objects.get(code="housing").pk], "languages": ["en"],
        "new_name": "Eastside day centre", "new_address_1": "200 East Ave", "new_city": "Rochester",
        "new_state_province": "NY", "new_postal_code": "14604", "new_transportation": "Bus 18 to East Ave",
        **_hours({"days": ["MO", "TU", "WE", "TH", "FR"], "opens_at": "08:00", "closes_at": "11:30"},
                 {"days": ["SA"], "description": "By appointment"}),
    }  # fmt: skip
    response = pat.post("/directory/services/new/", data)
    assert response.status_code == 302
    made = Service.objects.get(name="Drop-in showers")
    assert _where(made) == (
        ["Eastside day centre"],
        [("MO,TU,WE,TH,FR", "08:00", "11:30", ""), ("SA", "", "", "By appointment")],
    )
    place = Location.objects.get(name="Eastside day centre")
    assert (
        place.organization == made.organization
        and place.organization.agency == world["provider_staff"].agency
    )
    assert (place.address_1, place.postal_code, place.transportation) == ("200 East Ave", "14604",
                                                                          "Bus 18 to East Ave")  # fmt: skip
    assert AuditEvent.objects.filter(subject_type="directory_location", subject_id=str(place.pk),
                                     action=AuditEvent.Action.CREATE).exists()  # fmt: skip
    page = pat.get(response["Location"]).content.decode()
    assert "Monday–Friday 08:00–11:30" in page and "Saturday · By appointment" in page
    assert "Eastside day centre · 200 East Ave, Rochester NY 14604 · Bus 18 to East Ave" in page
    # The same form sent twice (a double tap) still makes one listing and one place.
    assert pat.post("/directory/services/new/", data)["Location"] == response["Location"]
    assert Location.objects.filter(name="Eastside day centre").count() == 1
    assert _where(made)[1] == [("MO,TU,WE,TH,FR", "08:00", "11:30", ""), ("SA", "", "", "By appointment")]


def test_an_edit_takes_away_a_place_and_changes_the_hours(world, login):
    service = world.service
    office, clinic = _place(service, "Main office"), _place(service, "Eastside clinic")
    ServiceAtLocation.objects.create(service=service, location=office)
    ServiceAtLocation.objects.create(service=service, location=clinic)
    weekdays = Schedule.objects.create(
        service=service, byday="MO,TU,WE,TH,FR", opens_at=time(9), closes_at=time(17)
    )
    Schedule.objects.create(service=service, byday="SA", opens_at=time(10), closes_at=time(12))
    pat = login(world["provider_staff"])
    page = pat.get(f"/directory/services/{service.pk}/edit/").content.decode()
    assert 'value="09:00"' in page and "Hours 5" in page and "Hours 6" not in page  # two rows and three blank
    rows = _rows(service)
    rows[0]["closes_at"] = "16:00"  # weekdays close earlier
    rows[1]["DELETE"] = "on"  # no more Saturdays
    sundays = {"days": ["SU"], "opens_at": "12:00", "closes_at": "14:00"}
    data = _form(service, locations=[office.pk], **_hours(*rows, sundays, initial=2))
    assert pat.post(f"/directory/services/{service.pk}/edit/", data).status_code == 302
    assert _where(service) == (
        ["Main office"],
        [("MO,TU,WE,TH,FR", "09:00", "16:00", ""), ("SU", "12:00", "14:00", "")],
    )
    assert Schedule.objects.filter(pk=weekdays.pk, closes_at=time(16)).exists()  # corrected in place: same id
    assert Location.objects.filter(pk=clinic.pk).exists()  # only the link went; other services may use it
    service.refresh_from_db()
    assert service.version == 2
    event = AuditEvent.objects.filter(subject_type="directory_service", subject_id=str(service.pk)).latest(
        "id"
    )
    assert event.changes["fields"] == ["locations", "schedules"]


def test_a_form_without_the_places_and_hours_leaves_them_as_they_are(world, login):
    """A page opened before places and hours were on it (or a script) sends neither: they are kept."""
    service = world.service
    ServiceAtLocation.objects.create(service=service, location=_place(service, "Main office"))
    Schedule.objects.create(service=service, byday="MO", opens_at=time(9), closes_at=time(17))
    pat = login(world["provider_staff"])
    assert pat.post(f"/directory/services/{service.pk}/edit/", _form(service, capacity=1)).status_code == 302
    assert _where(service) == (["Main office"], [("MO", "09:00", "17:00", "")])


def test_bad_hours_name_the_row_and_field_and_nothing_is_saved(world, login):
    service = world.service
    ServiceAtLocation.objects.create(service=service, location=_place(service, "Main office"))
    paula = login(world["program_manager"])
    before = _where(service)
    data = _form(service, capacity=9, new_name="Westside", new_city="Rochester", **_hours(
        {"days": ["MO"], "opens_at": "09:00", "closes_at": "17:00"},
        {"days": ["TU"], "opens_at": "17:00", "closes_at": "09:00"},  # closes before it opens
    ))  # fmt: skip
    response = paula.post(f"/directory/services/{service.pk}/edit/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        'href="#id_hours-1-closes_at">Hours 2 · Closes</a>: The closing time must be after the opening time.'
        in page
    )
    service.refresh_from_db()
    assert service.capacity == 4 and service.version == 1  # the service's own fields are untouched too
    assert _where(service) == before and not Location.objects.filter(name="Westside").exists()
    cases: list[tuple[dict, str]] = [
        ({"days": [], "opens_at": "09:00", "closes_at": "17:00"}, "Tick at least one day."),
        ({"days": ["MO"], "opens_at": "9h", "closes_at": "17:00"}, "Enter the time as HH:MM"),
        ({"days": ["MO"], "opens_at": "09:00"}, "Give the closing time too"),
        ({"days": ["MO"]}, "Without times, say here when it is open"),
    ]
    for row, message in cases:
        bad = paula.post(f"/directory/services/{service.pk}/edit/", _form(service, **_hours(row)))
        assert bad.status_code == 400 and message in bad.content.decode(), message
    no_name = paula.post(
        f"/directory/services/{service.pk}/edit/", _form(service, new_city="Rochester", **_hours())
    )
    assert no_name.status_code == 400 and "Give the new place a name" in no_name.content.decode()
    taken = paula.post(
        f"/directory/services/{service.pk}/edit/", _form(service, new_name="main office", **_hours())
    )
    assert taken.status_code == 400 and "already has a place by that name" in taken.content.decode()
    service.refresh_from_db()
    assert service.version == 1 and Location.objects.filter(organization=service.organization).count() == 1


def test_a_provider_may_choose_only_its_own_organisations_places(world, login):
    service = world.service
    theirs = Location.objects.create(organization=world.other_service.organization, name="Recovery house")
    pat = login(world["provider_staff"])
    page = pat.get(f"/directory/services/{service.pk}/edit/").content.decode()
    assert "Recovery house" not in page  # not offered
    forged = pat.post(f"/directory/services/{service.pk}/edit/",
                      _form(service, locations=[theirs.pk], **_hours()))  # fmt: skip
    assert forged.status_code == 400
    assert "Choose only among the places listed here." in forged.content.decode()
    assert not ServiceAtLocation.objects.filter(location=theirs).exists()
    service.refresh_from_db()
    assert service.version == 1
    on_create = pat.post("/directory/services/new/", {
        "name": "Forged", "status": "active", "terms": [TaxonomyTerm.objects.get(code="housing").pk],
        "locations": [theirs.pk], **_hours(),
    })  # fmt: skip
    assert on_create.status_code == 400 and not Service.objects.filter(name="Forged").exists()
    # Another service's row of hours cannot be reached through this form either: the row is added anew.
    their_hours = Schedule.objects.create(service=world.other_service, byday="MO", opens_at=time(8),
                                          closes_at=time(12))  # fmt: skip
    row = {"id": their_hours.pk, "days": ["TU"], "opens_at": "09:00", "closes_at": "10:00"}
    assert (
        pat.post(f"/directory/services/{service.pk}/edit/", _form(service, **_hours(row))).status_code == 302
    )
    their_hours.refresh_from_db()
    assert (their_hours.service, their_hours.byday) == (world.other_service, "MO")
    assert _where(service)[1] == [("TU", "09:00", "10:00", "")]
    # The service refuses another organisation's place too, whoever calls it.
    with pytest.raises(DirectoryRefused):
        service_update(actor=world["provider_staff"], service_id=service.pk, version=2,
                       terms=list(service.terms.all()), locations=[theirs])  # fmt: skip
    assert not ServiceAtLocation.objects.filter(location=theirs).exists()


def test_the_hsds_export_carries_the_places_and_hours_saved_in_the_form(world, login):
    service = world.service
    pat = login(world["provider_staff"])
    data = _form(service, new_name="Main office", new_address_1="12 Main St W", new_city="Rochester",
                 new_state_province="NY", new_postal_code="14614",
                 **_hours({"days": ["TU", "TH"], "opens_at": "10:00", "closes_at": "15:00",
                           "description": "Walk-ins welcome"}))  # fmt: skip
    assert pat.post(f"/directory/services/{service.pk}/edit/", data).status_code == 302
    exported = next(s for s in export.export_document()["services"] if s["id"] == str(service.pk))
    assert [(s["byday"], s["opens_at"], s["closes_at"], s["description"]) for s in exported["schedules"]] == [
        ("TU,TH", "10:00", "15:00", "Walk-ins welcome")
    ]
    [sal] = exported["service_at_locations"]
    assert sal["location"]["name"] == "Main office"
    assert sal["location"]["addresses"][0]["postal_code"] == "14614"
    tables = export.export_tables()
    assert [row["location_id"] for row in tables["service_at_location"]] == [sal["location_id"]]
    assert [row["byday"] for row in tables["schedule"]] == ["TU,TH"]


def test_imported_hours_the_form_would_not_allow_do_not_block_an_unrelated_edit(world, login):
    # HSDS allows a night shelter's 20:00-08:00; the form asks for two rows, but only of rows it is given.
    Schedule.objects.create(service=world.service, byday="MO", opens_at=time(20), closes_at=time(8))
    pat = login(world["provider_staff"])
    data = _form(world.service, **_hours(*_rows(world.service), initial=1))
    data["capacity"] = 9
    assert pat.post(f"/directory/services/{world.service.pk}/edit/", data).status_code == 302
    assert Service.objects.get(pk=world.service.pk).capacity == 9
    assert _where(world.service)[1] == [("MO", "20:00", "08:00", "")]
    rows = _rows(world.service)
    rows[0]["opens_at"] = "21:00"  # touched now: judged by the form's rules
    bad = _form(Service.objects.get(pk=world.service.pk), **_hours(*rows, initial=1))
    assert pat.post(f"/directory/services/{world.service.pk}/edit/", bad).status_code == 400
