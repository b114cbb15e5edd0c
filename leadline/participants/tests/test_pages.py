"""Participant pages as their users meet them: bounded queries, clear errors, no lost edits."""

from __future__ import annotations

import pytest

from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.participants.models import Participant


@pytest.fixture
def crowded(world):
    for _ in range(40):
        ParticipantFactory.create(case_manager=world["case_manager"])
    return world


def test_the_participant_list_runs_a_bounded_number_of_queries(crowded, django_assert_max_num_queries):
    client = verified_client(crowded["program_manager"])
    # A fixed number per panel (identity, aliases, status history, contacts, monthly status, intake, notes,
    # consents, the audit row): it must not grow with the data, which test_contacts also checks.
    with django_assert_max_num_queries(18):
        response = client.get("/participants/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25  # paginated


def test_the_audit_report_runs_a_bounded_number_of_queries(crowded, django_assert_max_num_queries):
    client = verified_client(crowded["program_manager"])
    client.get("/participants/")
    with django_assert_max_num_queries(14):
        assert client.get(f"/audit/users/{crowded['program_manager'].pk}/").status_code == 200


def test_the_detail_page_runs_a_bounded_number_of_queries(crowded, django_assert_max_num_queries):
    client = verified_client(crowded["case_manager"])
    # A fixed number per panel (identity, aliases, status history, contacts, monthly status, intake, notes,
    # consents with their disclosure counts, accounting-of-disclosure requests open, the legal clock with
    # the site's warning period, the audit row, the header's next step; the timeline is its own request):
    # it must not grow with the data, which test_contacts also checks.
    with django_assert_max_num_queries(26):
        assert client.get(f"/participants/{crowded.mine.pk}/").status_code == 200


def test_only_my_caseload_filter(crowded):
    client = verified_client(crowded["case_manager"])
    everyone = client.get("/participants/").context["page"].paginator.count
    mine = client.get("/participants/?mine=1").context["page"].paginator.count
    assert mine == 41 and everyone == Participant.objects.count() == 42


def test_search_finds_by_any_part_of_the_name(world):
    world.mine.given_name, world.mine.family_name = "Rosa", "Delgado"
    world.mine.save()
    client = verified_client(world["case_manager"])
    found = client.get("/participants/?q=delg").context["page"].object_list
    assert [p.pk for p in found] == [world.mine.pk]


def test_an_empty_note_is_refused_naming_the_field(world):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{world.mine.pk}/notes/",
        {"body": "   ", "sensitivity": "general", "idempotency_key": "k"},
    )
    assert response.status_code == 400
    errors = response.context["note_form"].errors
    assert list(errors) == ["body"] and "This field is required." in errors["body"]
    assert '<a href="#note_body">Note</a>: This field is required.' in response.content.decode()
    assert not world.mine.case_notes.exists()


def test_a_note_form_sent_again_with_other_words_is_a_conflict(world):
    client = verified_client(world["case_manager"])
    note = {"body": "Met at the shelter", "sensitivity": "general", "idempotency_key": "same-key"}
    assert client.post(f"/participants/{world.mine.pk}/notes/", note).status_code == 302
    other = client.post(f"/participants/{world.mine.pk}/notes/", {**note, "body": "Other words"})
    assert other.status_code == 409  # a conflict, as everywhere (issue #16 item 3)
    assert "This form was already used for another note" in other.content.decode()
    assert world.mine.case_notes.count() == 1


def test_two_people_editing_whereabouts_cannot_silently_overwrite_each_other(world):
    carmen, omar = verified_client(world["case_manager"]), verified_client(world["outreach_worker"])
    version = world.mine.version
    first = carmen.post(
        f"/participants/{world.mine.pk}/whereabouts/", {"whereabouts": "Shelter", "version": version}
    )
    assert first.status_code == 302
    second = omar.post(
        f"/participants/{world.mine.pk}/whereabouts/", {"whereabouts": "Bridge", "version": version}
    )
    assert second.status_code == 409
    assert "Someone else changed this record" in second.content.decode()
    world.mine.refresh_from_db()
    assert world.mine.last_known_whereabouts == "Shelter"


def test_the_export_neutralises_spreadsheet_formulas(world):
    world.mine.given_name = '=HYPERLINK("http://x")'
    world.mine.save()
    body = verified_client(world["program_manager"]).get("/participants/export.csv").content.decode()
    assert "'=HYPERLINK" in body


def test_the_timeline_runs_a_bounded_number_of_queries(crowded, django_assert_max_num_queries):
    client = verified_client(crowded["case_manager"])
    # The participant, the audit row, and one query per source of the timeline (status changes, contacts,
    # notes, intakes, months, consents given and ended, legal matters, extensions, notices sent and confirmed,
    # court dates, LEAD and service referrals), whatever the length of the history.
    with django_assert_max_num_queries(24):
        assert client.get(f"/participants/{crowded.mine.pk}/timeline/").status_code == 200
