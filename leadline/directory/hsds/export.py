"""The whole directory as one HSDS JSON file (``export_document``, which ``importer.import_hsds`` reads
back) and as the HSDS tabular form (``export_tables``, ``export_zip``: one CSV per table).
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from django.db.models import Prefetch

from leadline.core.csvsafe import csv_cell
from leadline.directory.hsds.queries import with_related
from leadline.directory.hsds.shapes import (
    HSDS_VERSION,
    leadline_attribute_terms,
    organization_full,
    service_full,
    taxonomy,
    taxonomy_term,
)
from leadline.directory.models import (
    Location,
    Organization,
    Service,
    TaxonomyTerm,
)


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
