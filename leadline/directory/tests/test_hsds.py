"""The directory in Open Referral HSDS 3.0: the shapes validate against the specification's schemas, an
export imports back unchanged, an import is all or nothing and idempotent, and the HSDS API answers only
those who may read the directory, each within their scope."""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import zipfile
from datetime import time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from leadline.accounts.services import api_token_create
from leadline.audit.models import AuditEvent
from leadline.core import clock
from leadline.demo.testing import verified_client
from leadline.directory.hsds import export, importer, queries, shapes
from leadline.directory.models import (
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

SCHEMAS = Path(__file__).parent / "data" / "hsds-3.0"


@cache
def _schema(name: str) -> dict[str, Any]:
    path = SCHEMAS / name
    if path.suffix == ".gz":
        return json.loads(gzip.decompress(path.read_bytes()))
    return json.loads(path.read_text(encoding="utf-8"))


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:  # jsonschema checks it only with an optional package
        from datetime import datetime

        return not isinstance(value, str) or datetime.fromisoformat(value.replace("Z", "+00:00")) is not None

    @checker.checks("uri", raises=ValueError)
    def _uri(value: object) -> bool:
        from urllib.parse import urlsplit

        return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)

    return checker


def _errors(instance: Any, schema_file: str) -> list[str]:
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(_schema(name), default_specification=DRAFT202012))
        for name in ("taxonomy.json", "metadata.json")
    )
    validator = Draft202012Validator(
        _schema(schema_file), registry=registry, format_checker=_format_checker()
    )
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def _valid(instance: Any, schema_file: str) -> None:
    errors = _errors(instance, schema_file)
    assert not errors, "\n".join(errors[:20])


@pytest.fixture
def directory(world):
    """The world's two services, Pat's one filled in: a place with an address, opening hours, languages,
    open places, a waitlist and a phone."""
    service = world.service
    org = service.organization
    org.phone, org.website, org.email = (
        "+1 585 555 0100",
        "https://opendoor.example.org",
        "hello@opendoor.example",
    )
    org.save()
    place = Location.objects.create(
        organization=org, name="Open Door drop-in", address_1="12 Main St W", city="Rochester",
        state_province="NY", postal_code="14614", latitude=Decimal("43.156578"),
        longitude=Decimal("-77.608849"), transportation="Bus 5 to Main and Fitzhugh",
    )  # fmt: skip
    ServiceAtLocation.objects.create(service=service, location=place, description="Ask at the front desk")
    Schedule.objects.create(service=service, byday="MO,TU,WE,TH,FR", opens_at=time(9), closes_at=time(17))
    Schedule.objects.create(service=service, byday="SA", opens_at=time(10), closes_at=time(14),
                            description="Walk-ins only")  # fmt: skip
    Service.objects.filter(pk=service.pk).update(
        phone="+1 585 555 0111", email="intake@opendoor.example", url="https://opendoor.example.org/rehousing",
        eligibility_description="Adults in LEAD", minimum_age=18, waitlist=True, wait_time="About two weeks",
        fees_description="Free",
    )  # fmt: skip
    service.terms.add(TaxonomyTerm.objects.get(code="moud"))
    return world


def _client(world, persona: str) -> Client:
    return verified_client(world[persona])


def _export_all() -> dict[str, Any]:
    return json.loads(json.dumps(export.export_document()))


def _empty_the_directory() -> None:
    from leadline.directory.models import ServiceReferral

    ServiceReferral.objects.all().delete()  # the world's referral: a service with referrals is protected
    Service.objects.all().delete()
    Location.objects.all().delete()
    Organization.objects.all().delete()
    while TaxonomyTerm.objects.exists():  # narrower terms first (a broader one is protected)
        TaxonomyTerm.objects.filter(children__isnull=True).delete()


# --- The shapes validate against the HSDS 3.0 schemas ------------------------------------------


