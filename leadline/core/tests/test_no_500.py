"""Issue #15 items 9 and 17: bad input is a message naming the field, never a 500 — and a database outage
is a static 503 page, not the server's bare "Internal Server Error"."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client

from leadline.demo.testing import verified_client
from leadline.referrals.models import Handoff
from leadline.referrals.tests.test_line import _post, _sms, line  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
TWENTY_DIGITS = "9" * 20


def test_a_nul_in_the_lead_line_text_or_id_still_raises_the_request(line):  # noqa: F811
    """Before: a 500 on every delivery, so the provider's retries never succeeded and the officer's
    request was never raised. The NUL is dropped; the request is raised, once, whatever the retries."""
    first = _post(_sms(text="LEAD 5th\x00 and Main", message_id="SM\x0042"))
    assert first.status_code == 201, first.content
    handoff = Handoff.objects.get(pk=first.json()["request"])
    assert "\x00" not in handoff.message and "5th" in handoff.message and "Main" in handoff.message
    assert "\x00" not in (handoff.provider_message_id or "")
    again = _post(_sms(text="LEAD 5th\x00 and Main", message_id="SM\x0042"))  # the provider's retry
    assert again.status_code == 200 and again.json()["request"] == handoff.pk
    nul_phone = _post(_sms(frm="+1 (585) 555-0142\x00"))
    assert nul_phone.status_code in (200, 201) and nul_phone.json()["request"] == handoff.pk


def test_deeply_nested_json_in_the_site_import_is_a_message(small_world):
    adam = verified_client(small_world["site_admin"])
    nested = SimpleUploadedFile("site.json", b"[" * 100_000 + b"]" * 100_000)
    response = adam.post("/site/import/", {"file": nested})
    assert response.status_code == 400 and b"nested more than 64 levels deep" in response.content
    shallow_but_deep = SimpleUploadedFile("site.json", b'{"a":' * 500 + b"1" + b"}" * 500)
    response = adam.post("/site/import/", {"file": shallow_but_deep})
    assert response.status_code == 400 and b"nested more than 64 levels deep" in response.content


def test_an_impossible_date_in_the_hsds_api_is_a_400_naming_the_parameter(small_world):
    for persona in ("case_manager", "provider_staff", "site_admin"):
        client = verified_client(small_world[persona])
        response = client.get("/api/hsds/services", {"modified_after": "2026-02-30"})
        assert response.status_code == 400, (persona, response.content)
        assert "modified_after" in response.json()


def test_the_end_of_time_in_the_law_enforcement_report_is_the_forms_error(small_world):
    client = verified_client(small_world["program_manager"])
    response = client.get("/audit/law-enforcement/", {"start": "2026-01-01", "end": "9999-12-31"})
    assert response.status_code == 400 and b'id="id_end_error"' in response.content
    assert (
        client.get("/audit/law-enforcement/", {"start": "9999-12-31", "end": "9999-12-31"}).status_code == 400
    )
    fine = client.get("/audit/law-enforcement/", {"start": "2026-01-01", "end": "2026-01-31"})
    assert fine.status_code == 200


def test_a_twenty_digit_member_id_on_a_new_thread_is_the_forms_error(world):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/messages/new/{world.mine.pk}/",
        {
            "subject": "Intake",
            "members": [TWENTY_DIGITS],
            "body": "Hello",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 400 and b'id="id_members_error"' in response.content


def test_a_database_outage_is_a_static_503_page(small_world):
    """Before: the error page itself queried the database, so users read the server's bare "Internal
    Server Error". Now a static page that needs nothing from the database, status 503."""
    client = verified_client(small_world["case_manager"], raise_request_exception=False)

    def down(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(down):
        page = client.get("/participants/")
        api = client.get("/api/v1/participants/")
        anonymous = Client(raise_request_exception=False).get("/accounts/login/")
    for response in (page, anonymous):
        assert response.status_code == 503
        assert b"temporarily unavailable" in response.content and response["Retry-After"]
    assert api.status_code == 503 and api.json() == {"detail": "The service is temporarily unavailable."}


@pytest.mark.parametrize("debug", [False, True])
def test_the_static_error_pages_render_without_the_database(small_world, settings, debug):
    from leadline.core import errors

    settings.DEBUG = debug
    request = Client().get("/").wsgi_request
    with connection.execute_wrapper(lambda *a: (_ for _ in ()).throw(AssertionError("a query"))):
        assert errors.server_error(request).status_code == 500
        assert errors.unavailable(request).status_code == 503
