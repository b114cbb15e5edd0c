"""Legal matters API, for the prosecutor's and the defender's case systems: the same selectors as the
pages, so a sealed matter is never returned to a criminal-justice role (PRODUCT §4 rule 3)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedApiRequest
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record_reads
from leadline.core.api import LeadlineApi, Pages, errors, record_id
from leadline.legal import clock as legal_clock
from leadline.legal.models import LegalMatter
from leadline.legal.selectors import matters_visible_to
from leadline.sites.selectors import site_get


class ChargeOut(serializers.Serializer):
    statute = serializers.CharField()
    degree = serializers.CharField()
    description = serializers.CharField()


class NoticeOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["do_not_file", "expungement", "return"])
    reference = serializers.CharField()
    generated_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)


class MatterOut(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    incident_at = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=LegalMatter.Mode.values)
    state = serializers.ChoiceField(choices=LegalMatter.State.values)
    last_day = serializers.DateField(help_text="The last local date of the window, extensions included.")
    charges = ChargeOut(many=True)
    notices = NoticeOut(many=True)


def matter_data(m: LegalMatter, tz: str) -> dict[str, Any]:
    p = m.participant
    assert p is not None  # matters_visible_to never returns a purged matter
    return {
        "id": m.pk, "participant_id": p.pk, "given_name": p.given_name, "family_name": p.family_name,
        "date_of_birth": p.date_of_birth, "incident_at": m.incident_at, "mode": m.mode, "state": m.state,
        "last_day": legal_clock.last_day(m.incident_at, m.days, tz),
        "charges": [
            {"statute": c.statute, "degree": c.degree, "description": c.description} for c in m.charges.all()
        ],
        "notices": [
            {"id": n.pk, "kind": n.kind, "reference": n.reference, "generated_at": n.generated_at,
             "confirmed_at": n.confirmed_at, "withdrawn_at": n.withdrawn_at}
            for n in m.notices.all()
        ],
    }  # fmt: skip


def _matters(request: AuthedApiRequest) -> Any:
    if not policy.can(request.user, "legal_matter.view"):
        raise PermissionDenied
    return (
        matters_visible_to(request.user)
        .select_related("participant")
        .prefetch_related("charges", "notices")
        .defer("notices__pdf")
        .order_by("deadline_at", "pk")
    )


def _tz() -> str:
    site = site_get()
    return site.time_zone if site else "UTC"


class LegalMatterListApi(LeadlineApi):
    pagination_class = Pages

    @extend_schema(
        responses={200: MatterOut(many=True), **errors(403, 404)}, operation_id="legal_matters_list"
    )
    def get(self, request: AuthedApiRequest) -> Response:
        paginator = self.pagination_class()
        page: list[LegalMatter] = paginator.paginate_queryset(_matters(request), request, view=self) or []
        shown = sorted({m.participant_id for m in page if m.participant_id})
        audit_record_reads(
            actor=request.user,
            action=AuditEvent.Action.LIST,
            subject_type="legal_matter",
            participant_ids=shown,
        )
        tz = _tz()
        return paginator.get_paginated_response([matter_data(m, tz) for m in page])


class LegalMatterDetailApi(LeadlineApi):
    @extend_schema(
        parameters=[record_id("matter_id")],
        responses={200: MatterOut, **errors(403, 404)},
        operation_id="legal_matters_retrieve",
    )
    def get(self, request: AuthedApiRequest, matter_id: int) -> Response:
        matter = _matters(request).filter(pk=matter_id).first()
        if matter is None:
            raise NotFound
        audit_record_reads(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="legal_matter",
                           participant_ids=[matter.participant_id])  # fmt: skip
        return Response(matter_data(matter, _tz()))