def test_a_full_service_is_an_hsds_service(directory):
    data = shapes.service_full(queries.with_related(Service.objects.filter(pk=directory.service.pk)).get())
    _valid(data, "service.json.gz")
    assert data["organization"]["name"] == "Open Door Housing"
    assert data["assured_date"] == clock.today().isoformat()
    assert data["last_modified"].endswith("Z")
    assert data["wait_time"] == "About two weeks"
    assert [(s["freq"], s["byday"], s["opens_at"], s["closes_at"]) for s in data["schedules"]] == [
        ("WEEKLY", "MO,TU,WE,TH,FR", "09:00", "17:00"),
        ("WEEKLY", "SA", "10:00", "14:00"),
    ]
    assert [(lang["code"], lang["name"]) for lang in data["languages"]] == [
        ("en", "English"),
        ("es", "Spanish"),
    ]
    sal = data["service_at_locations"][0]
    assert sal["location"]["addresses"][0]["postal_code"] == "14614"
    assert sal["location"]["latitude"] == pytest.approx(43.156578)
    attributes = {a["taxonomy_term"]["code"]: a for a in data["attributes"]}
    assert set(attributes) == {"housing", "moud", "capacity", "waitlist"}
    assert attributes["capacity"]["value"] == "4"
    assert attributes["waitlist"]["value"] == "true"
    assert attributes["capacity"]["taxonomy_term"]["taxonomy"] == "leadline"
    assert attributes["moud"]["taxonomy_term"]["parent_id"] == str(
        TaxonomyTerm.objects.get(code="substance-use-treatment").pk
    )


def test_every_other_shape_is_its_hsds_schema(directory):
    service = queries.with_related(Service.objects.filter(pk=directory.service.pk)).get()
    sal = ServiceAtLocation.objects.select_related("location", "service__organization").get()
    org = service.organization
    _valid(shapes.service_list_item(service), "service_list.json.gz")
    _valid(shapes.organization_list_item(org), "organization_list.json.gz")
    _valid(shapes.organization_full(org, services=[service]), "organization.json.gz")
    _valid(shapes.organization_full(org, services=[service], full_services=True), "organization.json.gz")
    _valid(shapes.service_at_location_full(sal), "service_at_location.json.gz")
    _valid(shapes.service_at_location_list_item(sal), "service_at_location_list.json.gz")
    for term in TaxonomyTerm.objects.all():
        _valid(shapes.taxonomy_term(term), "taxonomy_term.json")
    for attribute_term in shapes.leadline_attribute_terms():
        _valid(attribute_term, "taxonomy_term.json")
    _valid(shapes.taxonomy("leadline"), "taxonomy.json")


def test_the_validator_would_notice_a_bad_record(directory):
    """The schemas are really applied: a missing status and a malformed id are caught."""
    data = shapes.service_full(queries.with_related(Service.objects.filter(pk=directory.service.pk)).get())
    del data["status"]
    data["id"] = "not-a-uuid"
    data["last_modified"] = "yesterday"
    errors = _errors(data, "service.json.gz")
    assert any("'status' is a required property" in e for e in errors)
    assert any(e.startswith("id:") for e in errors)
    assert any(e.startswith("last_modified:") for e in errors)


def test_the_export_file_is_hsds_throughout(directory):
    document = _export_all()
    assert document["hsds_version"] == "3.0"
    assert {s["name"] for s in document["services"]} == {"Rapid rehousing", "Buprenorphine clinic"}
    for service in document["services"]:
        _valid(service, "service.json.gz")
    for org in document["organizations"]:
        _valid(org, "organization.json.gz")
    for term in document["taxonomy_terms"]:
        _valid(term, "taxonomy_term.json")


def test_the_csv_tables_are_hsds_tabular_and_safe_for_spreadsheets(directory):
    Service.objects.filter(pk=directory.other_service.pk).update(name='=HYPERLINK("http://evil")')
    archive = zipfile.ZipFile(io.BytesIO(export.export_zip()))
    tabular = _schema("tabular.json.gz")["properties"]
    for table, (filename, columns) in export.TABLES.items():
        spec = tabular[table]["items"]
        assert filename == spec["path"]
        assert columns == [k for k, v in spec["properties"].items() if v.get("type") != "array"]
        rows = list(csv.reader(io.StringIO(archive.read(filename).decode("utf-8"))))
        assert rows[0] == columns
    services = list(csv.DictReader(io.StringIO(archive.read("services.csv").decode("utf-8"))))
    assert {s["name"] for s in services} == {"Rapid rehousing", '\'=HYPERLINK("http://evil")'}
    attributes = list(csv.DictReader(io.StringIO(archive.read("attributes.csv").decode("utf-8"))))
    terms = {t["id"] for t in csv.DictReader(io.StringIO(archive.read("taxonomy_terms.csv").decode("utf-8")))}
    assert {a["taxonomy_term_id"] for a in attributes} <= terms  # every attribute's term is in the tables
    assert len(list(csv.DictReader(io.StringIO(archive.read("schedules.csv").decode())))) == 2


