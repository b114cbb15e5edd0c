"""Issue #17, item 9: a whole caseload moves at once when a case manager leaves (all or nothing, within
the hard limit, audited, a double submit moving nothing twice); a transfer says from whom to whom; the
intake's second block of questions has a heading."""

from __future__ import annotations

from unittest import mock

import pytest

from leadline.audit.models import AuditEvent
from leadline.demo.testing import ParticipantFactory, verified_client
from leadline.participants import services
from leadline.participants.models import Participant
from leadline.sites.models import Site

MOVE = "/participants/caseloads/move/"


def _fill(manager, n, status="active"):
    return [ParticipantFactory.create(case_manager=manager, status=status) for _ in range(n)]


def test_a_leaving_case_managers_caseload_moves_whole_and_audited(world):
    casey, carmen, paula = world.casey, world["case_manager"], world["program_manager"]
    _fill(casey, 2)
    exited = ParticipantFactory.create(case_manager=casey, status="exited")
    leaving = set(Participant.objects.filter(case_manager=casey).values_list("pk", flat=True))
    assert len(leaving) == 4 and exited.pk in leaving  # world.other, two more, and one who left LEAD
    client = verified_client(paula)
    page = client.get("/participants/caseloads/").content.decode()
    assert "data-caseload-move" in page and 'for="move_from_manager"' in page and 'for="move_reason"' in page
    response = client.post(MOVE, {"from_manager": casey.pk, "to_manager": carmen.pk, "reason": "Casey left"})
    assert response.status_code == 302
    assert not Participant.objects.filter(case_manager=casey).exists()
    assert (
        set(Participant.objects.filter(case_manager=carmen, pk__in=leaving).values_list("pk", flat=True))
        == leaving
    )
    # Each participant's record says who moved them, from whom to whom, and why; and the move once as a whole.
    for pk in leaving:
        event = AuditEvent.objects.filter(participant_id=pk, subject_type="participant").latest("id")
        assert event.reason == "Casey left" and event.actor_id == paula.pk
        assert event.changes["case_manager"] == {"before": casey.pk, "after": carmen.pk}
    whole = AuditEvent.objects.get(subject_type="caseload", subject_id=str(casey.pk))
    assert sorted(whole.changes["participants"]) == sorted(leaving) and whole.changes["moved_to"] == carmen.pk
    followed = client.get(response["Location"]).content.decode()
    assert "4 participants moved from" in followed and casey.get_full_name() in followed


def test_a_double_submit_moves_nothing_the_second_time(world):
    casey, carmen, paula = world.casey, world["case_manager"], world["program_manager"]
    client = verified_client(paula)
    data = {"from_manager": casey.pk, "to_manager": carmen.pk, "reason": "Casey left"}
    assert client.post(MOVE, data).status_code == 302
    events = AuditEvent.objects.count()
    second = client.post(MOVE, data, follow=True)
    assert second.status_code == 200 and "has no participants left to move" in second.content.decode()
    assert AuditEvent.objects.count() == events  # nothing written twice
    assert AuditEvent.objects.filter(subject_type="caseload").count() == 1


def test_above_the_hard_limit_the_move_is_refused_whole_naming_how_many_over(world):
    Site.objects.update(caseload_soft_limit=3, caseload_hard_limit=4)
    casey, carmen, paula = world.casey, world["case_manager"], world["program_manager"]
    _fill(carmen, 4 - Participant.objects.filter(case_manager=carmen).exclude(status="exited").count() - 1)
    _fill(casey, 2)  # with world.other: 3; Carmen has 3, room for 1
    before = dict(Participant.objects.values_list("pk", "case_manager_id"))
    response = verified_client(paula).post(MOVE, {"from_manager": casey.pk, "to_manager": carmen.pk,
                                                  "reason": "Casey left"})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "they would have 6, 2 above the hard limit of 4" in page and 'id="move_to_manager_error"' in page
    assert dict(Participant.objects.values_list("pk", "case_manager_id")) == before  # nothing moved
    assert not AuditEvent.objects.filter(subject_type="caseload").exists()


def test_above_the_soft_limit_the_move_warns(world):
    Site.objects.update(caseload_soft_limit=2, caseload_hard_limit=25)
    _fill(world["case_manager"], 2)
    moved, warning = services.caseload_move_all(
        actor=world["program_manager"], from_manager=world.casey, to_manager=world["case_manager"],
        reason="Casey left",
    )  # fmt: skip
    assert moved >= 1 and warning and "above the soft limit of 2" in warning


def test_a_failure_half_way_leaves_every_participant_where_they_were(world):
    casey, carmen = world.casey, world["case_manager"]
    _fill(casey, 3)
    before = dict(Participant.objects.values_list("pk", "case_manager_id"))
    real = services.participant_update
    calls = []

    def fail_on_the_third(**kwargs):
        calls.append(kwargs["participant"].pk)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    with mock.patch.object(services, "participant_update", fail_on_the_third), pytest.raises(RuntimeError):
        services.caseload_move_all(actor=world["program_manager"], from_manager=casey, to_manager=carmen,
                                   reason="Casey left")  # fmt: skip
    assert len(calls) == 3
    assert dict(Participant.objects.values_list("pk", "case_manager_id")) == before


def test_only_the_program_side_moves_a_caseload_and_bad_input_names_its_field(world):
    casey, carmen = world.casey, world["case_manager"]
    with pytest.raises(services.NotAllowed):
        services.caseload_move_all(actor=carmen, from_manager=casey, to_manager=carmen, reason="Casey left")
    client = verified_client(world["program_manager"])
    same = client.post(MOVE, {"from_manager": casey.pk, "to_manager": casey.pk, "reason": "Casey left"})
    assert same.status_code == 400 and 'id="move_to_manager_error"' in same.content.decode()
    no_reason = client.post(MOVE, {"from_manager": casey.pk, "to_manager": carmen.pk, "reason": ""})
    assert no_reason.status_code == 400 and 'id="move_reason_error"' in no_reason.content.decode()
    officer = client.post(
        MOVE, {"from_manager": casey.pk, "to_manager": world["officer"].pk, "reason": "x y z"}
    )
    assert officer.status_code == 400 and 'id="move_to_manager_error"' in officer.content.decode()
    assert Participant.objects.filter(case_manager=casey).exists()


def test_a_transfer_says_from_whom_to_whom_and_a_first_assignment_to_whom(world):
    casey, carmen = world.casey, world["case_manager"]
    client = verified_client(world["program_manager"])
    mine = world.mine
    data = {"case_manager": casey.pk, "reason": "Closer to her area", "version": mine.version}
    response = client.post(f"/participants/{mine.pk}/assign/", data, follow=True)
    page = response.content.decode()
    assert f"Case moved from {carmen.get_full_name()} to {casey.get_full_name()}." in page
    assert "Case assigned." not in page
    new = ParticipantFactory.create(case_manager=None, status="referred")
    page = client.post(f"/participants/{new.pk}/assign/",
                       {"case_manager": casey.pk, "reason": "Has room", "version": new.version},
                       follow=True).content.decode()  # fmt: skip
    assert f"Case assigned to {casey.get_full_name()}." in page


def test_the_intakes_second_block_of_questions_has_a_heading(world):
    referred = ParticipantFactory.create(case_manager=world["case_manager"], status="referred")
    page = verified_client(world["case_manager"]).get(f"/participants/{referred.pk}/intake/").content.decode()
    block = page[page.index("data-intake-situations") :]
    assert block.index("<legend>") < block.index("<label")  # the heading comes before its questions
    assert "Where things stand: in their words, domain by domain" in block[: block.index("<label")]
