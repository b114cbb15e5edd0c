"""Background work for referrals: checking that someone acknowledged a hand-off page."""

from __future__ import annotations

from django_tasks import task

from leadline.referrals.services.handoffs import handoff_escalate_due


@task()
def handoff_check(handoff_id: int) -> int:
    """Escalate any hand-off whose page went unanswered (not only this one: the run also catches up
    after downtime). Safe to run any number of times."""
    return handoff_escalate_due()
