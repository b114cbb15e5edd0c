from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from leadline.accounts import policy
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.cases.models import CaseNote, Contact, Intake, PlanItem, domain_sensitivity
from leadline.core import clock
from leadline.participants.models import CASELOAD_STATUSES, Participant
from leadline.participants.selectors import ParticipantView


def case_note_list_for(*, view: ParticipantView) -> QuerySet[CaseNote]:
    """The notes of a participant the user may read: only the sensitivities their access allows.

    Takes the ParticipantView returned by participant_get_for, so the read is already audited and
    the access already decided.
    """
    sensitivities = view.access.note_sensitivities_visible
    return CaseNote.objects.filter(
        participant=view.participant, sensitivity__in=sensitivities
    ).select_related("author")


def contact_list_for(*, view: ParticipantView, limit: int = 20) -> list[Contact]:
    """The latest contacts and attempts; the template shows place and summary only to those who may."""
    if not view.access.has("contact.view"):
        return []
    return list(Contact.objects.filter(participant=view.participant).select_related("logged_by")[:limit])


CONTACT_DUE_DAYS = 14  # no one on a caseload should go two weeks without being reached (decision 0012)


def intake_for(*, view: ParticipantView) -> tuple[Any, list[Any]]:
    """(the intake in progress, else the latest completed one, or None; its answers this user may read,
    acute first)."""
    intake = (
        Intake.objects.filter(participant=view.participant)
        .order_by(F("completed_at").desc(nulls_first=True))
        .first()
    )
    if intake is None:
        return None, []
    visible = set(view.access.note_sensitivities_visible)
    answers = [a for a in intake.answers.all() if domain_sensitivity(a.domain) in visible]
    return intake, answers


def intake_completed_on(participant: Participant) -> Any:
    """The date of the latest completed intake (what the legal clock reads), or None."""
    latest = (
        Intake.objects.filter(participant=participant, completed_at__isnull=False)
        .order_by("-completed_at")
        .first()
    )
    return clock.local_date(latest.completed_at) if latest and latest.completed_at else None


def caseload_overview(*, user: User) -> list[Any]:
    """Every active case manager (program manager) or only oneself (case manager), each with their
    caseload's size, counts by status, the oldest wait for intake, and what is overdue (not reached in two
    weeks, plan steps past their date); fullest first. Three queries whatever the numbers."""
    managers = policy.users_with_capability("caseload.view", scope=Scope.CASELOAD)
    if policy.scope_of(user, "caseload.view") is not Scope.ALL:
        managers = managers.filter(pk=getattr(user, "pk", 0))
    counted = ("referred", "engaged", "active", "inactive")
    since = timezone.now() - timedelta(days=CONTACT_DUE_DAYS)
    stats = {
        row["case_manager"]: row
        for row in Participant.objects.filter(case_manager__in=managers)
        .values("case_manager")
        .annotate(
            size=Count("id", filter=Q(status__in=CASELOAD_STATUSES)),
            **{s: Count("id", filter=Q(status=s)) for s in counted},
            oldest_referred=Min("created_at", filter=Q(status="referred")),
            not_reached=Count(
                "id",
                filter=Q(status__in=("engaged", "active", "inactive"))
                & (Q(last_reached_at__isnull=True) | Q(last_reached_at__lt=since)),
            ),
        )
        .order_by()
    }
    steps = dict(
        PlanItem.objects.filter(
            goal__participant__case_manager__in=managers,
            done_at__isnull=True,
            due_on__lt=clock.today(),
        )
        .values("goal__participant__case_manager")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("goal__participant__case_manager", "n")
    )
    everyone = list(managers.only("pk", "username", "first_name", "last_name"))
    for m in everyone:
        row: Any = stats.get(m.pk, {})
        for attr in ("size", *counted, "not_reached"):
            setattr(m, attr, row.get(attr, 0))
        m.steps_overdue = steps.get(m.pk, 0)  # type: ignore[attr-defined]
        m.oldest_referred = row.get("oldest_referred")  # type: ignore[attr-defined]
    everyone.sort(key=lambda m: (-m.size, m.last_name, m.first_name))  # type: ignore[attr-defined]
    return everyone
