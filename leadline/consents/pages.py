"""Consents' part of the participant's page (registered in participants.pages from ConsentsConfig.ready()):
the consents on record, an open accounting request, and the forms to record or revoke a consent."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from leadline.consents.forms import ConsentForm, RevokeForm
from leadline.consents.selectors import accounting_open_for_participant, consent_list_for_participant
from leadline.participants.pages import register_part
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
