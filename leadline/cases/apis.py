"""Case-note API: a participant's notes, shaped by the same ParticipantAccess the participant page uses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from leadline.accounts.decorators import AuthedApiRequest
from leadline.cases import services as case_services
from leadline.cases.models import CaseNote
from leadline.cases.selectors import case_note_list_for
from leadline.core.api import LeadlineApi, errors, record_id
from leadline.participants.apis import require
from leadline.participants.selectors import participant_get_for


class CaseNoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    sensitivity = serializers.ChoiceField(choices=CaseNote.Sensitivity.choices)
    author = serializers.CharField()
    created_at = serializers.DateTimeField()


class CaseNoteIn(serializers.Serializer):
    body = serializers.CharField(max_length=10000, trim_whitespace=True)
    sensitivity = serializers.ChoiceField(choices=CaseNote.Sensitivity.choices)
    idempotency_key = serializers.CharField(max_length=64)


class CaseNoteListApi(LeadlineApi):
    @extend_schema(
        parameters=[record_id("participant_id")],
        responses={200: CaseNoteOut(many=True), **errors(403, 404)},
        operation_id="participant_notes_list",
        description="The participant's notes the caller may read, newest first, at most 200 (not paged).",
    )
    def get(self, request: AuthedApiRequest, participant_id: int) -> Response:
        require(request, "case_notes.view")
        view = participant_get_for(user=request.user, participant_id=participant_id)
        if not view.access.note_sensitivities_visible:
            raise NotFound  # the user may see the participant's card, but no notes of theirs
        notes = case_note_list_for(view=view)[:200]
        return Response(
            [
                {
                    "id": n.pk,
                    "body": n.body,
                    "sensitivity": n.sensitivity,
                    "author": n.author.get_full_name(),
                    "created_at": n.created_at,
                }
                for n in notes
            ]
        )

    @extend_schema(
        parameters=[record_id("participant_id")],
        request=CaseNoteIn,
        responses={
            201: CaseNoteOut,
            200: OpenApiResponse(CaseNoteOut, description="The same note again (same idempotency key)."),
            **errors(403, 404, 409),
        },
        operation_id="participant_notes_create",
    )
    def post(self, request: AuthedApiRequest, participant_id: int) -> Response:
        require(request, "case_notes.edit")
        view = participant_get_for(user=request.user, participant_id=participant_id)
        if not view.access.note_sensitivities_writable:
            raise NotFound
        body = CaseNoteIn(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["sensitivity"] not in view.access.note_sensitivities_writable:
            return Response(
                {"sensitivity": ["You may not write notes of this sensitivity."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        # The key used for a different note: 409 {"idempotency_key": [...]} (core.api.exception_handler).
        note, created = case_services.case_note_add(
            actor=request.user, participant=view.participant, **body.validated_data
        )
        return Response(
            {
                "id": note.pk,
                "body": note.body,
                "sensitivity": note.sensitivity,
                "author": note.author.get_full_name(),
                "created_at": note.created_at,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
