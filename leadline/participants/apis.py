"""Participant API. Every response is shaped by the same ParticipantAccess the pages use."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from leadline.accounts import policy
from leadline.audit.models import AuditEvent
from leadline.cases import services as case_services
from leadline.cases.models import CaseNote
from leadline.cases.selectors import case_note_list_for
from leadline.core.api import NO_NUL, LeadlineApi, Pages, errors, record_id
from leadline.participants.models import Participant
from leadline.participants.policy import ParticipantAccess, participant_access
from leadline.participants.selectors import participant_get_for, participant_list_for, participant_reads_audit


class ParticipantOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    status = serializers.CharField()
    case_manager = serializers.CharField(allow_null=True)
    given_name = serializers.CharField(required=False)
    family_name = serializers.CharField(required=False)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    language = serializers.CharField(required=False)
    last_known_whereabouts = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)


def participant_data(p: Participant, access: ParticipantAccess) -> dict[str, Any]:
    """Only the fields this access allows; a field the user may not see is absent, not null."""
    data: dict[str, Any] = {
        "id": p.pk,
        "display_name": p.display_name,
        "status": p.status,
        "case_manager": p.case_manager.get_full_name() if p.case_manager else None,
    }
    if access.has("participant_record.view"):
        data.update(
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth.isoformat() if p.date_of_birth else None,
            language=p.language,
            version=p.version,
        )
    if access.has("whereabouts.view"):
        data["last_known_whereabouts"] = p.last_known_whereabouts
    return data


def _require(request: Request, capability: str) -> None:
    if not policy.can(request.user, capability):
        raise PermissionDenied


class ParticipantListApi(LeadlineApi):
    pagination_class = Pages

    @extend_schema(
        parameters=[OpenApiParameter("q", {"type": "string", "pattern": NO_NUL},
                                     description="Words of the name (the first 100 characters count).")],
        responses={200: ParticipantOut(many=True), **errors(403, 404)},
        operation_id="participants_list",
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        _require(request, "participant_card.view")
        paginator = self.pagination_class()
        qs = participant_list_for(user=request.user, q=request.query_params.get("q", "")[:100])
        page = paginator.paginate_queryset(qs, request, view=self) or []
        participant_reads_audit(user=request.user, participants=page, action=AuditEvent.Action.LIST)
        return paginator.get_paginated_response(
            [participant_data(p, participant_access(request.user, p)) for p in page]
        )


class ParticipantDetailApi(LeadlineApi):
    @extend_schema(
        parameters=[record_id("participant_id")],
        responses={200: ParticipantOut, **errors(403, 404)},
        operation_id="participants_retrieve",
    )
    def get(self, request: Request, participant_id: int) -> Response:
        view = participant_get_for(user=request.user, participant_id=participant_id)
        return Response(participant_data(view.participant, view.access))


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
    def get(self, request: Request, participant_id: int) -> Response:
        _require(request, "case_notes.view")
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
    def post(self, request: Request, participant_id: int) -> Response:
        _require(request, "case_notes.edit")
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
