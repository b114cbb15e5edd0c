"""The officer's field lookup: tolerant of typos, nicknames and swapped names; reveals only enrolled
yes/no and the LEAD line; audited against the participant; rate-limited."""

from __future__ import annotations

from datetime import date

import pytest

from leadline.audit.models import AuditEvent
from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.participants.lookup import find_participant


@pytest.fixture
def william(world):
    return ParticipantFactory.create(
        given_name="William",
        family_name="Hernández",
        date_of_birth=date(1984, 3, 9),
        case_manager=world["case_manager"],
        last_known_whereabouts="MARKER-PLACE",
    )


@pytest.mark.parametrize(
    ("given", "family", "dob"),
    [
        ("William", "Hernández", date(1984, 3, 9)),
        ("Bill", "Hernandez", date(1984, 3, 9)),  # nickname, no accent
        ("Willaim", "Hernandes", date(1984, 3, 9)),  # typos
        ("Hernandez", "William", date(1984, 3, 9)),  # swapped order
        ("William", "Hernandez", date(1984, 9, 3)),  # day and month swapped
        ("William", "Hernandez", None),  # no date of birth
    ],
)
def test_the_lookup_finds_the_person_despite_the_usual_mistakes(william, given, family, dob):
    found = find_participant(given=given, family=family, dob=dob)
    assert found is not None and found.pk == william.pk


def test_somebody_else_is_not_found(william):
    assert find_participant(given="Roberto", family="Chen", dob=date(1990, 1, 1)) is None


def test_the_officer_learns_only_yes_and_the_lead_line(world, william):
    client = verified_client(world["officer"])
    response = client.post(
        "/lookup/", {"given_name": "Bill", "family_name": "Hernandez", "date_of_birth": "1984-03-09"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'data-enrolled="yes"' in body and "+1 585 555 0100" in body
    for secret in (
        "MARKER-PLACE",
        "Carmen",
        "Castillo",
        "Hernández",
        f"/participants/{william.pk}/",
        "Active",
    ):
        assert secret not in body.split("<main")[1], secret
    api = client.post(
        "/api/v1/lookup/", {"given_name": "Bill", "family_name": "Hernandez"}, content_type="application/json"
    )
    assert api.json() == {"enrolled": True, "lead_line": "+1 585 555 0100"}


def test_an_exited_participant_is_not_in_lead(world, william):
    william.status = "exited"
    william.save()
    body = (
        verified_client(world["officer"])
        .post(
            "/lookup/", {"given_name": "William", "family_name": "Hernandez", "date_of_birth": "1984-03-09"}
        )
        .content.decode()
    )
    assert 'data-enrolled="no"' in body


def test_every_lookup_is_on_the_participants_audit_trail_without_the_names_typed(world, william):
    verified_client(world["officer"]).post("/lookup/", {"given_name": "Bill", "family_name": "Hernandez"})
    event = AuditEvent.objects.get(subject_type="lookup", action="search")
    assert event.participant_id == william.pk and event.law_enforcement
    assert "Bill" not in str(event.changes) + event.reason + event.path
    verified_client(world["officer"]).post("/lookup/", {"given_name": "Nobody", "family_name": "Atall"})
    miss = AuditEvent.objects.filter(subject_type="lookup", action="search").latest("id")
    assert miss.participant_id is None and miss.changes["result"] == "not found"


def test_lookups_are_rate_limited(world, william, settings):
    settings.LEADLINE_LOOKUPS_PER_HOUR = 3
    client = verified_client(world["officer"])
    for _ in range(3):
        assert client.post("/lookup/", {"given_name": "A", "family_name": "B"}).status_code == 200
    refused = client.post("/lookup/", {"given_name": "A", "family_name": "B"})
    assert refused.status_code == 429 and "Too many lookups" in refused.content.decode()
    api = client.post(
        "/api/v1/lookup/", {"given_name": "A", "family_name": "B"}, content_type="application/json"
    )
    assert api.status_code == 429
    # Another officer is not affected.
    assert (
        verified_client(world["police_liaison"])
        .post("/lookup/", {"given_name": "A", "family_name": "B"})
        .status_code
        == 200
    )


def test_a_lookup_needs_both_names(world):
    response = verified_client(world["officer"]).post("/lookup/", {"given_name": "", "family_name": ""})
    assert response.status_code == 400
    assert {"given_name", "family_name"} <= set(response.context["form"].errors)
    assert not AuditEvent.objects.filter(subject_type="lookup").exists()


def test_key_counts_stay_in_step_with_the_keys(db):
    from django.db.models import Count

    from leadline.demo.testing import ParticipantFactory
    from leadline.participants.models import ParticipantKeyCount, ParticipantMatchKey
    from leadline.participants.services import participant_key_counts_rebuild, participant_match_keys_refresh

    people = [ParticipantFactory.create(given_name="Ana", family_name="Okafor") for _ in range(3)]
    people[0].family_name = "Okonkwo"
    participant_match_keys_refresh(participant=people[0])
    participant_match_keys_refresh(participant=people[1])  # unchanged: nothing moves

    def truth() -> dict[str, int]:
        rows = ParticipantMatchKey.objects.values("key").annotate(n=Count("id")).order_by()
        return dict(rows.values_list("key", "n"))

    def kept() -> dict[str, int]:
        return dict(ParticipantKeyCount.objects.filter(n__gt=0).values_list("key", "n"))

    assert kept() == truth() and max(truth().values()) == 3
    participant_key_counts_rebuild()
    assert kept() == truth()
