"""Cases' kinds of work in the "needs you" inbox: each appears on the case manager's home page, leaves when
the work is done through the case pages' services, and is nobody else's (another case manager's caseload, nor
the program manager's, whose inbox is only their own caseload)."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from leadline.cases import services
from leadline.cases.services import ContactInput, contact_log, monthly_status_record
from leadline.core import clock
from leadline.demo.testing import ParticipantFactory, verified_client


def inbox_keys(user) -> set[str]:
    """The work keys on the user's home page (each item carries its own)."""
    page = verified_client(user).get("/").content.decode()
    return set(re.findall(r'data-work="([^"]+)"', page))


def test_inbox_leaves_when_done__intake_due(world):
    carmen = world["case_manager"]
    p = ParticipantFactory.create(case_manager=carmen, status="referred", given_name="Pending")
    key = f"participant_intake:{p.pk}"
    assert key in inbox_keys(carmen)
    assert key not in inbox_keys(world.casey) and key not in inbox_keys(world["program_manager"])
    page = verified_client(carmen).get("/").content.decode()
    assert f'href="/participants/{p.pk}/intake/"' in page  # opens where the intake is done

    services.intake_save(
        actor=carmen, participant=p, answers={"housing": (True, "Sleeping in a car")}, expected_version=None,
        complete=True,
    )  # fmt: skip
    p.refresh_from_db()
    assert p.status == "engaged" and key not in inbox_keys(carmen)


def test_inbox_leaves_when_done__not_reached(world):
    carmen, p = world["case_manager"], world.mine  # active, never reached
    key = f"participant_contact:{p.pk}"
    assert key in inbox_keys(carmen) and key not in inbox_keys(world.casey)
    assert f"participant_contact:{world.other.pk}" in inbox_keys(world.casey)  # Casey's own

    contact_log(
        actor=carmen, participant=p, idempotency_key="n1",
        data=ContactInput(kind="outreach", reached=False, substantive=False, occurred_at=clock.now()),
    )  # fmt: skip
    assert key in inbox_keys(carmen)  # an attempt that did not reach them is not the work done
    contact_log(
        actor=carmen, participant=p, idempotency_key="n2",
        data=ContactInput(kind="in_person", reached=True, substantive=True, occurred_at=clock.now()),
    )  # fmt: skip
    assert key not in inbox_keys(carmen)
    with time_machine.travel(clock.now() + timedelta(days=15), tick=False):
        assert key in inbox_keys(carmen)  # two weeks on, they are due again


def test_inbox_leaves_when_done__plan_step_due(world):
    carmen = world["case_manager"]
    goal, _ = services.goal_add(
        actor=carmen, participant=world.mine, domain="id_documents", text="Get an ID", idempotency_key="g"
    )
    soon, _ = services.plan_item_add(
        actor=carmen, goal=goal, action="Birth certificate request", owner="case_manager",
        due_on=clock.today() + timedelta(days=2), idempotency_key="s1",
    )  # fmt: skip
    later, _ = services.plan_item_add(
        actor=carmen, goal=goal, action="Photo for the ID", owner="case_manager",
        due_on=clock.today() + timedelta(days=20), idempotency_key="s2",
    )  # fmt: skip
    keys = inbox_keys(carmen)
    assert f"plan_item:{soon.pk}" in keys and f"plan_item:{later.pk}" not in keys  # three days ahead only
    assert "Birth certificate request" in verified_client(carmen).get("/").content.decode()
    assert f"plan_item:{soon.pk}" not in inbox_keys(world.casey)

    services.plan_item_done(actor=carmen, item=soon)
    assert f"plan_item:{soon.pk}" not in inbox_keys(carmen)


def test_inbox_leaves_when_done__monthly_status_due(world):
    carmen = world["case_manager"]
    month_ago = clock.now() - timedelta(days=60)
    p = ParticipantFactory.create(case_manager=carmen, status="active", created_at=month_ago)
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    key = f"participant_monthly:{p.pk}:{last_month:%Y-%m}"
    assert key in inbox_keys(carmen) and key not in inbox_keys(world.casey)
    assert f"participant_monthly:{world.mine.pk}:{last_month:%Y-%m}" not in inbox_keys(carmen)  # joined today

    monthly_status_record(
        actor=carmen, participant=p, month=last_month, housing="sheltered", employed="no",
        income_or_benefits="yes", expected_version=None,
    )  # fmt: skip
    assert key not in inbox_keys(carmen)


def test_a_program_managers_inbox_holds_only_their_own_caseload(world):
    paula = world["program_manager"]
    p = ParticipantFactory.create(case_manager=paula, status="referred")
    keys = inbox_keys(paula)
    assert f"participant_intake:{p.pk}" in keys
    # Other case managers' people (keys of other tables may share a pk, so only the participant keys).
    others = {str(world.mine.pk), str(world.other.pk)}
    assert not any(k.startswith("participant_") and k.split(":")[1] in others for k in keys)


def test_a_health_plan_step_is_not_named_to_a_reader_without_health(world, monkeypatch):
    from leadline.accounts import policy
    from leadline.cases.inbox import steps_due

    carmen = world["case_manager"]
    goal, _ = services.goal_add(
        actor=carmen, participant=world.mine, domain="mental_health", text="Sleep", idempotency_key="h"
    )
    step, _ = services.plan_item_add(
        actor=carmen, goal=goal, action="See the counsellor", owner="participant",
        due_on=clock.today(), idempotency_key="hs",
    )  # fmt: skip
    assert [i.work_key for i in steps_due(carmen, 10)] == [f"plan_item:{step.pk}"]
    real = policy.can
    monkeypatch.setattr(policy, "can", lambda user, cap: cap != "health.view" and real(user, cap))
    assert steps_due(carmen, 10) == []