# --- The import: round trip, idempotent, all or nothing -----------------------------------------


def test_an_export_imported_into_an_empty_directory_exports_the_same(directory):
    first = _export_all()
    _empty_the_directory()
    report = importer.import_hsds(copy.deepcopy(first), directory["program_manager"])
    assert report.ok, [str(p) for p in report.problems]
    assert len(report.of("created")) > 0
    assert _export_all() == first


def test_an_export_imported_again_changes_nothing(directory):
    first = _export_all()
    versions = dict(Service.objects.values_list("pk", "version"))
    audit_rows = AuditEvent.objects.count()
    report = importer.import_hsds(first, directory["program_manager"])
    assert report.ok and report.changes == []
    assert report.unchanged > 0
    assert dict(Service.objects.values_list("pk", "version")) == versions
    assert AuditEvent.objects.count() == audit_rows
    assert _export_all() == first


def _id(n: int) -> str:
    return f"0b9c4c39-73a3-4a27-9b1d-1f0c3a0de{n:03d}"


def _foreign_service() -> dict[str, Any]:
    """A service as another HSDS system publishes it: its own taxonomy, and a term Leadline knows by code."""
    address = {"id": _id(6), "address_1": "99 Exchange Blvd", "city": "Rochester", "state_province": "NY",
               "postal_code": "14614", "country": "US", "address_type": "physical"}  # fmt: skip
    return {
        "id": _id(1),
        "name": "Legal aid clinic",
        "status": "active",
        "description": "Free civil legal help.",
        "organization": {"id": _id(2), "name": "Monroe Legal Aid", "description": "Civil legal services."},
        "schedules": [{"id": _id(3), "freq": "WEEKLY", "byday": "TU,TH", "opens_at": "13:00",
                       "closes_at": "16:30"}],
        "service_at_locations": [{"id": _id(4), "location": {
            "id": _id(5), "location_type": "physical", "name": "Hall of Justice", "addresses": [address]}}],
        "languages": [{"id": _id(7), "name": "Spanish", "code": "es"}],
        "attributes": [
            {"id": _id(8), "taxonomy_term": {"id": _id(9), "code": "FT-3000.1500", "name": "Eviction Defense",
                                             "description": "", "taxonomy": "211 LA"}},
            {"id": _id(10), "taxonomy_term": {"id": _id(11), "code": "civil-legal", "name": "Civil legal",
                                              "description": ""}},
            {"id": _id(12), "value": "3", "taxonomy_term": {"id": _id(13), "code": "capacity",
                                                            "name": "Open places", "description": "",
                                                            "taxonomy": "leadline"}},
        ],
    }  # fmt: skip


def test_a_foreign_file_is_imported_once_and_then_changes_nothing(world):
    adam = world["site_admin"]
    report = importer.import_hsds([_foreign_service()], adam)
    assert report.ok, [str(p) for p in report.problems]
    kinds = {"organization", "location", "service", "schedule", "service_at_location", "taxonomy_term"}
    assert {c.kind for c in report.created} == kinds
    service = Service.objects.get(pk=_id(1))
    assert service.organization.name == "Monroe Legal Aid"
    assert service.capacity == 3 and service.languages == ["es"] and service.status == "active"
    assert service.last_verified_at is None
    # Known by code: Leadline's own term; unknown: created under its taxonomy's name.
    assert {(t.code, t.taxonomy) for t in service.terms.all()} == {("civil-legal", "leadline"),
                                                                  ("FT-3000.1500", "211 LA")}  # fmt: skip
    assert TaxonomyTerm.objects.get(code="civil-legal").name == "Civil legal help"  # not renamed by a file
    schedule = service.schedules.get()
    assert (schedule.byday, schedule.opens_at, schedule.closes_at) == ("TU,TH", time(13), time(16, 30))
    created = AuditEvent.objects.filter(reason="HSDS import", action="create")
    assert created.filter(
        subject_type="directory_service", subject_id=str(service.pk), actor_id=adam.pk
    ).exists()

    audit_rows = AuditEvent.objects.count()
    again = importer.import_hsds([_foreign_service()], adam)
    assert again.ok and again.changes == []
    assert AuditEvent.objects.count() == audit_rows
    assert Service.objects.filter(name="Legal aid clinic").count() == 1
    assert TaxonomyTerm.objects.filter(code="FT-3000.1500").count() == 1


