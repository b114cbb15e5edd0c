"""Identity: aliases feed the matcher, corrections never silently overwrite, and creating a participant
first shows who they may already be."""

from __future__ import annotations

from datetime import date

from leadline.audit.models import AuditEvent
from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.participants import services
from leadline.participants.lookup import find_participant
from leadline.participants.models import Participant


def _identity(p: Participant, **kw) -> dict:
    data = {"given_name": p.given_name, "family_name": p.family_name, "preferred_name": "", "phone": "",
            "language": "en", "aliases": "", "version": p.version}  # fmt: skip
    data.update(kw)
    return data


def test_an_alias_is_found_by_the_field_lookup(world):
    p = ParticipantFactory.create(
        given_name="Roberto", family_name="Quintana", date_of_birth=date(1980, 3, 3)
    )
    assert find_participant(given="Tiny", family="Q", dob=None) is None
    client = verified_client(world["program_manager"])
    response = client.post(f"/participants/{p.pk}/identity/", _identity(p, aliases="Tiny Quintana\nBeto Q"))
    assert response.status_code == 302
    assert set(p.aliases.values_list("name", flat=True)) == {"Tiny Quintana", "Beto Q"}
    assert find_participant(given="Tiny", family="Quintana", dob=date(1980, 3, 3)) == p
    event = AuditEvent.objects.filter(
        subject_type="participant", subject_id=str(p.pk), action="update"
    ).latest("pk")
    assert event.changes["aliases"]["after"] == ["Beto Q", "Tiny Quintana"]


def test_a_stale_identity_correction_is_refused(world):
    p = world.mine
    seen = p.version
    services.participant_identity_update(
        actor=world["case_manager"], participant=p, expected_version=seen, aliases=[], preferred_name="Sunny"
    )
    response = verified_client(world["case_manager"]).post(
        f"/participants/{p.pk}/identity/", _identity(p, preferred_name="Sol", version=seen)
    )
    assert response.status_code == 409
    p.refresh_from_db()
    assert p.preferred_name == "Sunny"


def test_creating_someone_already_in_lead_shows_them_first(world):
    existing = ParticipantFactory.create(
        given_name="Margarita", family_name="Ocasio", date_of_birth=date(1979, 6, 1), case_manager=world.casey
    )
    client = verified_client(world["case_manager"])
    data = {"given_name": "Maggie", "family_name": "Ocasio", "date_of_birth": "1979-06-01", "language": "en"}
    response = client.post("/participants/new/", data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "data-duplicates" in body and f"/participants/{existing.pk}/" in body
    assert Participant.objects.filter(family_name="Ocasio").count() == 1
    assert AuditEvent.objects.filter(action="search", participant_id=existing.pk).exists()
    # A conscious tick creates the new record anyway (a different person with a similar name).
    response = client.post("/participants/new/", {**data, "none_of_these": "on"})
    assert response.status_code == 302
    created = Participant.objects.filter(family_name="Ocasio").exclude(pk=existing.pk).get()
    assert created.case_manager == world["case_manager"] and created.status == "referred"


def test_a_new_person_with_no_match_is_created_at_once_with_aliases(world):
    client = verified_client(world["program_manager"])
    response = client.post(
        "/participants/new/",
        {"given_name": "Zebulon", "family_name": "Quixote", "date_of_birth": "1950-01-01", "language": "es",
         "aliases": "Zeb"},
    )  # fmt: skip
    assert response.status_code == 302
    p = Participant.objects.get(family_name="Quixote")
    assert (
        p.case_manager is None
        and p.language == "es"
        and list(p.aliases.values_list("name", flat=True)) == ["Zeb"]
    )


def test_police_and_prosecutors_cannot_create_or_correct(world):
    for persona in ("officer", "police_liaison", "prosecutor", "outreach_worker"):
        client = verified_client(world[persona])
        assert client.get("/participants/new/").status_code == 403
        assert (
            client.post(f"/participants/{world.mine.pk}/identity/", _identity(world.mine)).status_code == 403
        )


def test_a_case_manager_at_the_hard_limit_still_creates_with_aliases_and_it_waits_unassigned(world):
    from leadline.sites.models import Site

    Site.objects.update(caseload_soft_limit=1, caseload_hard_limit=1)  # Carmen already carries world.mine
    response = verified_client(world["case_manager"]).post(
        "/participants/new/",
        {"given_name": "Zebulon", "family_name": "Quixote", "date_of_birth": "1950-01-01", "language": "en",
         "aliases": "Zeb"},
        follow=True,
    )  # fmt: skip
    p = Participant.objects.get(family_name="Quixote")
    assert p.case_manager is None and list(p.aliases.values_list("name", flat=True)) == ["Zeb"]
    assert "hard limit" in response.content.decode()
