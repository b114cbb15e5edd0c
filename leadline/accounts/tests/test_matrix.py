"""The role × capability matrix: docs/permissions.md is the source, and every endpoint is checked
for every persona, including the refusals."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from leadline.accounts.matrix import (
    DOC,
    PERSONA_COLUMNS,
    ROLE_COLUMNS,
    capability_table,
    parse_capabilities,
    parse_endpoints,
)
from leadline.accounts.roles import CAPABILITIES, ROLE_CAPABILITIES, Role
from leadline.accounts.services import api_token_create
from leadline.core import clock
from leadline.demo.testing import World, endpoint_path, sample_signature_data_url, verified_client
from leadline.participants.models import Participant
from leadline.sites.models import EligibleOffence

DOC_TEXT = DOC.read_text(encoding="utf-8")
ENDPOINTS = parse_endpoints(DOC_TEXT)


def test_the_capability_table_in_the_docs_is_the_one_in_the_code():
    documented = parse_capabilities(DOC_TEXT)
    in_code = {
        name: {
            role.value: scope.value for role, caps in ROLE_CAPABILITIES.items() if (scope := caps.get(name))
        }
        for name in CAPABILITIES
    }
    assert documented == in_code, "docs/permissions.md is stale: run python -m leadline.accounts.matrix"
    assert capability_table() in DOC_TEXT


def test_every_role_of_the_product_is_in_the_matrix():
    assert set(ROLE_COLUMNS) == {r.value for r in Role} == set(ROLE_CAPABILITIES)
    assert len(Role) == 10


def test_every_capability_is_a_view_or_an_edit_of_a_named_thing():
    import re

    bad = [name for name in CAPABILITIES if not re.fullmatch(r"[a-z_]+\.(view|edit)", name)]
    assert not bad, bad
    assert all(cap.name == name for name, cap in CAPABILITIES.items())


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # the admin is one door, governed by AdminSite.has_permission; rows cover it
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _normalise(route: str) -> str:
    import re

    route = re.sub(r"<(?:\w+:)?(\w+)>", "{x}", route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\Z", "")


def test_every_url_the_project_serves_has_a_row_in_the_endpoints_table():
    import re

    documented = {re.sub(r"\{\w+\}", "{x}", row.path.split("?")[0]) for row in ENDPOINTS}
    served = {_normalise(r) for r in _walk(get_resolver().url_patterns)}
    served -= {"/admin/login/"} - documented
    missing = sorted(r for r in served if r not in documented)
    assert not missing, f"add these to docs/permissions.md: {missing}"


def _post_data(path: str, world: World) -> dict:
    if path.startswith("/directory/refer/"):
        return {"service": world.service.pk, "reason": "Matrix referral", "idempotency_key": uuid.uuid4().hex}
    if path.startswith("/messages/new/"):
        chosen = [world["prosecutor"].pk]
        return {
            "subject": "Matrix thread",
            "body": "By the matrix",
            "members": chosen,
            "idempotency_key": uuid.uuid4().hex,
        }
    if path.startswith("/messages/") and path.endswith("/members/"):
        return {"member": world["prosecutor"].pk}
    if path.startswith("/messages/"):
        return {"body": "Matrix message", "idempotency_key": uuid.uuid4().hex}
    if path == "/workgroup/meetings/new/":
        start = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT10:00")
        return {"starts_at": start, "ends_at": start.replace("T10:00", "T11:00"), "place": "Room 204",
                "idempotency_key": uuid.uuid4().hex}  # fmt: skip
    if path.startswith("/workgroup/meetings/") and path.endswith("/edit/"):
        from django.utils import timezone

        m = type(world.meeting).objects.get(pk=world.meeting.pk)
        fmt = "%Y-%m-%dT%H:%M"
        return {"starts_at": timezone.localtime(m.starts_at).strftime(fmt),
                "ends_at": timezone.localtime(m.ends_at).strftime(fmt), "place": "Room 205",
                "status": "scheduled", "version": m.version}  # fmt: skip
    if path.endswith("/minutes/"):
        return {
            "minutes": "Matrix minutes",
            "version": type(world.meeting).objects.get(pk=world.meeting.pk).version,
        }
    if path.endswith("/decisions/"):
        return {"text": "Matrix decision", "idempotency_key": uuid.uuid4().hex}
    if path.endswith("/discussed/"):
        return {"discussed": "1"}
    if path.startswith("/workgroup/actions/"):
        return {"version": type(world.action).objects.get(pk=world.action.pk).version, "note": "Matrix"}
    if path == "/workgroup/members/":
        return {"user": world.casey.pk}
    if path == "/notifications/settings/":
        from leadline.notifications.models import Preference

        return {"by_email": "on", "version": 1 + Preference.objects.count() * 0}
    if path.startswith(("/directory/referrals/", "/directory/answer/")):
        from leadline.directory.models import ServiceReferral

        version = ServiceReferral.objects.get(pk=world.sref.pk).version
        return {"to": "accepted", "reason": "Matrix reason", "version": version}
    if path.startswith("/directory/services/") and (path.endswith("/new/") or path.endswith("/edit/")):
        from leadline.directory.models import Organization, Service, TaxonomyTerm

        service = world.service if str(world.service.pk) in path else world.other_service
        return {
            "name": "Matrix listing", "description": "Checked by the matrix", "status": "active",
            "terms": [TaxonomyTerm.objects.get(code="housing").pk], "languages": ["en"], "capacity": 2,
            "version": Service.objects.get(pk=service.pk).version,
            "organization": Organization.objects.get(name="Open Door Housing").pk,
        }  # fmt: skip
    if path == "/directory/import/":  # the world's own listing as HSDS: imports as "nothing changed"
        import json

        from django.core.files.uploadedfile import SimpleUploadedFile

        from leadline.directory.hsds import queries, shapes
        from leadline.directory.models import Service

        document = json.dumps({"services": [shapes.service_full(queries.with_related(
            Service.objects.filter(pk=world.service.pk)).get())]})  # fmt: skip
        return {"file": SimpleUploadedFile("directory.json", document.encode())}
    if "/notes/" in path:
        return {"body": "matrix note", "sensitivity": "general", "idempotency_key": uuid.uuid4().hex}
    if path.endswith("/whereabouts/"):
        pid = world.mine.pk if str(world.mine.pk) in path else world.other.pk
        return {"whereabouts": "matrix place", "version": Participant.objects.get(pk=pid).version}
    if "break-glass" in path:
        return {
            "participant_id": world.mine.pk,
            "reason": "Subpoena review requested in writing",
            "minutes": 5,
        }
    if path.startswith("/legal/people/") and path.endswith("/add/court_date/"):
        return {
            "date": (clock.today() + timedelta(days=20)).isoformat(),
            "time": "09:30",
            "court": "Rochester City Court",
        }
    if path.startswith("/legal/people/") and path.endswith("/reminders/"):
        return {"version": Participant.objects.get(pk=world.mine.pk).version}
    if path.startswith("/legal/charges/"):
        return {"decision": "hold", "reason": "Wait for the diversion", "version": world.charge.version}
    if path.startswith("/legal/") and path.endswith("/defender/"):
        return {"defender": world["defender"].pk, "version": world.matter.version}
    if path.startswith("/legal/") and path.endswith("/extend/"):
        return {"days": 14, "reason": "Intake booked for next week", "version": world.matter.version}
    if "setlang" in path:
        return {"language": "en", "next": "/"}
    if path.startswith("/referrals/waiting/"):
        return {"case_manager": world["case_manager"].pk, "participant": "new"}
    if path == "/referrals/community/new/":
        return {
            "given_name": "Kim",
            "family_name": "Lo",
            "date_of_birth": "1970-02-02",
            "concern": "Asked for help",
            "person_agrees": "yes",
            "idempotency_key": uuid.uuid4().hex,
        }
    if path.endswith("/decide/"):
        return {"decision": "approve", "reason": "Known to the outreach team"}
    if path in ("/lookup/", "/api/v1/lookup/"):
        return {"given_name": world.mine.given_name, "family_name": world.mine.family_name}
    if path.endswith("/handoff/"):
        return {"callback_phone": "+1 585 555 0123"}
    if path.endswith("/status/") and path.startswith("/participants/"):
        pid = world.mine.pk if f"/{world.mine.pk}/" in path else world.other.pk
        version = Participant.objects.get(pk=pid).version
        return {"to": "inactive", "note": "Not seen for two weeks", "version": version}
    if path == "/participants/caseloads/move/":  # Casey leaves: her caseload moves to Carmen
        return {
            "from_manager": world.casey.pk,
            "to_manager": world["case_manager"].pk,
            "reason": "Casey left",
        }
    if path.endswith("/assign/"):
        version = Participant.objects.get(pk=world.mine.pk).version
        return {"case_manager": world.casey.pk, "reason": "Balancing caseloads", "version": version}
    if path.endswith("/merge/"):
        return {"survivor": world.mine.pk, "reason": "Same person, two spellings"}
    if path == "/participants/new/":
        return {
            "given_name": "Zebulon",
            "family_name": "Quixote",
            "date_of_birth": "1950-01-01",
            "language": "en",
        }
    if path.endswith("/identity/"):
        pid = world.mine.pk if f"/{world.mine.pk}/" in path else world.other.pk
        p = Participant.objects.get(pk=pid)
        return {"given_name": p.given_name, "family_name": p.family_name, "language": "en",
                "aliases": "Tiny", "version": p.version}  # fmt: skip
    if path.endswith("/plan/"):
        return {
            "action": "goal",
            "domain": "housing",
            "text": "A room of my own",
            "idempotency_key": uuid.uuid4().hex,
        }
    if path.endswith("/intake/"):
        return {"action": "save", "housing_situation": "Sleeping in a car", "housing_acute": "on"}
    if path.endswith("/monthly/"):
        month = clock.today().strftime("%Y-%m")
        return {"month": month, "housing": "sheltered", "employed": "no", "income_or_benefits": "yes"}
    if path.endswith("/contacts/"):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from leadline.sites.models import Site

        local = datetime.now(ZoneInfo(Site.objects.get().time_zone)) - timedelta(hours=1)
        return {"kind": "in_person", "reached": "yes", "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
                "idempotency_key": uuid.uuid4().hex}  # fmt: skip
    if path.endswith("/consents/"):
        return {"kind": "officer_feedback", "method": "verbal"}
    if path.endswith("/consents/new/part2/"):
        return {"recipient_kind": "provider", "recipient_agency": world["provider_staff"].agency_id,
                "categories": ["enrolment", "status"], "purpose": "To coordinate my housing support",
                "expires_on": (clock.today() + timedelta(days=90)).isoformat(),
                "signature": sample_signature_data_url()}  # fmt: skip
    if path.endswith("/photo/"):
        return {"remove": "1"}
    if path.endswith("/sign/"):
        return {"signature": sample_signature_data_url()}
    if path.endswith("/event/"):
        return {"which": "irrevocable", "note": "Charge dismissed by the court"}
    if path.endswith("/revoke/"):
        return {"note": "Said so on the phone"}
    if path.endswith("/cancel/"):
        return {"reason": "Person walked away"}
    if path == "/hooks/lead-line/":  # unsigned: refused whoever is signed in
        return {"channel": "sms", "from": "+1 585 555 0101", "message_id": "matrix"}
    if path.endswith("/acknowledge/"):
        return {"eta_minutes": "15"}
    if path.endswith("/override/"):
        return {"reason": "Violent history was a 2009 dismissal, not a conviction."}
    if path == "/referrals/new/":
        offence = EligibleOffence.objects.get(
            statute="PL 220.03", policy_version=world.referral.policy_version
        )
        return {
            "door": "arrest_diversion",
            "given_name": "Sam",
            "family_name": "Lee",
            "date_of_birth": "1988-02-03",
            "offence": offence.pk,
            "drug_quantity_grams": "0.5",
            "person_agrees": "yes",
            "aggrieved_party": "none_present",
            "idempotency_key": uuid.uuid4().hex,
        }
    if path == "/api/v1/referrals/":
        return {
            "door": "arrest_diversion",
            "given_name": "Sam",
            "family_name": "Lee",
            "date_of_birth": "1988-02-03",
            "statute": "PL 220.03",
            "drug_quantity_grams": "0.5",
            "person_agrees": True,
            "aggrieved_party": "none_present",
            "idempotency_key": uuid.uuid4().hex,
        }
    return {}


def _answer(row, persona: str, world: World, token_id: int) -> tuple[str, int]:
    user = None if persona == "anonymous" else world[persona]
    client = Client() if user is None else verified_client(user)
    path = endpoint_path(row.path, world, user, token_id)
    if row.method == "GET":
        return path, client.get(path).status_code
    data = _post_data(path, world)
    if path.startswith("/api/"):
        return path, client.post(path, data, content_type="application/json").status_code
    return path, client.post(path, data).status_code


@pytest.mark.parametrize("row", ENDPOINTS, ids=[f"{r.method} {r.path}" for r in ENDPOINTS])
def test_endpoint_answers_each_persona_as_the_matrix_says(row, world):
    """Each persona asks in a savepoint that is rolled back afterwards, so every persona meets the same
    world (a POST that succeeded for one persona is undone before the next asks) without building the
    world twelve times per row."""
    from django.db import transaction

    token, _secret = api_token_create(
        actor=world["case_manager"], name="matrix", scopes=["api_token.view"], days=5
    )
    wrong = []
    for persona in PERSONA_COLUMNS:
        # The test's own savepoint, marked the way Django's TestCase marks its transactions: a service's
        # durable transaction inside the request is then the outermost unit of work, as it is in
        # production, and not refused as nested in a caller's.
        savepoint = transaction.atomic()
        savepoint._from_testcase = True  # type: ignore[attr-defined]
        with savepoint:
            path, status = _answer(row, persona, world, token.pk)
            transaction.set_rollback(True)
        if status != row.expected[persona]:
            wrong.append(f"{row.method} {path} as {persona}: {status}, matrix says {row.expected[persona]}")
    assert not wrong, "\n".join(wrong)
