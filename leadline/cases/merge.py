"""What happens to a participant's case records when the participant is merged into another
(participants.services.participant_merge calls this inside its transaction; decision 0029)."""

from __future__ import annotations

from leadline.accounts.models import User
from leadline.cases.models import CaseNote, Contact, Intake, MonthlyStatus, PlanGoal
from leadline.participants.models import Participant


def participant_merged(*, actor: User, survivor: Participant, duplicate: Participant) -> dict[str, int]:
    """A duplicate was merged (participants.services.participant_merge, inside its transaction): the case
    records move to the survivor. Where the survivor already holds the one record allowed (an open
    intake, a month's status), the duplicate keeps its own, reachable through the merged record (decision
    0029: two observations of one month, or two intakes half-done, are not ours to choose between)."""
    moved: dict[str, int] = {}
    for label, model in (("case_notes", CaseNote), ("contacts", Contact), ("goals", PlanGoal)):
        moved[label] = model.objects.filter(participant=duplicate).update(participant=survivor)
    intakes = Intake.objects.filter(participant=duplicate)
    if Intake.objects.filter(participant=survivor, completed_at__isnull=True).exists():
        intakes = intakes.filter(completed_at__isnull=False)
    moved["intakes"] = intakes.update(participant=survivor)
    months = set(MonthlyStatus.objects.filter(participant=survivor).values_list("month", flat=True))
    moved["monthly_statuses"] = (
        MonthlyStatus.objects.filter(participant=duplicate)
        .exclude(month__in=months)
        .update(participant=survivor)
    )
    return moved
