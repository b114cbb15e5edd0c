from __future__ import annotations

import csv
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from leadline.audit import selectors, services
from leadline.audit.forms import BreakGlassForm, PeriodForm
from leadline.audit.models import AuditEvent
from leadline.core.csvsafe import csv_cell
from leadline.core.decorators import capability_required
from leadline.sites.selectors import site_get

CSV_COLUMNS = [
    "occurred_at",
    "actor_username",
    "actor_role",
    "actor_agency",
    "action",
    "subject_type",
    "subject_id",
    "participant_id",
    "reason",
    "client_ip",
    "via",
    "path",
]


def _events_page(
    request: HttpRequest, events: QuerySet[AuditEvent], title: str, **extra: object
) -> HttpResponse:
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for e in events.iterator():
            writer.writerow([csv_cell(getattr(e, c)) for c in CSV_COLUMNS])
        return response
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/events.html", {"page": page, "title": title, **extra})


@capability_required("audit_report.view")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "audit/index.html", {"period_form": PeriodForm()})


@capability_required("audit_report.view")
@require_GET
def participant_report(request: HttpRequest, participant_id: int) -> HttpResponse:
    events = selectors.audit_events_for_participant(user=request.user, participant_id=participant_id)
    return _events_page(request, events, _("Everything done to participant #%(id)s") % {"id": participant_id})


@capability_required("audit_report.view")
@require_GET
def user_report(request: HttpRequest, user_id: int) -> HttpResponse:
    events = selectors.audit_events_by_user(user=request.user, actor_id=user_id)
    return _events_page(request, events, _("Everything user #%(id)s did") % {"id": user_id})


@capability_required("audit_report.view")
@require_GET
def law_enforcement_report(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    if not form.is_valid():
        return render(request, "audit/index.html", {"period_form": form}, status=400 if request.GET else 200)
    site = site_get()
    tz = ZoneInfo(site.time_zone if site else "UTC")
    start = datetime.combine(form.cleaned_data["start"], time.min, tzinfo=tz)
    end = datetime.combine(form.cleaned_data["end"] + timedelta(days=1), time.min, tzinfo=tz)
    events = selectors.audit_events_law_enforcement(user=request.user, start=start, end=end)
    title = _("Law-enforcement access, %(start)s to %(end)s") % {
        "start": form.cleaned_data["start"],
        "end": form.cleaned_data["end"],
    }
    return _events_page(request, events, title, csv_query=request.GET.urlencode())


@capability_required("break_glass.edit")
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass_open(actor=request.user, **form.cleaned_data)
        except services.BreakGlassRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.warning(
                request,
                _("Break-glass access is open until %(t)s. Everything you open is audited.")
                % {"t": grant.expires_at.strftime("%H:%M UTC")},
            )
            return redirect("participants:detail", participant_id=grant.participant_id)
    grants = selectors.break_glass_list_for(user=request.user)[:50]
    return render(
        request,
        "audit/break_glass.html",
        {"form": form, "grants": grants},
        status=400 if request.method == "POST" else 200,
    )
