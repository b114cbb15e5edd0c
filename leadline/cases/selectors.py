from __future__ import annotations

from django.db.models import QuerySet

from leadline.cases.models import CaseNote
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
