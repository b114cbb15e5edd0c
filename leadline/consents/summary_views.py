"""Progress summaries for recipients outside the program, under each participant's consent: the liaison
prosecutor (42 CFR 2.35), a defender or a service provider (2.31). What each sees is decided per piece
of information by consents.policy; every page shows the 2.32 notice and is logged as a disclosure."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents.summaries import candidates_for, summaries_for


@capability_required("progress_summary.view")
@require_GET
@never_cache
def summary_list(request: AuthedRequest) -> HttpResponse:
    ordered = (
        candidates_for(request.user).order_by("family_name", "given_name", "pk").values_list("pk", flat=True)
    )
    page = Paginator(ordered, 50).get_page(request.GET.get("page"))
    summaries, notice = summaries_for(
        user=request.user, participant_ids=list(page), full=False, channel="page"
    )
    return render(
        request, "consents/summaries.html", {"summaries": summaries, "notice": notice, "page": page}
    )


@capability_required("progress_summary.view")
@require_GET
@never_cache
def summary_detail(request: AuthedRequest, participant_id: int) -> HttpResponse:
    summaries, notice = summaries_for(
        user=request.user, participant_ids=[participant_id], full=True, channel="page"
    )
    if not summaries:
        # No consent in force naming this recipient: the same 404 as a number that does not exist.

        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="progress_summary",
                     subject_id=participant_id)  # fmt: skip
        raise Http404
    return render(request, "consents/summary.html", {"s": summaries[0], "notice": notice})
