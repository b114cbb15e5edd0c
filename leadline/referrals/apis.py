"""Referral API, for police records systems: the same service and the same checks as the form."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedApiRequest
from leadline.core import clock
from leadline.core.api import SOME_TEXT, LeadlineApi, Pages, errors, record_id
from leadline.referrals import services
from leadline.referrals.models import Referral
from leadline.referrals.selectors import (
    Outcome,
    referral_get_for,
    referral_list_for,
    referral_outcomes_for,
    referral_reads_audit,
)
from leadline.referrals.sentences import facts_of, sentence
from leadline.sites.selectors import policy_version_today


class ReferralIn(serializers.Serializer):
    door = serializers.ChoiceField(choices=["arrest_diversion", "social_contact"])
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    stated_age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)
    statute = serializers.CharField(required=False, allow_blank=True, max_length=60)
    drug_quantity_grams = serializers.DecimalField(
        required=False, allow_null=True, max_digits=8, decimal_places=2
    )
    exclusions_flagged = serializers.ListField(child=serializers.SlugField(), required=False)
    verification = serializers.ChoiceField(
        choices=Referral.Verification.choices, required=False, allow_blank=True
    )
    verified_on = serializers.DateField(required=False, allow_null=True)
    inside_catchment = serializers.BooleanField(required=False, allow_null=True)
    person_agrees = serializers.BooleanField()
    aggrieved_party = serializers.ChoiceField(choices=Referral.AggrievedParty.choices)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    idempotency_key = serializers.CharField(max_length=64)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("date_of_birth") and attrs.get("stated_age") is None:
            raise serializers.ValidationError({"date_of_birth": "Give the date of birth or the stated age."})
        if attrs["door"] == "arrest_diversion" and not attrs.get("statute"):
            raise serializers.ValidationError({"statute": "Required for an arrest diversion."})
        return attrs


class ReferralInScheme(OpenApiSerializerExtension):
    """ReferralIn's two rules across fields, in the document too (else it calls valid a request the API
    refuses): the date of birth or the stated age; a statute for an arrest diversion."""

    target_class = ReferralIn

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_basic_serializer(self.target, direction)
        date = {"type": "string", "format": "date"}
        statute = {"type": "string", "pattern": SOME_TEXT}
        social_contact = {"type": "string", "pattern": "^social_contact$"}  # not an enum: the enum hook
        # would replace it by the whole door enum
        schema["allOf"] = [
            {"anyOf": [{"required": ["date_of_birth"], "properties": {"date_of_birth": date}},
                       {"required": ["stated_age"], "properties": {"stated_age": {"type": "integer"}}}]},
            {"anyOf": [{"properties": {"door": social_contact}},
                       {"required": ["statute"], "properties": {"statute": statute}}]},
        ]  # fmt: skip
        return schema


class CheckOut(serializers.Serializer):
    criterion = serializers.CharField(
        help_text="The criterion's code (machine value; stable across languages)."
    )
    passed = serializers.BooleanField()
    detail = serializers.CharField()
    reason = serializers.CharField(
        help_text="The result as a sentence in the request's language (Accept-Language), for people to read."
    )


class ReferralOut(serializers.Serializer):
    id = serializers.IntegerField()
    door = serializers.CharField()
    status = serializers.CharField()
    policy_version = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    checks = CheckOut(many=True)
    outcome = serializers.ChoiceField(
        choices=["engaged", "not_yet_engaged", "not_shared"],
        allow_null=True,
        help_text="For the referring officer only: whether the person engaged, when they opted in.",
    )
    housed = serializers.BooleanField(
        allow_null=True,
        help_text="For the referring officer only: housed (permanent housing) in the latest month recorded, "
        "when the participant's opt-in names it; null when not shared.",
    )


def referral_data(r: Referral, outcome: Outcome | None = None) -> dict[str, Any]:
    facts = facts_of(r)
    return {
        "outcome": outcome.state if outcome else None,
        "housed": outcome.housed if outcome else None,
        "id": r.pk,
        "door": r.door,
        "status": r.status,
        "policy_version": r.policy_version.label,
        "given_name": r.given_name,
        "family_name": r.family_name,
        "created_at": r.created_at,
        "checks": [
            {
                "criterion": c.criterion,
                "passed": c.passed,
                "detail": c.detail,
                "reason": sentence(c.criterion, c.passed, facts),
            }
            for c in r.checks.all()
        ],
    }


class ReferralListApi(LeadlineApi):
    pagination_class = Pages

    @extend_schema(responses={200: ReferralOut(many=True), **errors(403, 404)}, operation_id="referrals_list")
    def get(self, request: AuthedApiRequest) -> Response:
        if not policy.can(request.user, "referral.view"):
            raise PermissionDenied
        paginator = self.pagination_class()
        qs = referral_list_for(user=request.user).prefetch_related("checks", "policy_version__exclusions")
        page = paginator.paginate_queryset(qs, request, view=self) or []
        referral_reads_audit(user=request.user, referrals=page)
        outcomes = referral_outcomes_for(user=request.user, referrals=page, channel="api")
        return paginator.get_paginated_response([referral_data(r, outcomes.get(r.pk)) for r in page])

    @extend_schema(
        request=ReferralIn,
        responses={
            201: ReferralOut,
            200: OpenApiResponse(ReferralOut, description="The same request again (same idempotency key)."),
            **errors(403, 409),
        },
        operation_id="referrals_create",
    )
    def post(self, request: AuthedApiRequest) -> Response:
        if not policy.can(request.user, "referral.edit"):
            raise PermissionDenied
        body = ReferralIn(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        offence = None
        if d["door"] == "arrest_diversion":
            # The statute as the policy in force today knows it (not a future or an old version's).
            version = policy_version_today()
            offence = version.offences.filter(statute=d["statute"]).first() if version else None
        data = services.ReferralInput(
            door=d["door"],
            given_name=d["given_name"].strip(),
            family_name=d["family_name"].strip(),
            person_agrees=d["person_agrees"],
            aggrieved_party=d["aggrieved_party"],
            occurred_at=clock.now(),
            date_of_birth=d.get("date_of_birth"),
            stated_age=d.get("stated_age"),
            offence=offence,
            drug_quantity_grams=d.get("drug_quantity_grams"),
            exclusions_flagged=tuple(d.get("exclusions_flagged", ())),
            place=d.get("place", ""),
            verification=d.get("verification", ""),
            verified_on=d.get("verified_on"),
            inside_catchment=d.get("inside_catchment"),
        )
        # A refusal (a field at fault, 400; the key used for another referral, 409) is answered by
        # core.api.exception_handler as {field: [message]}.
        referral, created = services.referral_submit(
            actor=request.user, data=data, idempotency_key=d["idempotency_key"]
        )
        return Response(
            referral_data(referral), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ReferralDetailApi(LeadlineApi):
    @extend_schema(
        parameters=[record_id("referral_id")],
        responses={200: ReferralOut, **errors(403, 404)},
        operation_id="referrals_retrieve",
    )
    def get(self, request: AuthedApiRequest, referral_id: int) -> Response:
        if not policy.can(request.user, "referral.view"):
            raise PermissionDenied
        referral = referral_get_for(user=request.user, referral_id=referral_id)
        outcome = referral_outcomes_for(user=request.user, referrals=[referral], channel="api").get(
            referral.pk
        )
        return Response(referral_data(referral, outcome))
