from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedApiRequest
from leadline.core.api import LeadlineApi, errors


class MeOut(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    agency = serializers.CharField(allow_null=True)
    capabilities = serializers.DictField(child=serializers.CharField())


class MeApi(LeadlineApi):
    """Who the caller is, and what they may do (narrowed by the token's scopes when a token is used)."""

    @extend_schema(responses={200: MeOut, **errors()}, operation_id="me")
    def get(self, request: AuthedApiRequest) -> Response:
        user = request.user
        return Response(
            {
                "username": user.get_username(),
                "role": user.role,
                "agency": user.agency.name if user.agency else None,
                "capabilities": {k: v.value for k, v in policy.capabilities_of(user).items()},
            }
        )
