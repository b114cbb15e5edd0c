"""Background work for referrals: checking that someone acknowledged a hand-off page.

Three ways the escalation runs, each catching up on every request that waited too long (decision 0031):
the `handoff_check` task deferred to each page's acknowledgement window; every task worker's duty
`handoff_sweep`, about once a minute, so a lost or failed task costs at most a minute; and
`manage.py handoff_sweep` from cron or a systemd timer, for when no worker runs at all.
"""

from __future__ import annotations

from django_tasks import task

from leadline.referrals.services.handoffs import handoff_escalate_due


@task()
def handoff_check(handoff_id: int) -> int:
    """Escalate any hand-off whose page went unanswered (not only this one: the run also catches up
    after downtime). Safe to run any number of times."""
    return handoff_escalate_due()


def handoff_sweep() -> int:
    """The worker's duty and the command's body: every overdue escalation, once (compare-and-set)."""
    return handoff_escalate_due()
