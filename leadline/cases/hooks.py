"""The case records' answers to the participants' lifecycle events and to a user's deactivation, for this
app's models. Imported from CasesConfig.ready()."""

from __future__ import annotations

from leadline.accounts import lifecycle as accounts_lifecycle
from leadline.cases import merge
from leadline.cases.models import (
    CaseNote,
    Contact,
    GoalProgress,
    Intake,
    MonthlyStatus,
    PlanGoal,
    PlanItem,
)
from leadline.participants import lifecycle
from leadline.participants.lifecycle import Event

OWN = (CaseNote, Contact, Intake, MonthlyStatus, PlanGoal)  # the ones that point at a participant

lifecycle.register(Event.MERGE, OWN, merge.participant_merged)
lifecycle.nothing_to_do(
    Event.SEAL, OWN,
    reason="the program's work with the person, not the infraction: the data firewall already keeps it "
    "from every criminal-justice role",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.PURGE, OWN,
    reason="the program's work with the person, not the infraction: a purge erases the infraction's "
    "details only (PRODUCT.md §4 rule 3)",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, MonthlyStatus,
    reason="evidence.export reads it itself: the month's number and housing, employment and income as "
    "yes/no under person_key; an unknown month is left out",
)  # fmt: skip
lifecycle.nothing_to_do(
    Event.EXPORT, (CaseNote, Contact, Intake, PlanGoal),
    reason="nothing of it is in the pseudonymous export (notes, places and answers identify the person)",
)  # fmt: skip

accounts_lifecycle.nothing_to_do(
    accounts_lifecycle.Event.DEACTIVATE, (*OWN, GoalProgress, PlanItem),
    reason="who wrote, logged, started, completed or recorded it is the record's history, kept as it was",
)  # fmt: skip
