"""Participant API. Every response is shaped by the same ParticipantAccess the pages use."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedApiRequest
from leadline.audit.models import AuditEvent
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


def require(request: Request, capability: str) -> None:
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
    def get(self, request: AuthedApiRequest) -> Response:
        require(request, "participant_card.view")
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
    def get(self, request: AuthedApiRequest, participant_id: int) -> Response:
        view = participant_get_for(user=request.user, participant_id=participant_id)
        return Response(participant_data(view.participant, view.access))
