"""Consents' part of the participant's page (registered in participants.pages from ConsentsConfig.ready()):
the consents on record, an open accounting request, and the forms to record or revoke a consent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from leadline.consents.forms import ConsentForm, RevokeForm
from leadline.consents.models import Consent
from leadline.consents.selectors import accounting_open_for_participant, consent_list_for_participant
from leadline.core import clock
from leadline.participants.models import CASELOAD_STATUSES
from leadline.participants.pages import NextStep, register_next_step, register_part
from leadline.participants.selectors import ParticipantView


def consent_part(request: HttpRequest, view: ParticipantView) -> dict[str, Any]:
    access = view.access
    if not access.has("consent.view"):
        return {}
    ctx: dict[str, Any] = {
        "consents": consent_list_for_participant(participant_id=view.participant.pk),
        "accounting_open": accounting_open_for_participant(participant_id=view.participant.pk),
    }
    if access.has("consent.edit"):
        open_kinds = {c.kind for c in ctx["consents"] if c.ended_at is None}
        if "officer_feedback" not in open_kinds and not view.participant.merged_into_id:
            ctx["consent_form"] = ConsentForm(
                initial={"kind": "officer_feedback", "method": "verbal", "housed": True}
            )
        ctx["revoke_form"] = RevokeForm()
    return ctx


register_part("consents", consent_part)

CONSENT_WARNING_DAYS = 30  # as the case manager's day warns (web.day)


def _consent_expiring(request: HttpRequest, view: ParticipantView) -> NextStep | None:
    """A consent in force that runs out within 30 days: ask the participant whether to renew it."""
    p = view.participant
    if not view.access.has("consent.edit") or p.merged_into_id or p.status not in CASELOAD_STATUSES:
        return None  # nobody is asked to renew after leaving LEAD
    today = clock.today()
    consent = (
        Consent.objects.filter(
            participant=view.participant, ended_at__isnull=True, expires_on__isnull=False,
            expires_on__gte=today, expires_on__lte=today + timedelta(days=CONSENT_WARNING_DAYS),
        ).order_by("expires_on").first()
    )  # fmt: skip
    if consent is None:
        return None
    return NextStep(
        "consent",
        _("A consent expires on %(d)s: %(kind)s.")
        % {"d": consent.expires_on.isoformat(), "kind": consent.get_kind_display()},  # type: ignore[union-attr]
        _("Ask about renewing it"),
        "#consents",
    )


register_next_step("consents.expiring", 50, _consent_expiring)
