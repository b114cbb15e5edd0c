"""Legal's parts of pages owned by apps below it, registered from LegalConfig.ready(): on the participant's
page the legal clocks running for the participant (participants.pages); on the outreach list a running
legal window first and each person's clock (cases.outreach). Each only for a reader who may see clocks."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Min, Q, QuerySet

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest
from leadline.accounts.models import User
from leadline.accounts.roles import Scope
from leadline.cases.outreach import OutreachPart, register_outreach_part
from leadline.legal.models import LegalMatter
from leadline.legal.selectors import clocks_for_participants
from leadline.participants.models import Participant
from leadline.participants.pages import register_part
from leadline.participants.selectors import ParticipantView


def legal_part(request: AuthedRequest, view: ParticipantView) -> dict[str, Any]:
    if not policy.can(request.user, "legal_clock.view"):
        return {}
    pk = view.participant.pk
    return {
        "legal_clocks": clocks_for_participants(user=request.user, participant_ids=[pk]).get(pk, []),
        "may_open_matters": policy.can(request.user, "legal_matter.view"),
    }


register_part("legal", legal_part)


def _outreach_order(user: User, people: QuerySet[Participant]) -> tuple[QuerySet[Participant], list[Any]]:
    """A legal window running comes first, the nearest deadline first: intake must happen before it ends.
    Only the clocks this reader may see order the list (a caseload scope: her own people), so the position
    of someone else's participant never tells that they have a legal matter."""
    clock_scope = policy.scope_of(user, "legal_clock.view")
    if clock_scope is None:
        return people, []
    running = Q(legal_matters__state=LegalMatter.State.HELD)
    if clock_scope is Scope.CASELOAD:
        running &= Q(case_manager=user)
    people = people.annotate(next_deadline=Min("legal_matters__deadline_at", filter=running))
    return people, [F("next_deadline").asc(nulls_last=True)]


def _outreach_mark(user: User, people: list[Participant]) -> None:
    clocks = clocks_for_participants(user=user, participant_ids=[p.pk for p in people])
    for p in people:
        p.legal_clock = clocks.get(p.pk, [None])[0]  # type: ignore[attr-defined]


register_outreach_part("legal", OutreachPart(order=_outreach_order, mark=_outreach_mark))
