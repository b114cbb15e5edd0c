"""Messaging's part of the participant's page (registered in participants.pages from MessagingConfig.ready()):
whether to offer "Messages about this participant" (issue #8: the program starts the threads)."""

from __future__ import annotations

from typing import Any

from leadline.accounts.decorators import AuthedRequest
from leadline.messaging.policy import program_may_start
from leadline.participants.pages import register_part
from leadline.participants.selectors import ParticipantView


def messaging_part(request: AuthedRequest, view: ParticipantView) -> dict[str, Any]:
    return {"may_message": program_may_start(request.user, view.participant, view.access)}


register_part("messaging", messaging_part)
