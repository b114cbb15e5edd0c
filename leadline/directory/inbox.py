"""Service referrals in the "needs you" inbox (issue #17, core.inbox), read from the referrals' state:

- to answer: a referral sent to the reader's organisation and still "sent" (provider staff);
- answered: a referral the reader sent whose provider moved it since the reader last opened it
  (``answer_seen_at``: emptied by each answer, set when the sender opens the referral);
- unanswered: a referral the reader sent two days ago or more that is still "sent" (the block the case
  manager's day used to show).

Each item carries the referral's ``work_key`` (``referrals.referral_key``), the key of the notifications
about the same work. Who the referral is for: the participant's name to the program's sender (who may open
the referral, so may read it); to a provider only the reference — showing a provider who someone is, is a
disclosure under the participant's consent that the referral's own page records with its 2.32 notice, not
something a list on the home page may do in passing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.core import clock
from leadline.core.inbox import InboxItem, InboxSource, register_source
from leadline.directory.models import ServiceReferral
from leadline.directory.referrals import UNANSWERED_AFTER, answers_as_provider, referral_key
from leadline.directory.selectors import referrals_visible_to

S = ServiceReferral.Status


def _to_answer(user: Any) -> QuerySet[ServiceReferral]:
    if not answers_as_provider(user):
        return ServiceReferral.objects.none()
    return referrals_visible_to(user).filter(status=S.REQUESTED)


def _answered(user: Any) -> QuerySet[ServiceReferral]:
    return (
        referrals_visible_to(user)
        .filter(requested_by=user, answered_at__isnull=False, answer_seen_at__isnull=True)
        .exclude(status=S.CANCELLED)
    )


def _unanswered(user: Any) -> QuerySet[ServiceReferral]:
    late = clock.now() - UNANSWERED_AFTER
    return referrals_visible_to(user).filter(requested_by=user, status=S.REQUESTED, requested_at__lt=late)


def _url(referral: ServiceReferral) -> str:
    from django.urls import reverse

    return reverse("directory:referral", args=[referral.pk])


def to_answer_items(user: Any, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="service_referral_to_answer",
            what=_("Referral %(ref)s to %(service)s waits for your answer")
            % {"ref": r.reference, "service": r.service.name},
            who=r.reference,
            since=r.requested_at,
            url=_url(r),
            work_key=referral_key(r),
        )
        for r in _to_answer(user).order_by("requested_at", "id")[:limit]
    ]


def answered_items(user: Any, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="service_referral_answered",
            what=_("%(service)s answered: %(status)s")
            % {"service": r.service.name, "status": r.get_status_display()},
            who=r.participant.display_name,
            since=r.updated_at,
            url=_url(r),
            work_key=referral_key(r),
        )
        for r in _answered(user).order_by("updated_at", "id")[:limit]
    ]


def unanswered_items(user: Any, limit: int) -> list[InboxItem]:
    return [
        InboxItem(
            kind="service_referral_unanswered",
            what=_("No answer yet from %(service)s") % {"service": r.service.name},
            who=r.participant.display_name,
            since=r.requested_at,
            url=_url(r),
            work_key=referral_key(r),
        )
        for r in _unanswered(user).order_by("requested_at", "id")[:limit]
    ]


def register() -> None:
    register_source(
        InboxSource(
            kind="service_referral_to_answer",
            label=gettext_lazy("Service referrals to answer"),
            capability="service_referral.edit",
            items=to_answer_items,
            count=lambda u: _to_answer(u).count(),
            order=40,
        )
    )
    register_source(
        InboxSource(
            kind="service_referral_answered",
            label=gettext_lazy("Answers to your service referrals"),
            capability="service_referral.view",
            items=answered_items,
            count=lambda u: _answered(u).count(),
            order=41,
        )
    )
    register_source(
        InboxSource(
            kind="service_referral_unanswered",
            label=gettext_lazy("Service referrals waiting two days for an answer"),
            capability="service_referral.view",
            items=unanswered_items,
            count=lambda u: _unanswered(u).count(),
            order=42,
        )
    )


register()
