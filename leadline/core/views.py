from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.accounts import policy
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.core import worker
from leadline.core.nav import nav_for
from leadline.participants.selectors import participant_list_for, participant_reads_audit
from leadline.web.day import day_for  # temporary upward import: the home page moves to web (issue #16)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's start page: what they can do here, and for a case manager, their caseload."""
    caseload = None
    day = None
    if policy.can(request.user, "participant_record.view"):
        caseload = list(participant_list_for(user=request.user, caseload_only=True)[:25])
        participant_reads_audit(user=request.user, participants=caseload, action=AuditEvent.Action.LIST)
    if policy.scope_of(request.user, "participant_record.view") is Scope.CASELOAD:
        day = day_for(user=request.user)
        shown = {p.pk: p for p in [*day.needs_contact, *day.intakes_due, *day.monthly_due]}
        shown.update({c.participant.pk: c.participant for c in day.consents_expiring})
        shown.update({i.goal.participant.pk: i.goal.participant for i in day.steps_due})
        shown.update({r.participant.pk: r.participant for r in day.referrals_waiting})
        shown.update({r.participant.pk: r.participant for r in day.accountings_due})
        participant_reads_audit(
            user=request.user, participants=list(shown.values()), action=AuditEvent.Action.LIST
        )
    return render(
        request,
        "core/home.html",
        {"entries": [e for e in nav_for(request.user) if e.key != "home"], "caseload": caseload, "day": day},
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for monitoring: the database answers, a task worker beats, no task is late (decision 0031).
    503 with the problems named when not. Anonymous, and nothing in it is about anyone: counts and ages."""
    try:
        report = worker.health()
    except DatabaseError:
        return JsonResponse({"status": "fail", "problems": ["database_unavailable"]}, status=503)
    return JsonResponse(report, status=503 if report["problems"] else 200)


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for the load balancer: this app server can reach the database, and nothing else (a
    silent worker is no reason to take a web server out of rotation)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "fail", "problems": ["database_unavailable"]}, status=503)
    return JsonResponse({"status": "ok"})
