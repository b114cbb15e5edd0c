"""Issue #15 items 8 and 9: the court-record import runs as a background job with a progress page seen
only by the person who started it; the upload is checked as it arrives; a hostile CSV is a message naming
the row and the field, never a 500; matching people costs a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadline.core import clock
from leadline.core.models import ImportJob
from leadline.demo.testing import verified_client
from leadline.legal.models import CourtDate, Warrant
from leadline.legal.records import MAX_IMPORT_BYTES, records_import
from leadline.legal.tasks import records_import_run
from leadline.participants.models import Participant

pytestmark = pytest.mark.django_db
HEAD = (
    "record,given_name,family_name,date_of_birth,docket,court,description,status,date,time,purpose,"
    "reference,statute,degree"
)


@pytest.fixture(autouse=True)
def _born(world):
    Participant.objects.filter(pk=world.mine.pk).update(date_of_birth=date(1990, 5, 17))
    world.mine.refresh_from_db()


def _person(world) -> str:
    p = world.mine
    return f"{p.given_name},{p.family_name},{p.date_of_birth}"


def _file(world, *rows: str) -> bytes:
    return "\n".join([HEAD, *(r.replace("PERSON", _person(world)) for r in rows)]).encode()


def _good(world, n: int = 3) -> bytes:
    soon = clock.today() + timedelta(days=10)
    return _file(
        world, *(f"court_date,PERSON,,Rochester City Court,,,{soon},09:{k:02d},Hearing,,," for k in range(n))
    )


def test_an_import_is_a_background_job_with_a_page_for_its_owner_only(
    world, django_capture_on_commit_callbacks
):
    priya = verified_client(world["prosecutor"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = priya.post("/legal/import/", {"file": SimpleUploadedFile("court.csv", _good(world))})
    job = ImportJob.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/imports/{job.pk}/"
    assert job.status == "queued" and job.kind == "legal" and job.owner == world["prosecutor"]
    assert not CourtDate.objects.exists()  # nothing done inside the request
    waiting = priya.get(sent["Location"])
    assert waiting.status_code == 200 and b'data-import-job="queued"' in waiting.content
    assert b'hx-trigger="every 2s"' in waiting.content

    records_import_run.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == job.rows_total == 3 and job.data == b""
    assert job.result == {"created": 3, "updated": 0, "unchanged": 0}
    assert CourtDate.objects.filter(participant=world.mine).count() == 3
    done = priya.get(sent["Location"], HTTP_HX_REQUEST="true")
    assert b"data-import-done" in done.content and b"hx-trigger" not in done.content
    records_import_run.call(str(job.pk))  # run again (a retry): a finished job is left alone
    assert CourtDate.objects.count() == 3

    for persona in ("program_manager", "case_manager", "defender", "site_admin", "officer", "evaluator"):
        assert verified_client(world[persona]).get(sent["Location"]).status_code == 404, persona


def test_a_refused_file_shows_every_error_and_writes_nothing(world):
    job = _run(
        world,
        _file(
            world,
            "warrant,PERSON,,,,active,2026-10-01,,,W-1,,",
            "case,Nobody,Here,1990-01-01,D-1,Court,,open,,,,,,",
        ),
    )
    assert job.status == "failed" and job.data == b""
    assert job.errors == [
        "Row 2, court: Court is required.",
        "Row 3, given_name: no participant in your legal matters has this name and date of birth.",
    ]
    assert not Warrant.objects.exists()
    page = verified_client(world["prosecutor"]).get(f"/imports/{job.pk}/")
    assert b"data-import-errors" in page.content and b"Row 2, court" in page.content


def _run(world, data: bytes) -> ImportJob:
    verified_client(world["prosecutor"]).post("/legal/import/", {"file": SimpleUploadedFile("c.csv", data)})
    job = ImportJob.objects.latest("created_at")
    records_import_run.call(str(job.pk))
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    "row, field",
    [
        ('case,PERSON,D-1,"Rochester City Court,,open,,,,,,', "court"),  # an unclosed quote
        ("case,PERSON,D-\x001,Rochester City Court,,open,,,,,,", "docket"),  # a NUL byte
        ("case,PERSON,D-1,Rochester City Court," + "x" * 140_000 + ",open,,,,,,", "description"),  # > 128 KiB
    ],
)
def test_a_hostile_csv_is_a_message_naming_the_row_and_the_field(world, row, field):
    report = records_import(actor=world["prosecutor"], data=_file(world, row))
    assert report.errors and report.errors[0].startswith(f"Row 2, {field}:"), report.errors
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 0}


def test_a_file_over_the_limit_is_refused_as_it_arrives(world):
    priya = verified_client(world["prosecutor"])
    over = SimpleUploadedFile("court.csv", b"x" * (MAX_IMPORT_BYTES + 1))
    refused = priya.post("/legal/import/", {"file": over})
    assert refused.status_code == 400 and b"larger than 2 MB" in refused.content
    assert not ImportJob.objects.exists()
    far = SimpleUploadedFile("court.csv", b"x" * (3 * MAX_IMPORT_BYTES))
    unread = priya.post("/legal/import/", {"file": far})
    assert unread.status_code == 413 and b"larger than 2.097152 MB" not in unread.content
    assert b"nothing of it was read" in unread.content and not ImportJob.objects.exists()


def test_matching_people_costs_a_fixed_number_of_queries(world):
    """Before: one query (with the prosecutor's consent subqueries) per row; 5,000 rows took 90-100 s."""

    def queries(rows: int) -> int:
        # Every row matches a person, then fails its own check: the whole check runs, nothing is written.
        data = _file(world, *["warrant,PERSON,,,,active,2026-10-01,,,W-1,," for _ in range(rows)])
        with CaptureQueriesContext(connection) as captured:
            report = records_import(actor=world["prosecutor"], data=data)
        assert len(report.errors) == rows
        return len(captured)

    assert queries(40) == queries(2)
