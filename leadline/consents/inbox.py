"""Consents' kinds of work in the "needs you" inbox (``core.inbox``, registered from ConsentsConfig.ready()).

Both are for the participant's own case manager (a program manager sees here only their own caseload: the
whole program's open requests are on /disclosure-requests/):

- ``consent_expiring``: a consent in force that ends within 30 days (done when it ends: revoked, replaced by
  a new one, or its event recorded);
- ``accounting_due``: a participant's request for an accounting of disclosures (42 CFR 2.25) not answered
  yet (done when it is answered).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.consents.models import AccountingRequest, Consent
from leadline.core import clock
from leadline.core.inbox import InboxItem, InboxSource, register_source

CONSENT_WARNING_DAYS = 30


def _expiring(user: Any) -> QuerySet[Consent]:
    today = clock.today()
    return Consent.objects.filter(
        participant__case_manager=user,
        participant__merged_into__isnull=True,
        ended_at__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=CONSENT_WARNING_DAYS),
    )


def consents_expiring(user: Any, limit: int) -> list[InboxItem]:
    consents = _expiring(user).select_related("participant").order_by("expires_on", "pk")[:limit]
    return [
        InboxItem(
            kind="consent_expiring",
            what=_("Consent ends soon: %(kind)s") % {"kind": c.get_kind_display()},
            who=c.participant.display_name,
            since=c.given_at,
            due=c.expires_on,
            url=reverse("consents:detail", args=[c.participant_id, c.pk]),
            work_key=f"consent:{c.pk}",
            participant_id=c.participant_id,
        )
        for c in consents
    ]


def _accountings(user: Any) -> QuerySet[AccountingRequest]:
    return AccountingRequest.objects.filter(
        participant__case_manager=user, participant__merged_into__isnull=True, answered_at__isnull=True
    )


def accountings_due(user: Any, limit: int) -> list[InboxItem]:
    requests = _accountings(user).select_related("participant").order_by("due_on", "pk")[:limit]
    return [
        InboxItem(
            kind="accounting_due",
            what=_("Accounting of disclosures to give"),
            who=r.participant.display_name,
            since=r.received_on,
            due=r.due_on,
            url=reverse("consents:accounting_report", args=[r.participant_id, r.pk]),
            work_key=f"accounting_request:{r.pk}",
            participant_id=r.participant_id,
        )
        for r in requests
    ]


register_source(
    InboxSource(
        kind="accounting_due",
        label=gettext_lazy("Accountings of disclosures to answer"),
        capability="consent.edit",
        items=accountings_due,
        count=lambda user: _accountings(user).count(),
        order=55,
    )
)
register_source(
    InboxSource(
        kind="consent_expiring",
        label=gettext_lazy("Consents ending soon"),
        capability="consent.edit",
        items=consents_expiring,
        count=lambda user: _expiring(user).count(),
        order=60,
    )
)
