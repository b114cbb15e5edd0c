"""Each role's home page (the shell composes it from the apps below: the caseload, the case manager's day)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.participants.selectors import participant_list_for, participant_reads_audit
from leadline.web.day import day_for
from leadline.web.nav import nav_for


@login_required
def home(request: AuthedRequest) -> HttpResponse:
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
        "web/home.html",
        {"entries": [e for e in nav_for(request.user) if e.key != "home"], "caseload": caseload, "day": day},
    )
