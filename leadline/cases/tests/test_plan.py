"""The individual intervention plan: the participant's goals by domain, a harm-reduction scale with no
abstinence requirement, steps with owner and date, progress over time, and the day's reminders."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from leadline.audit.models import AuditEvent
from leadline.cases import services
from leadline.cases.models import GoalProgress, PlanGoal, PlanItem, Progress
from leadline.core import clock
from leadline.demo.testing import verified_client


def _goal_post(client, pid, **kw):
    data = {
        "action": "goal",
        "domain": "housing",
        "text": "A room of my own",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(kw)
    return client.post(f"/participants/{pid}/plan/", data)


def test_two_goals_a_step_and_progress_over_time(world):
    client = verified_client(world["case_manager"])
    pid = world.mine.pk
    key = uuid.uuid4().hex
    assert _goal_post(client, pid, idempotency_key=key).status_code == 302
    assert _goal_post(client, pid, idempotency_key=key).status_code == 302  # double submit: one goal
    _goal_post(client, pid, domain="substance_use", text="Use less on weekdays")
    goals = list(PlanGoal.objects.filter(participant=world.mine).order_by("id"))
    assert [g.text for g in goals] == ["A room of my own", "Use less on weekdays"]
    housing = goals[0]
    i = f"i{housing.pk}"
    response = client.post(
        f"/participants/{pid}/plan/",
        {"action": "item", "goal": housing.pk, f"{i}-action": "Apply for the housing voucher",
         f"{i}-owner": "together", f"{i}-due_on": str(clock.today()), f"{i}-idempotency_key": "k1"},
    )  # fmt: skip
    assert response.status_code == 302
    item = PlanItem.objects.get(goal=housing)
    g = f"g{housing.pk}"
    for level in (2, 1, 3):  # a setback is recorded, not punished
        housing.refresh_from_db()
        client.post(
            f"/participants/{pid}/plan/",
            {"action": "progress", "goal": housing.pk, f"{g}-level": level, f"{g}-state": "open",
             f"{g}-note": "", f"{g}-version": housing.version},
        )  # fmt: skip
    assert list(GoalProgress.objects.filter(goal=housing).order_by("id").values_list("level", flat=True)) == [
        2,
        1,
        3,
    ]
    client.post(f"/participants/{pid}/plan/", {"action": "done", "goal": housing.pk, "item": item.pk})
    item.refresh_from_db()
    assert item.done_at is not None
    assert AuditEvent.objects.filter(subject_type="plan_goal", participant_id=pid).count() >= 5
    page = client.get(f"/participants/{pid}/plan/").content.decode()
    assert "A room of my own" in page and "Use less on weekdays" in page


def test_nothing_requires_abstinence():
    words = " ".join(str(label).lower() for label in [*Progress.labels, *PlanGoal.State.labels])
    for banned in ("abstin", "sober", "clean", "relapse", "fail", "non-complian"):
        assert banned not in words, banned


def test_a_stale_progress_update_is_refused(world):
    goal, _ = services.goal_add(
        actor=world["case_manager"],
        participant=world.mine,
        domain="income",
        text="Get SSI",
        idempotency_key="g",
    )
    services.goal_progress(
        actor=world["program_manager"],
        goal=goal,
        level=2,
        note="",
        state="open",
        expected_version=goal.version,
    )
    with pytest.raises(services.StaleEdit):
        services.goal_progress(
            actor=world["case_manager"], goal=goal, level=4, note="", state="open", expected_version=1
        )


def test_bad_input_names_the_field(world):
    client = verified_client(world["case_manager"])
    response = _goal_post(client, world.mine.pk, text="")
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    goal, _ = services.goal_add(
        actor=world["case_manager"],
        participant=world.mine,
        domain="income",
        text="Get SSI",
        idempotency_key="g",
    )
    with pytest.raises(services.InvalidCaseInput) as exc:
        services.plan_item_add(
            actor=world["case_manager"], goal=goal, action="Call", owner="participant",
            due_on=clock.today() - timedelta(days=10), idempotency_key="i",
        )  # fmt: skip
    assert exc.value.field == "due_on"


@pytest.mark.parametrize(
    "persona", ["officer", "police_liaison", "prosecutor", "defender", "outreach_worker"]
)
def test_the_plan_stays_with_the_case_side(world, persona):
    services.goal_add(
        actor=world["case_manager"], participant=world.mine, domain="mental_health", text="Sleep through",
        idempotency_key="s",
    )  # fmt: skip
    response = verified_client(world[persona]).get(f"/participants/{world.mine.pk}/plan/")
    assert response.status_code in (403, 404) and "Sleep through" not in response.content.decode()


def test_steps_due_show_in_the_inbox(world):
    goal, _ = services.goal_add(
        actor=world["case_manager"], participant=world.mine, domain="id_documents", text="Get an ID",
        idempotency_key="d",
    )  # fmt: skip
    services.plan_item_add(
        actor=world["case_manager"], goal=goal, action="Birth certificate request", owner="case_manager",
        due_on=clock.today() + timedelta(days=2), idempotency_key="di",
    )  # fmt: skip
    page = verified_client(world["case_manager"]).get("/").content.decode()
    assert 'data-inbox-kind="plan_step_due"' in page and "Birth certificate request" in page
