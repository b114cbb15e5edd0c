"""PRODUCT.md §4 rule 1: a law-enforcement role can never read case notes, contact locations or
health/treatment data — by page, API, search, export or error message."""

from __future__ import annotations

import pytest
from django.test import Client

from leadline.accounts import policy
from leadline.accounts.matrix import DOC, parse_endpoints
from leadline.accounts.roles import (
    CAPABILITIES,
    CRIMINAL_JUSTICE_ROLES,
    FIREWALL,
    LAW_ENFORCEMENT_ROLES,
    ROLE_CAPABILITIES,
    DataClass,
    Role,
)
from leadline.accounts.services import api_token_create
from leadline.cases.services import case_note_add
from leadline.demo.testing import endpoint_path, verified_client
from leadline.referrals.models import Referral

FIREWALLED = [DataClass.CASE_NOTES, DataClass.CONTACT_LOCATIONS, DataClass.HEALTH, DataClass.SUBSTANCE_USE]
MARKERS = {
    "general": "MARKER-GENERAL-7c1",
    "health": "MARKER-HEALTH-9f2",
    "substance_use": "MARKER-SUD-4d8",
}
WHEREABOUTS_MARKER = "MARKER-WHERE-5e3"


def test_the_firewall_table_covers_every_criminal_justice_role_for_clinical_content():
    for data_class in FIREWALLED:
        assert FIREWALL[data_class] >= CRIMINAL_JUSTICE_ROLES
    assert FIREWALL[DataClass.WHEREABOUTS] >= LAW_ENFORCEMENT_ROLES


@pytest.mark.parametrize("role", sorted(CRIMINAL_JUSTICE_ROLES))
def test_a_mistaken_grant_in_the_role_table_still_cannot_open_firewalled_data(role, small_world, monkeypatch):
    persona = {
        Role.OFFICER: "officer",
        Role.POLICE_LIAISON: "police_liaison",
        Role.PROSECUTOR: "prosecutor",
        Role.DEFENDER: "defender",
    }[role]
    user = small_world[persona]
    firewalled_caps = [name for name, cap in CAPABILITIES.items() if cap.data_class in FIREWALLED]
    # Somebody edits the matrix and gives this role everything at the widest scope.
    monkeypatch.setitem(ROLE_CAPABILITIES, role, {name: "all" for name in CAPABILITIES})
    for name in firewalled_caps:
        assert not policy.can(user, name), f"{role} got {name} through a table edit"
    # ...and the non-firewalled grant did take effect, so the test is not vacuous.
    assert policy.can(user, "participant_card.view")


def test_an_api_token_cannot_widen_what_the_firewall_refuses(small_world):
    officer = small_world["officer"]
    officer.token_scopes = frozenset(CAPABILITIES)
    assert not policy.can(officer, "case_notes.view")
    assert not policy.can(officer, "whereabouts.view")


@pytest.fixture
def planted(world):
    """Notes of every sensitivity and whereabouts, each carrying a marker that must never leak."""
    carmen = world["case_manager"]
    for sensitivity, marker in MARKERS.items():
        case_note_add(
            actor=carmen,
            participant=world.mine,
            body=f"note {marker}",
            sensitivity=sensitivity,
            idempotency_key=f"plant-{sensitivity}",
        )
        case_note_add(
            actor=world.casey,
            participant=world.other,
            body=f"note {marker}",
            sensitivity=sensitivity,
            idempotency_key=f"plant-other-{sensitivity}",
        )
    for p in (world.mine, world.other):
        p.last_known_whereabouts = WHEREABOUTS_MARKER
        p.save(update_fields=["last_known_whereabouts"])
    # A contact with a place and a summary: both are case content police must never read.
    from leadline.cases.services import ContactInput, contact_log
    from leadline.core import clock

    contact_log(
        actor=carmen, participant=world.mine, idempotency_key="plant-contact",
        data=ContactInput(kind="in_person", reached=True, substantive=True, occurred_at=clock.now(),
                          place=WHEREABOUTS_MARKER, summary=f"summary {MARKERS['general']}"),
    )  # fmt: skip
    # Olivia's eligible referral became ``mine``, who opted in to officer feedback: the referral pages
    # now disclose an outcome, and must disclose nothing else.
    Referral.objects.filter(pk=world.eligible.pk).update(participant=world.mine)
    # Plan goals in the participant's words, and ``mine``'s 2.35 consent for Priya's office widened (as if
    # wrongly) to plan progress and substance-use progress: the summaries may show levels, never words,
    # and never substance-use anything to a criminal-justice role.
    from leadline.cases.models import PlanGoal
    from leadline.consents.models import Consent

    for domain, marker in (("housing", MARKERS["general"]), ("substance_use", MARKERS["substance_use"])):
        PlanGoal.objects.create(
            participant=world.mine, domain=domain, text=f"goal {marker}", progress=2, created_by=carmen,
            created_at=clock.now(), idempotency_key=f"g-{domain}",
        )  # fmt: skip
    Consent.objects.filter(pk=world.part2.pk).update(
        categories=["enrolment", "status", "attendance", "plan_progress", "living", "sud_progress"]
    )
    return world


