"""Status without fail-out (PRODUCT.md §4 rule 4) and the caseload limits (rule 5): every change with who
and why; the hard limit refuses, the soft limit warns; concurrent edits do not overwrite each other."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadline.audit.models import AuditEvent
from leadline.demo.testing import ParticipantFactory, UserFactory, verified_client
from leadline.participants import services
from leadline.participants.models import TRANSITIONS, ExitReason, Participant, StatusChange
from leadline.sites.models import Site


def _change(world, participant, to, **kw):
    participant.refresh_from_db()
    kw.setdefault("note", "Seen at the drop-in")
    return services.participant_status_change(
        actor=world["case_manager"],
        participant=participant,
        to=to,
        expected_version=participant.version,
        **kw,
    )


def test_there_is_no_fail_out_state_or_reason_anywhere():
    words = " ".join(
        [*Participant.Status.values, *map(str, Participant.Status.labels), *ExitReason.values,
         *map(str, ExitReason.labels)]
    ).lower()  # fmt: skip
    for banned in ("complian", "terminat", "fail", "discharg", "violat", "sanction"):
        assert banned not in words, banned
    assert set(ExitReason.values) == {
        "moved",
        "deceased",
        "long_incarceration",
        "chose_to_leave",
        "stabilised",
    }
    # From every state there is a way back into LEAD, except staying out by choice being respected.
    assert "active" in TRANSITIONS["inactive"] and "active" in TRANSITIONS["exited"]


def test_inactive_and_back_with_who_why_and_policy_version(world):
    p = world.mine  # active, on Carmen's caseload
    _change(world, p, "inactive", note="Not seen for three weeks")
    p, note = _change(world, p, "active", note="Found at the shelter; picking up where we left off")
    assert p.status == "active" and note is None
    changes = list(StatusChange.objects.filter(participant=p).order_by("changed_at", "id"))
    assert [(c.from_status, c.to_status) for c in changes] == [("active", "inactive"), ("inactive", "active")]
    assert all(c.changed_by == world["case_manager"] and c.policy_version is not None for c in changes)
    event = AuditEvent.objects.filter(
        subject_type="participant", subject_id=str(p.pk), action="update"
    ).latest("pk")
    assert event.reason.startswith("Found at the shelter") and event.changes["policy_version"]


def test_exit_needs_a_reason_and_re_engagement_needs_no_new_referral(world):
    p = world.mine
    with pytest.raises(services.InvalidChange) as exc:
        _change(world, p, "exited")
    assert exc.value.field == "exit_reason"
    p, _ = _change(world, p, "exited", exit_reason="moved", note="Moved to Buffalo")
    assert StatusChange.objects.filter(participant=p, exit_reason="moved").exists()
    p, _ = _change(world, p, "active", note="Back in Rochester, wants to continue")
    assert p.status == "active" and p.referrals.count() == 0


def test_a_move_the_table_does_not_allow_is_refused_with_the_allowed_moves(world):
    with pytest.raises(services.InvalidChange) as exc:
        _change(world, world.mine, "referred")
    assert exc.value.field == "to" and "Inactive" in exc.value.message


def test_every_change_needs_a_why_and_bad_input_writes_nothing(world):
    client = verified_client(world["case_manager"])
    p = world.mine
    response = client.post(
        f"/participants/{p.pk}/status/", {"to": "inactive", "note": "", "version": p.version}
    )
    assert response.status_code == 400 and "Why: say in a few words" in response.content.decode()
    response = client.post(
        f"/participants/{p.pk}/status/", {"to": "exited", "note": "Leaving", "version": p.version}
    )
    assert response.status_code == 400 and "Exit reason: choose" in response.content.decode()
    p.refresh_from_db()
    assert p.status == "active" and not StatusChange.objects.filter(participant=p).exists()


def test_two_people_editing_one_status_do_not_overwrite_each_other(world):
    p = world.mine
    seen = p.version
    services.participant_status_change(
        actor=world["program_manager"], participant=p, to="inactive", note="Not seen", expected_version=seen
    )
    client = verified_client(world["case_manager"])
    response = client.post(
        f"/participants/{p.pk}/status/",
        {"to": "exited", "exit_reason": "moved", "note": "Moved", "version": seen},
    )
    assert response.status_code == 409 and "Someone else changed this record" in response.content.decode()
    p.refresh_from_db()
    assert p.status == "inactive"


def _fill(case_manager, n):
    for _ in range(n):
        ParticipantFactory.create(case_manager=case_manager, status="active")


def test_the_hard_limit_refuses_and_the_soft_limit_warns(world):
    Site.objects.update(caseload_soft_limit=3, caseload_hard_limit=4)
    casey, paula = world.casey, world["program_manager"]
    _fill(casey, 2)  # plus world.other: 3
    movers = [
        ParticipantFactory.create(case_manager=world["case_manager"], status="active") for _ in range(2)
    ]
    p, warning = services.caseload_assign(
        actor=paula, participant=movers[0], case_manager=casey, reason="Closer to her area",
        expected_version=movers[0].version,
    )  # fmt: skip
    assert p.case_manager == casey and warning and "soft limit of 3" in warning
    client = verified_client(paula)
    response = client.post(
        f"/participants/{movers[1].pk}/assign/",
        {"case_manager": casey.pk, "reason": "Balancing", "version": movers[1].version},
    )
    assert response.status_code == 400 and "the hard limit is 4" in response.content.decode()
    movers[1].refresh_from_db()
    assert movers[1].case_manager == world["case_manager"]


def test_exited_people_do_not_count_and_coming_back_to_a_full_caseload_waits_for_the_manager(world):
    Site.objects.update(caseload_soft_limit=1, caseload_hard_limit=2)
    carmen = world["case_manager"]
    p = world.mine
    p, _ = _change(world, p, "exited", exit_reason="stabilised", note="Housed and working")
    _fill(carmen, 2)  # Carmen is now full without p
    p, note = _change(world, p, "active", note="Lost the job, asked to come back")
    assert p.status == "active" and p.case_manager is None and note and "hard limit of 2" in note


def test_only_the_program_side_assigns_and_the_target_must_be_a_case_manager(world):
    p = world.mine
    with pytest.raises(services.NotAllowed):
        services.caseload_assign(
            actor=world["case_manager"], participant=p, case_manager=world.casey, reason="x y z",
            expected_version=p.version,
        )  # fmt: skip
    with pytest.raises(services.InvalidChange) as exc:
        services.caseload_assign(
            actor=world["program_manager"], participant=p, case_manager=world["officer"], reason="x y z",
            expected_version=p.version,
        )  # fmt: skip
    assert exc.value.field == "case_manager"


def test_the_caseloads_page_shows_each_caseload_and_who_waits(world):
    ParticipantFactory.create(case_manager=None, status="referred", given_name="Unassigned")
    page = verified_client(world["program_manager"]).get("/participants/caseloads/").content.decode()
    assert 'data-caseload="carmen"' in page and 'data-caseload="casey"' in page
    assert "data-unassigned" in page and "Unassigned" in page
    own = verified_client(world["case_manager"]).get("/participants/caseloads/").content.decode()
    assert (
        'data-caseload="carmen"' in own
        and 'data-caseload="casey"' not in own
        and "data-unassigned" not in own
    )


def test_the_caseloads_page_costs_the_same_queries_with_more_people(world):
    client = verified_client(world["program_manager"])
    client.get("/participants/caseloads/")
    with CaptureQueriesContext(connection) as small:
        client.get("/participants/caseloads/")
    for i in range(5):
        UserFactory.create(username=f"cm{i}", role="case_manager")
    _fill(world.casey, 30)
    with CaptureQueriesContext(connection) as large:
        client.get("/participants/caseloads/")
    assert len(large) == len(small)


def test_the_caseloads_page_shows_what_is_overdue(world):
    from datetime import timedelta

    from leadline.cases.models import PlanGoal, PlanItem
    from leadline.core import clock

    goal = PlanGoal.objects.create(
        participant=world.mine, domain="housing", text="A room", created_by=world["case_manager"],
        created_at=clock.now(), idempotency_key="o",
    )  # fmt: skip
    PlanItem.objects.create(
        goal=goal, action="Voucher form", owner="together", due_on=clock.today() - timedelta(days=3),
        created_by=world["case_manager"], created_at=clock.now(), idempotency_key="oi",
    )  # fmt: skip
    page = verified_client(world["program_manager"]).get("/participants/caseloads/").content.decode()
    carmen = page[page.index('data-caseload="carmen"') :]
    carmen = carmen[: carmen.index("</li>")]
    assert "data-overdue" in carmen and "1 not reached in two weeks" in carmen and "1 plan steps" in carmen
