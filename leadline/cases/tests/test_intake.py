"""The intake assessment: acute needs first, drafts, completion that the legal clock reads and that turns
a referred person into an engaged one, health and Part 2 domains only for those who may, and no two
people overwriting each other."""

from __future__ import annotations

import pytest

from leadline.audit.models import AuditEvent
from leadline.cases import services
from leadline.cases.models import Intake
from leadline.cases.selectors import intake_completed_on
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.participants.models import StatusChange


@pytest.fixture
def referred(world):
    return ParticipantFactory.create(case_manager=world["case_manager"], status="referred", given_name="New")


def test_a_draft_then_completion_engages_the_person_and_stamps_the_date(world, referred):
    client = verified_client(world["case_manager"])
    url = f"/participants/{referred.pk}/intake/"
    page = client.get(url).content.decode()
    assert 'data-intake-state="none"' in page and "Acute needs" in page
    response = client.post(
        url, {"action": "save", "housing_acute": "on", "housing_situation": "Sleeping in a car"}
    )
    assert response.status_code == 302
    intake = Intake.objects.get(participant=referred)
    assert intake.completed_at is None and intake_completed_on(referred) is None
    response = client.post(
        url,
        {"action": "complete", "version": intake.version, "housing_acute": "on",
         "housing_situation": "Sleeping in a car", "id_documents_situation": "Lost his ID in October"},
    )  # fmt: skip
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.completed_by == world["case_manager"]
    assert intake_completed_on(referred) == clock.today()
    referred.refresh_from_db()
    assert referred.status == "engaged"
    change = StatusChange.objects.get(participant=referred)
    assert (change.from_status, change.to_status, change.note) == ("referred", "engaged", "intake completed")
    answers = list(intake.answers.all())
    assert answers[0].domain == "housing" and answers[0].acute  # acute first
    events = AuditEvent.objects.filter(subject_type="intake", subject_id=str(intake.pk))
    assert events.count() == 2 and all("car" not in str(e.changes) for e in events)


def test_an_acute_need_must_be_described_before_completing(world, referred):
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{referred.pk}/intake/", {"action": "complete", "safety_acute": "on"}
    )
    assert response.status_code == 400
    assert "An acute need must say where things stand" in response.content.decode()
    assert not Intake.objects.filter(completed_at__isnull=False).exists()


def test_two_people_saving_one_intake_do_not_overwrite_each_other(world, referred):
    first = services.intake_save(
        actor=world["case_manager"], participant=referred, answers={"housing": (False, "Couch-surfing")},
        expected_version=None, complete=False,
    )  # fmt: skip
    seen = first.version
    services.intake_save(
        actor=world["program_manager"], participant=referred, answers={"housing": (True, "Evicted today")},
        expected_version=seen, complete=False,
    )  # fmt: skip
    response = verified_client(world["case_manager"]).post(
        f"/participants/{referred.pk}/intake/",
        {"action": "save", "version": seen, "housing_situation": "Couch-surfing, stable"},
    )
    assert response.status_code == 409
    assert Intake.objects.get().answers.get().situation == "Evicted today"


def test_the_health_and_part_2_domains_need_their_capabilities(world, referred, monkeypatch):
    from leadline.participants import policy as participant_policy

    real = participant_policy.ParticipantAccess.note_sensitivities_writable
    monkeypatch.setattr(
        participant_policy.ParticipantAccess,
        "note_sensitivities_writable",
        property(lambda self: [s for s in real.fget(self) if s == "general"]),  # type: ignore[attr-defined]
    )
    with pytest.raises(services.InvalidCaseInput) as exc:
        services.intake_save(
            actor=world["case_manager"], participant=referred, answers={"substance_use": (True, "x")},
            expected_version=None, complete=False,
        )  # fmt: skip
    assert exc.value.field == "substance_use_situation"
    page = verified_client(world["case_manager"]).get(f"/participants/{referred.pk}/intake/").content.decode()
    assert "substance_use_situation" not in page and "housing_situation" in page


@pytest.mark.parametrize(
    "persona", ["officer", "police_liaison", "prosecutor", "defender", "outreach_worker"]
)
def test_no_criminal_justice_or_outreach_role_reaches_the_intake(world, referred, persona):
    services.intake_save(
        actor=world["case_manager"], participant=referred, answers={"mental_health": (True, "Hears voices")},
        expected_version=None, complete=False,
    )  # fmt: skip
    client = verified_client(world[persona])
    response = client.get(f"/participants/{referred.pk}/intake/")
    assert response.status_code in (403, 404) and "Hears voices" not in response.content.decode()


def test_after_completion_a_new_intake_can_start_and_the_old_one_stays(world, referred):
    services.intake_save(
        actor=world["case_manager"], participant=referred, answers={"housing": (False, "Shelter")},
        expected_version=None, complete=True,
    )  # fmt: skip
    client = verified_client(world["case_manager"])
    page = client.get(f"/participants/{referred.pk}/intake/").content.decode()
    assert 'data-intake-state="completed"' in page and "Start a new intake" in page
    client.post(f"/participants/{referred.pk}/intake/", {"action": "new"})
    assert Intake.objects.filter(participant=referred).count() == 2
    assert Intake.objects.filter(participant=referred, completed_at__isnull=True).count() == 1