def test_an_import_updates_by_id_and_audits_each_change(world):
    paula = world["program_manager"]
    importer.import_hsds([_foreign_service()], paula)
    service = Service.objects.get(pk=_id(1))
    version, modified = service.version, service.updated_at
    changed = _foreign_service()
    changed["name"] = "Legal aid clinic (Tuesdays)"
    changed["schedules"] = [{"id": _id(255), "byday": "TU", "opens_at": "13:00"}]
    changed["attributes"] = changed["attributes"][:2]  # no open places any more
    changed["assured_date"] = "2026-01-05"

    report = importer.import_hsds([changed], paula)

    assert report.ok
    assert [(c.kind, c.action) for c in report.changes] == [
        ("service", "updated"), ("schedule", "deleted"), ("schedule", "created")]  # fmt: skip
    service.refresh_from_db()
    assert service.name == "Legal aid clinic (Tuesdays)" and service.capacity is None
    assert service.version == version + 1 and service.updated_at >= modified
    assert service.last_verified_at and clock.local_date(service.last_verified_at).isoformat() == "2026-01-05"
    assert [s.byday for s in service.schedules.all()] == ["TU"]
    audit = AuditEvent.objects.get(
        action="update", subject_type="directory_service", subject_id=str(service.pk)
    )
    assert audit.changes["name"] == {"before": "Legal aid clinic", "after": "Legal aid clinic (Tuesdays)"}
    assert audit.changes["capacity"] == {"before": 3, "after": None}
    assert AuditEvent.objects.filter(action="delete", subject_type="directory_schedule").count() == 1


def test_a_bad_file_names_each_record_and_field_and_writes_nothing(world):
    good = _foreign_service()
    bad = shapes.service_full(queries.with_related(Service.objects.filter(pk=world.service.pk)).get())
    sid = bad["id"]
    del bad["name"]
    bad["email"] = "not an email"
    bad["status"] = "open"
    bad["schedules"] = [{"id": _id(170), "byday": "Mondays", "opens_at": "9am"}]
    counts = (Service.objects.count(), Organization.objects.count(), TaxonomyTerm.objects.count(),
              AuditEvent.objects.count())  # fmt: skip

    report = importer.import_hsds([good, bad, {"name": "No id"}], world["program_manager"])

    assert not report.ok and report.changes == []
    where = {(p.record, p.id, p.field) for p in report.problems}
    assert {("services[1]", sid, "name"), ("services[1]", sid, "email"), ("services[1]", sid, "status"),
            ("services[1]", sid, "schedules[0].byday"), ("services[1]", sid, "schedules[0].opens_at"),
            ("services[2]", "", "id")} <= where  # fmt: skip
    assert f"services[1] (id {sid}), name: required" in [str(p) for p in report.problems]
    assert len([p for p in report.problems if p.field == "name"]) == 1  # said once
    assert (Service.objects.count(), Organization.objects.count(), TaxonomyTerm.objects.count(),
            AuditEvent.objects.count()) == counts  # fmt: skip
    assert Service.objects.get(pk=world.service.pk).name == "Rapid rehousing"


def test_records_that_point_nowhere_or_disagree_are_refused(world):
    lost = _foreign_service()
    del lost["organization"]
    lost["organization_id"] = _id(900)
    twin = _foreign_service()
    twin["id"] = _id(901)
    twin["organization"]["name"] = "Another name for the same organisation"
    twin["schedules"], twin["service_at_locations"] = [], []
    report = importer.import_hsds({"services": [lost, _foreign_service(), twin]}, world["site_admin"])
    messages = [str(p) for p in report.problems]
    assert any(m.startswith(f"services[0] (id {_id(1)}), organization_id: no such")
               for m in messages), messages  # fmt: skip
    differs = f"services[2] (id {_id(901)}), organization: organization {_id(2)} differs from its copy in"
    assert f"{differs} services[1] (name)" in messages
    nowhere = f"services[0] (id {_id(1)}), service_at_locations[0].location.organization_id: no such"
    assert f"{nowhere} organisation in the file or in Leadline" in messages
    assert importer.import_hsds({"nothing": []}, None).problems[0].record == "file"
    shared = _foreign_service()
    shared["id"] = _id(902)
    del shared["organization"]
    shared["organization_id"] = _id(2)
    again = importer.import_hsds([_foreign_service(), shared], None)
    assert f"services[1] (id {_id(902)}), schedules: {_id(3)} is given twice in the file" in map(
        str, again.problems
    )


