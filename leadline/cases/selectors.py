from __future__ import annotations

from django.db.models import QuerySet

from leadline.cases.models import CaseNote, Contact
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
