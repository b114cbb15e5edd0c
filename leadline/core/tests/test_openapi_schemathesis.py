"""The API answers what its OpenAPI document says (issue #15, item 19).

Schemathesis reads /api/schema/ from the app itself (WSGI, in-process, no server), then, for every
operation the document lists, sends requests built from it — signed in with an API token of the program
manager, the one role that reaches every endpoint — and runs every check it has: no 5xx; each status code,
content type and body as documented; a request the document calls valid is not refused with a 400; an
endpoint that declares authentication refuses a request without it; ... Bounded (a few dozen requests an
operation, no example database, derandomized: the same requests every run) so that it takes seconds.

The run's writes (referrals, case notes, lookups, their audit rows) happen inside the test's transaction
and are rolled back with it; the audit table is never deleted from (it refuses DELETE), which the end of
the test checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from leadline.accounts import policy
from leadline.accounts.services import api_token_create
from leadline.audit.models import AuditEvent
from leadline.demo.testing import World
from leadline.directory.hsds import shapes
from leadline.directory.models import Location, ServiceAtLocation

EXAMPLES = 30  # requests an operation (the half of those with a path parameter on a record that exists)
SETTINGS = settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip


def _records(world: World) -> dict[str, dict[str, Any]]:
    """Path parameters naming records that exist, per path: a 200 is checked as well as a 404."""
    service = world.service
    place = Location.objects.create(
        organization=service.organization, name="Main office", postal_code="14604"
    )
    at = ServiceAtLocation.objects.create(service=service, location=place)
    term = service.terms.first()
    return {
        "/api/v1/referrals/{referral_id}/": {"referral_id": world.referral.pk},
        "/api/v1/legal-matters/{matter_id}/": {"matter_id": world.matter.pk},
        "/api/v1/participants/{participant_id}/": {"participant_id": world.mine.pk},
        "/api/v1/participants/{participant_id}/notes/": {"participant_id": world.mine.pk},
        "/api/hsds/services/{id}": {"id": str(service.pk)},
        "/api/hsds/organizations/{id}": {"id": str(service.organization_id)},
        "/api/hsds/service_at_locations/{id}": {"id": str(at.pk)},
        "/api/hsds/taxonomy_terms/{id}": {"id": str(term.pk)},
        "/api/hsds/taxonomies/{id}": {"id": shapes.taxonomy_id(term.taxonomy)},
    }


def _check(operation: Any, auth: dict[str, str], known: dict[str, Any]) -> None:
    strategy = operation.as_strategy()
    if known:

        def on_record(case: Any) -> Any:
            case.path_parameters.update(known)
            return case

        strategy = st.one_of(strategy, strategy.map(on_record))

    @given(case=strategy)
    @SETTINGS
    def check(case: Any) -> None:
        case.call_and_validate(headers=auth)

    check()


@pytest.fixture
def in_the_tests_transaction() -> Iterator[None]:
    """As Django's test client does: the WSGI handler must not close the connection at each request's
    start and end (on PostgreSQL that would end the test's transaction, and the request answer 503)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_every_operation_answers_what_the_openapi_document_says(world, in_the_tests_transaction):
    paula = world["program_manager"]
    _token, secret = api_token_create(
        actor=paula, name="schemathesis", scopes=sorted(policy.capabilities_of(paula)), days=1
    )
    auth = {"Authorization": f"Bearer {secret}"}
    audit_before = set(AuditEvent.objects.values_list("pk", flat=True))
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=auth)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"an operation schemathesis cannot read: {result.err()}"
        operations.append(result.ok())
    assert len(operations) >= 20  # /api/v1/ and /api/hsds/
    records = _records(world)
    failures: dict[str, str] = {}
    for operation in operations:
        try:
            _check(operation, auth, records.get(operation.path, {}))
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, not only the first
            failures[operation.label] = str(exc)
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
    # the run wrote through the API (referrals, notes, lookups: each audited) and removed no audit row
    audit_after = set(AuditEvent.objects.values_list("pk", flat=True))
    assert audit_before < audit_after


def test_a_moment_with_any_offset_is_compared_in_utc_and_one_off_the_calendar_is_a_400(world, login):
    """What the run above found on PostgreSQL: an offset past 15:59 (valid ISO 8601) was a 500 there, and
    the calendar's first day moved before its start by its offset is a 500 on either database."""
    client = login(world["program_manager"])
    far = client.get("/api/hsds/services", {"modified_after": "0257-03-31T15:00:58-23:30"})
    assert far.status_code == 200 and far.json()["total_items"] == 2
    early = client.get("/api/hsds/services", {"modified_after": "0001-01-01T00:00:00+05:00"})
    assert early.status_code == 400 and set(early.json()) == {"modified_after"}