def _all_get_paths(world, user) -> list[str]:
    rows = parse_endpoints(DOC.read_text(encoding="utf-8"))
    paths = [endpoint_path(r.path, world, user) for r in rows if r.method == "GET"]
    # Search (for words in the notes; pages echo the query itself, so the marker is not the query) and
    # error pages too.
    return [
        *paths,
        "/participants/?q=note",
        "/api/v1/participants/?q=note",
        "/no-such-page/",
        f"/participants/{world.mine.pk}/notes/",
        f"/api/v1/participants/{world.mine.pk}/notes/?format=api",
    ]


def _leaks(body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return [m for m in [*MARKERS.values(), WHEREABOUTS_MARKER] if m in text]


@pytest.mark.parametrize("persona", ["officer", "police_liaison", "prosecutor", "defender"])
def test_no_page_api_search_export_or_error_shows_firewalled_data_to_criminal_justice_roles(persona, planted):
    user = planted[persona]
    client = verified_client(user)
    for path in _all_get_paths(planted, user):
        response = client.get(path)
        assert not _leaks(response.content), f"{persona} saw {_leaks(response.content)} at {path}"
    # And through the API with a token holding everything the role has.
    scopes = list(policy.capabilities_of(user))
    _token, secret = api_token_create(actor=user, name="t", scopes=scopes, days=1)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for path in _all_get_paths(planted, user):
        if path.startswith("/api/"):
            response = api.get(path)
            assert not _leaks(response.content), f"{persona} token saw {_leaks(response.content)} at {path}"


def test_the_officer_does_see_the_outcome_so_the_feedback_path_is_covered(planted):
    body = verified_client(planted["officer"]).get(f"/referrals/{planted.eligible.pk}/").content.decode()
    assert 'data-outcome="engaged"' in body


def test_the_prosecutor_does_see_the_summary_so_the_consent_path_is_covered(planted):
    body = verified_client(planted["prosecutor"]).get(f"/summaries/{planted.mine.pk}/").content.decode()
    assert 'data-section="plan_progress"' in body and 'data-section="attendance"' in body
    assert 'data-section="sud_progress"' not in body and "Substance use" not in body


def test_the_case_manager_sees_the_planted_notes_so_the_firewall_test_is_not_vacuous(planted):
    client = verified_client(planted["case_manager"])
    body = client.get(f"/participants/{planted.mine.pk}/").content.decode()
    assert all(m in body for m in MARKERS.values()) and WHEREABOUTS_MARKER in body
    api = client.get(f"/api/v1/participants/{planted.mine.pk}/notes/").json()
    assert {n["sensitivity"] for n in api} == set(MARKERS)


def test_outreach_sees_whereabouts_but_no_clinical_content(planted):
    client = verified_client(planted["outreach_worker"])
    body = client.get(f"/participants/{planted.mine.pk}/").content.decode()
    assert WHEREABOUTS_MARKER in body
    assert not any(m in body for m in MARKERS.values())


def test_a_case_manager_sees_only_a_card_for_someone_elses_participant(planted):
    client = verified_client(planted["case_manager"])
    body = client.get(f"/participants/{planted.other.pk}/").content.decode()
    assert planted.other.family_name in body
    assert not _leaks(body.encode())
    data = client.get(f"/api/v1/participants/{planted.other.pk}/").json()
    assert set(data) == {"id", "display_name", "status", "case_manager"}
