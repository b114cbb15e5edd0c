"""The API: scoped tokens, sessions only with MFA, the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from leadline.accounts.models import APIToken
from leadline.accounts.services import InvalidInput, api_token_create, api_token_revoke
from leadline.core import clock
from leadline.demo.testing import verified_client


def _api(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_token_works_only_within_its_scopes(world):
    carmen = world["case_manager"]
    _token, secret = api_token_create(actor=carmen, name="rms", scopes=["participant_card.view"], days=30)
    api = _api(secret)
    me = api.get("/api/v1/me/").json()
    assert me["capabilities"] == {"participant_card.view": "all"}
    assert api.get("/api/v1/participants/").status_code == 200
    assert api.get(f"/api/v1/participants/{world.mine.pk}/notes/").status_code == 403
    detail = api.get(f"/api/v1/participants/{world.mine.pk}/").json()
    assert "date_of_birth" not in detail  # participant_record.view was not given to the token


def test_only_the_hash_of_a_token_is_stored(small_world):
    token, secret = api_token_create(
        actor=small_world["case_manager"], name="x", scopes=["api_token.view"], days=1
    )
    assert secret not in str(APIToken.objects.filter(pk=token.pk).values().get())


def test_a_token_cannot_hold_what_its_owner_does_not(small_world):
    with pytest.raises(InvalidInput, match="You do not hold"):
        api_token_create(actor=small_world["officer"], name="x", scopes=["case_notes.view"], days=5)
    with pytest.raises(InvalidInput, match="days"):
        api_token_create(actor=small_world["officer"], name="x", scopes=["lookup.view"], days=1000)


def test_expired_and_revoked_tokens_are_refused(small_world):
    carmen = small_world["case_manager"]
    token, secret = api_token_create(actor=carmen, name="x", scopes=["api_token.view"], days=1)
    with time_machine.travel(clock.now() + timedelta(days=2)):
        assert _api(secret).get("/api/v1/me/").status_code == 401
    assert _api(secret).get("/api/v1/me/").status_code == 200
    api_token_revoke(actor=carmen, token=token)
    assert _api(secret).get("/api/v1/me/").status_code == 401
    assert _api("ll_not-a-token").get("/api/v1/me/").status_code == 401


def test_a_session_without_mfa_cannot_use_the_api(small_world):
    client = Client()
    client.force_login(small_world["case_manager"])
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert verified_client(small_world["case_manager"]).get("/api/v1/me/").status_code == 200


def test_bad_api_input_names_the_field_and_writes_nothing(world):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/api/v1/participants/{world.mine.pk}/notes/",
        {"sensitivity": "gossip"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"body", "sensitivity", "idempotency_key"}
    assert not world.mine.case_notes.exists()


def test_a_double_submitted_note_makes_one_record(world):
    client = verified_client(world["case_manager"])
    payload = {"body": "Met at the library", "sensitivity": "general", "idempotency_key": "abc123"}
    first = client.post(
        f"/api/v1/participants/{world.mine.pk}/notes/", payload, content_type="application/json"
    )
    second = client.post(
        f"/api/v1/participants/{world.mine.pk}/notes/", payload, content_type="application/json"
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    page = {"body": "Met again", "sensitivity": "general", "idempotency_key": "form-1"}
    client.post(f"/participants/{world.mine.pk}/notes/", page)
    client.post(f"/participants/{world.mine.pk}/notes/", page)
    assert world.mine.case_notes.count() == 2


def test_the_openapi_document_describes_every_endpoint(small_world):
    client = verified_client(small_world["evaluator"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"] if schema["Content-Type"].endswith("json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(schema.content)["paths"]
    assert {
        "/api/v1/me/",
        "/api/v1/participants/",
        "/api/v1/participants/{participant_id}/",
        "/api/v1/participants/{participant_id}/notes/",
        "/api/v1/site/",
    } <= set(paths)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()  # served from the sidecar, no network needed


def test_reusing_a_key_for_another_note_is_a_conflict_and_shows_nothing(world):
    from leadline.cases.services import case_note_add

    carmen = world["case_manager"]
    case_note_add(
        actor=carmen,
        participant=world.mine,
        body="secret treatment words",
        sensitivity="substance_use",
        idempotency_key="k1",
    )
    client = verified_client(carmen)
    response = client.post(
        f"/api/v1/participants/{world.mine.pk}/notes/",
        {"body": "other", "sensitivity": "general", "idempotency_key": "k1"},
        content_type="application/json",
    )
    assert response.status_code == 409 and b"secret treatment" not in response.content
    assert world.mine.case_notes.count() == 1
