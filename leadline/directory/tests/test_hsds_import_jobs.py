"""Issue #15 items 8 and 9: the HSDS import runs as a background job, its upload checked as it arrives,
its JSON bounded before it is parsed; a NUL in a name is a problem naming the record and the field."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leadline.core.models import ImportJob
from leadline.demo.testing import verified_client
from leadline.directory.hsds import importer
from leadline.directory.hsds_views import MAX_IMPORT_BYTES
from leadline.directory.models import Service
from leadline.directory.tasks import hsds_import_run
from leadline.directory.tests.test_hsds import _foreign_service

pytestmark = pytest.mark.django_db


def _send(world, data: bytes, persona: str = "site_admin"):
    client = verified_client(world[persona])
    sent = client.post("/directory/import/", {"file": SimpleUploadedFile("directory.json", data)})
    return client, sent


def _job(world, data: bytes) -> tuple[ImportJob, str]:
    client, sent = _send(world, data)
    assert sent.status_code == 302, sent.content[:300]
    job = ImportJob.objects.get(pk=sent.url.split("/")[2])
    hsds_import_run.call(str(job.pk))
    job.refresh_from_db()
    return job, client.get(sent.url).content.decode()


def test_an_hsds_import_is_a_background_job_with_its_changes_on_its_page(world):
    job, page = _job(world, json.dumps([_foreign_service()]).encode())
    assert job.status == "done" and job.kind == "directory" and job.data == b""
    assert job.result["created"] == 6 and job.rows_done == job.rows_total == 1
    assert "data-import-done" in page and "Legal aid clinic" in page
    assert Service.objects.filter(name="Legal aid clinic").count() == 1
    again, page = _job(world, json.dumps([_foreign_service()]).encode())
    assert again.status == "done" and "already held everything" in page
    assert verified_client(world["program_manager"]).get(f"/imports/{job.pk}/").status_code == 404


def test_a_nul_in_a_service_name_is_a_problem_naming_the_field(world):
    service = _foreign_service()
    service["name"] = "Legal\x00aid"
    report = importer.import_hsds([service], world["site_admin"])
    assert [(p.record, p.field) for p in report.problems] == [("services[0]", "name")]
    job, page = _job(world, json.dumps([service]).encode())
    assert job.status == "failed" and "services[0]" in page and "NUL" in page
    assert not Service.objects.filter(pk=service["id"]).exists()


def test_deeply_nested_json_is_refused_before_it_is_parsed(world):
    job, _page = _job(world, b"[" * 100_000 + b"]" * 100_000)
    assert job.status == "failed" and job.errors == ["file: nested more than 64 levels deep"]
    broken, _page = _job(world, b"{oops")
    assert broken.errors[0].startswith("file: not valid JSON")


def test_a_file_over_10_mb_is_refused_as_it_arrives(world):
    _client, refused = _send(world, b" " * (MAX_IMPORT_BYTES + 1))
    assert refused.status_code == 400 and b"larger than 10 MB" in refused.content
    assert not ImportJob.objects.exists()