def test_only_those_who_manage_the_whole_directory_may_import(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        importer.import_hsds([_foreign_service()], world["provider_staff"])
    assert not Service.objects.filter(name="Legal aid clinic").exists()
    assert not Service.objects.filter(name="Legal aid clinic").exists()


# --- The API ------------------------------------------------------------------------------------


def test_the_api_root_says_which_hsds(world):
    body = _client(world, "case_manager").get("/api/hsds/").json()
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("openapi.json") and body["profile"].startswith("https://")


def test_services_come_a_page_at_a_time(world, django_assert_max_num_queries):
    org = world.service.organization
    for i in range(5):
        Service.objects.create(organization=org, name=f"Shelter {i}", description="Beds tonight",
                               updated_at=clock.now())  # fmt: skip
    client = _client(world, "case_manager")
    first = client.get("/api/hsds/services?per_page=3").json()
    assert (first["total_items"], first["total_pages"], first["page_number"], first["size"]) == (7, 3, 1, 3)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    assert [s["name"] for s in first["contents"]] == ["Buprenorphine clinic", "Rapid rehousing", "Shelter 0"]
    for item in first["contents"]:
        _valid(item, "service_list.json.gz")
    last = client.get("/api/hsds/services?per_page=3&page=3").json()
    assert last["last_page"] and [s["name"] for s in last["contents"]] == ["Shelter 4"]
    beyond = client.get("/api/hsds/services?per_page=3&page=9").json()
    assert beyond["empty"] and beyond["contents"] == []
    assert client.get("/api/hsds/services?per_page=101").status_code == 400
    assert "page" in client.get("/api/hsds/services?page=0").json()
    with django_assert_max_num_queries(12):
        full = client.get("/api/hsds/services?full=true&per_page=100").json()
    for item in full["contents"]:
        _valid(item, "service.json.gz")
    minimal = client.get("/api/hsds/services?minimal=true").json()["contents"][0]
    assert set(minimal) == {"id", "last_modified"}


def test_services_can_be_searched_and_filtered(directory):
    client = _client(directory, "outreach_worker")

    def names(query: str) -> list[str]:
        response = client.get(f"/api/hsds/services?{query}")
        assert response.status_code == 200, response.content
        return [s["name"] for s in response.json()["contents"]]

    moud = TaxonomyTerm.objects.get(code="moud")
    assert names("search=SAME-DAY") == ["Buprenorphine clinic"]  # description, any case
    assert names(f"taxonomy_term_id={moud.pk}") == ["Buprenorphine clinic", "Rapid rehousing"]
    assert names(f"taxonomy_term_id={TaxonomyTerm.objects.get(code='housing').pk}") == ["Rapid rehousing"]
    assert names(f"organization_id={directory.other_service.organization_id}") == ["Buprenorphine clinic"]
    assert names(f"taxonomy_id={shapes.taxonomy_id('leadline')}") == [
        "Buprenorphine clinic",
        "Rapid rehousing",
    ]
    assert names(f"taxonomy_id={shapes.taxonomy_id('211 LA')}") == []
    Service.objects.filter(pk=directory.other_service.pk).update(updated_at=clock.now() - timedelta(days=30))
    since = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert names(f"modified_after={since}") == ["Rapid rehousing"]
    assert client.get("/api/hsds/services?modified_after=last-week").status_code == 400
    assert client.get("/api/hsds/services?taxonomy_term_id=housing").status_code == 400


def test_one_service_is_the_full_hsds_service(directory):
    body = _client(directory, "case_manager").get(f"/api/hsds/services/{directory.service.pk}").json()
    _valid(body, "service.json.gz")
    assert body["service_at_locations"][0]["location"]["name"] == "Open Door drop-in"
    assert _client(directory, "case_manager").get("/api/hsds/services/nope").status_code == 404


def test_a_page_of_full_organisations_runs_a_bounded_number_of_queries(
    directory, django_assert_max_num_queries
):
    for i in range(4):
        org = Organization.objects.create(name=f"Org {i}", description="More", updated_at=clock.now())
        Service.objects.create(organization=org, name=f"Service {i}", updated_at=clock.now())
    client = _client(directory, "site_admin")
    with django_assert_max_num_queries(14):
        page = client.get("/api/hsds/organizations?full=true&full_service=true").json()
    assert page["total_items"] == 6
    for org in page["contents"]:
        _valid(org, "organization.json.gz")
    assert {len(o["services"]) for o in page["contents"]} == {1}


def test_organizations_taxonomies_and_services_at_locations(directory):
    client = _client(directory, "program_manager")
    org = directory.service.organization
    orgs = client.get("/api/hsds/organizations").json()
    assert [o["name"] for o in orgs["contents"]] == ["Genesee Recovery", "Open Door Housing"]
    for item in orgs["contents"]:
        _valid(item, "organization_list.json.gz")
    one = client.get(f"/api/hsds/organizations/{org.pk}").json()
    _valid(one, "organization.json.gz")
    assert [s["name"] for s in one["services"]] == ["Rapid rehousing"]
    assert one["locations"][0]["name"] == "Open Door drop-in"
    full = client.get(f"/api/hsds/organizations/{org.pk}?full_service=true").json()
    assert full["services"][0]["schedules"]
    _valid(full, "organization.json.gz")

    taxonomies = client.get("/api/hsds/taxonomies").json()["contents"]
    assert [t["name"] for t in taxonomies] == ["leadline"]
    assert client.get(f"/api/hsds/taxonomies/{taxonomies[0]['id']}").json()["name"] == "leadline"
    terms = client.get("/api/hsds/taxonomy_terms?per_page=100").json()
    assert terms["total_items"] == TaxonomyTerm.objects.count() + 2
    assert {"housing", "moud", "capacity", "waitlist"} <= {t["code"] for t in terms["contents"]}
    paged = [t["code"] for p in (1, 2, 3) for t in
             client.get(f"/api/hsds/taxonomy_terms?per_page=6&page={p}").json()["contents"]]  # fmt: skip
    assert paged == [t["code"] for t in terms["contents"]]
    housing = TaxonomyTerm.objects.get(code="housing")
    assert client.get(f"/api/hsds/taxonomy_terms/{housing.pk}").json()["name"] == "Housing"
    capacity = shapes.leadline_term_id("capacity")
    assert client.get(f"/api/hsds/taxonomy_terms/{capacity}").json()["code"] == "capacity"
    narrower = client.get(
        f"/api/hsds/taxonomy_terms?parent_id={TaxonomyTerm.objects.get(code='substance-use-treatment').pk}"
    )
    assert {t["code"] for t in narrower.json()["contents"]} == {"moud", "harm-reduction"}

    sals = client.get("/api/hsds/service_at_locations").json()
    assert sals["total_items"] == 1
    _valid(sals["contents"][0], "service_at_location_list.json.gz")
    sal = client.get(f"/api/hsds/service_at_locations/{sals['contents'][0]['id']}").json()
    _valid(sal, "service_at_location.json.gz")
    assert client.get("/api/hsds/service_at_locations?postcode=14614").json()["total_items"] == 1
    assert client.get("/api/hsds/service_at_locations?postcode=10001").json()["total_items"] == 0


def test_provider_staff_read_only_their_own_organisation(directory):
    pat = _client(directory, "provider_staff")
    services = pat.get("/api/hsds/services").json()
    assert [s["name"] for s in services["contents"]] == ["Rapid rehousing"]
    assert pat.get(f"/api/hsds/services/{directory.other_service.pk}").status_code == 404
    assert [o["name"] for o in pat.get("/api/hsds/organizations").json()["contents"]] == ["Open Door Housing"]
    theirs = directory.other_service.organization_id
    assert pat.get(f"/api/hsds/organizations/{theirs}").status_code == 404
    assert pat.get(f"/api/hsds/services?organization_id={theirs}").json()["total_items"] == 0
    assert pat.get("/api/hsds/service_at_locations").json()["total_items"] == 1

    carmen = _client(directory, "case_manager")
    assert carmen.get("/api/hsds/services").json()["total_items"] == 2
    assert carmen.get(f"/api/hsds/services/{directory.other_service.pk}").status_code == 200


@pytest.mark.parametrize(
    "persona", ["officer", "police_liaison", "prosecutor", "defender", "evaluator", "no_role"]
)
def test_those_without_the_directory_are_refused(world, persona):
    assert _client(world, persona).get("/api/hsds/services").status_code == 403


def test_the_api_is_not_public(world):
    anonymous = Client()
    for path in ("/api/hsds/", "/api/hsds/services", f"/api/hsds/services/{world.service.pk}"):
        assert anonymous.get(path).status_code == 401


def test_the_api_with_a_token(world):
    pat = world["provider_staff"]
    _token, secret = api_token_create(actor=pat, name="211 sync", scopes=["directory.view"], days=30)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert [s["name"] for s in api.get("/api/hsds/services").json()["contents"]] == ["Rapid rehousing"]
    assert api.get(f"/api/hsds/services/{world.other_service.pk}").status_code == 404
    _token, narrow = api_token_create(
        actor=world["case_manager"], name="x", scopes=["api_token.view"], days=1
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {narrow}").get("/api/hsds/services").status_code == 403
    assert Client(HTTP_AUTHORIZATION="Bearer ll_wrong").get("/api/hsds/services").status_code == 401


# --- Export and import pages, and the commands --------------------------------------------------


def test_the_whole_directory_is_exported_by_those_who_edit_all_of_it(directory):
    paula = _client(directory, "program_manager")
    response = paula.get("/directory/export.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert json.loads(response.content) == _export_all()
    zipped = _client(directory, "site_admin").get("/directory/export.zip")
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    assert "services.csv" in zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert AuditEvent.objects.filter(action="export", subject_type="directory").count() == 2
    for persona in ("provider_staff", "case_manager", "officer"):
        assert _client(directory, persona).get("/directory/export.json").status_code == 403
    assert Client().get("/directory/export.zip").status_code == 302


def _upload(document: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "directory.json", json.dumps(document).encode(), content_type="application/json"
    )


def test_the_import_page_shows_what_changed_and_a_double_submit_makes_one_set(world):
    from leadline.core.models import ImportJob
    from leadline.directory.tasks import hsds_import_run

    adam = _client(world, "site_admin")
    assert adam.get("/directory/import/").status_code == 200

    def imported(upload: SimpleUploadedFile) -> Any:
        # The page hands the file to a background job (issue #15 item 8); the job's page says what it did.
        sent = adam.post("/directory/import/", {"file": upload})
        assert sent.status_code == 302
        hsds_import_run.call(str(ImportJob.objects.latest("created_at").pk))
        return adam.get(sent["Location"])

    first = imported(_upload([_foreign_service()]))
    assert first.status_code == 200
    assert b"data-import-done" in first.content and b"Legal aid clinic" in first.content
    second = imported(_upload([_foreign_service()]))
    assert second.status_code == 200 and b"already held everything" in second.content
    assert Service.objects.filter(name="Legal aid clinic").count() == 1

    broken = _foreign_service()
    broken["status"] = "maybe"
    refused = imported(_upload([broken]))
    assert b"data-import-errors" in refused.content and b"services[0]" in refused.content
    not_json = imported(SimpleUploadedFile("x.json", b"{oops"))
    assert b"not valid JSON" in not_json.content
    assert _client(world, "provider_staff").get("/directory/import/").status_code == 403


def test_the_commands_export_and_import(directory, tmp_path):
    out = tmp_path / "directory.json"
    call_command("directory_export", "--out", str(out), stdout=io.StringIO())
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document == _export_all()
    call_command("directory_export", "--out", str(tmp_path / "d.zip"), "--csv", stdout=io.StringIO())
    assert "organizations.csv" in zipfile.ZipFile(tmp_path / "d.zip").namelist()

    _empty_the_directory()
    said = io.StringIO()
    call_command("directory_import", str(out), stdout=said)
    assert "created" in said.getvalue()
    assert _export_all() == document
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "x"}]))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"services\[0\]"):
        call_command("directory_import", str(bad), stdout=io.StringIO())
