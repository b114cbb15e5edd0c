"""The audit reports (everything done to one participant, everything one user did, every law-enforcement
access in a period; page and CSV) and the break-glass page. Thin: the reads are oversight.selectors, the
break-glass decisions participants.breakglass."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.accounts.roles import ROLE_LABELS, Role
from leadline.audit.forms import PeriodForm
from leadline.audit.models import AuditEvent
from leadline.core.clock import zone_name
from leadline.core.csvsafe import csv_cell
from leadline.oversight import selectors
from leadline.oversight.forms import BreakGlassForm, CandidateSearchForm, FindForm
from leadline.participants import breakglass
from leadline.sites.selectors import site_get

MINUS = "\u2212"  # a true minus sign in the offset a person reads
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9999, 12, 30)
# A spreadsheet for people: headers in the reader's language; the values (ISO times, usernames, codes, ids)
# are machine values, the same in every language (decision 0040).
CSV_COLUMNS: list[tuple[str, Promise]] = [
    ("occurred_at", gettext_lazy("When (ISO, site time)")),
    ("actor_username", gettext_lazy("Username")),
    ("actor_role", gettext_lazy("Role")),
    ("actor_agency", gettext_lazy("Agency")),
    ("action", gettext_lazy("Action")),
    ("subject_type", gettext_lazy("Record kind")),
    ("subject_id", gettext_lazy("Record id")),
    ("participant_id", gettext_lazy("Participant id")),
    ("reason", gettext_lazy("Reason")),
    ("client_ip", gettext_lazy("IP address")),
    ("via", gettext_lazy("Via")),
    ("path", gettext_lazy("Page or endpoint")),
]


def _events_page(
    request: HttpRequest, events: QuerySet[AuditEvent], title: str, **extra: object
) -> HttpResponse:
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        writer = csv.writer(response)
        writer.writerow([str(label) for _key, label in CSV_COLUMNS])
        tz = ZoneInfo(zone_name())
        for e in events.iterator():
            writer.writerow(
                [
                    _iso(e.occurred_at, tz) if c == "occurred_at" else csv_cell(getattr(e, c))
                    for c, _label in CSV_COLUMNS
                ]
            )
        return response
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    zone = zone_name()
    tz = ZoneInfo(zone)
    for e in page.object_list:
        e.at_iso = _iso(e.occurred_at, tz)  # type: ignore[attr-defined]
        e.at_local = _readable(e.occurred_at, tz)  # type: ignore[attr-defined]
        e.actor_role_label = _role_label(e.actor_role)  # type: ignore[attr-defined]
    return render(request, "oversight/events.html", {"page": page, "title": title, "zone": zone, **extra})


def _role_label(role: str) -> str:
    """The role's name as people read it; "" for a role the table no longer has (the row keeps its text)."""
    return str(ROLE_LABELS[Role(role)]) if role in Role._value2member_map_ else ""


def _iso(moment: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 in the site's zone, with its offset: 2026-12-07T12:52:30-05:00 (the CSV, <time datetime>)."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def _readable(moment: datetime, tz: ZoneInfo) -> str:
    """What a person reads: 2026-12-07 12:52 −05:00 (the offset with a true minus sign)."""
    local = moment.astimezone(tz)
    offset = local.strftime("%z")  # e.g. -0500
    sign = MINUS if offset[0] == "-" else "+"
    return f"{local:%Y-%m-%d %H:%M} {sign}{offset[1:3]}:{offset[3:5]}"


@capability_required("audit_report.view")
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    """The reports; ?participant=N or ?user=N opens that trail (the numbers are on the record's page)."""
    asked = "participant" in request.GET or "user" in request.GET
    find = FindForm(request.GET if asked else None)
    if find.is_bound:
        if find.is_valid() and find.cleaned_data.get("participant"):
            return redirect("audit:participant", participant_id=find.cleaned_data["participant"])
        if find.is_valid() and find.cleaned_data.get("user"):
            return redirect("audit:user", user_id=find.cleaned_data["user"])
        if find.is_valid():
            find.add_error(None, _("Give a participant number or a user number."))
        status = 400
    else:
        status = 200
    context = {"period_form": PeriodForm(), "find_form": find}
    return render(request, "oversight/index.html", context, status=status)


@capability_required("audit_report.view")
@require_GET
def participant_report(request: AuthedRequest, participant_id: int) -> HttpResponse:
    if participant_id >= 2**63:  # no such id; SQLite cannot even compare it (a 500 before)
        raise Http404
    events = selectors.audit_events_for_participant(user=request.user, participant_id=participant_id)
    return _events_page(request, events, _("Everything done to participant #%(id)s") % {"id": participant_id})


@capability_required("audit_report.view")
@require_GET
def user_report(request: AuthedRequest, user_id: int) -> HttpResponse:
    events = selectors.audit_events_by_user(user=request.user, actor_id=user_id)
    return _events_page(request, events, _("Everything user #%(id)s did") % {"id": user_id})


@capability_required("audit_report.view")
@require_GET
def law_enforcement_report(request: AuthedRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    if form.is_valid():
        # The period becomes moments in the site's zone and the day after the end: dates at the very ends
        # of the calendar cannot (9999-12-31 has no day after it) — the form's error, not a 500.
        for name in ("start", "end"):
            if not FIRST_DAY <= form.cleaned_data[name] <= LAST_DAY:
                form.add_error(
                    name, _("A date from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}
                )
    if not form.is_valid():
        return render(
            request, "oversight/index.html", {"period_form": form}, status=400 if request.GET else 200
        )
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


def _chosen_initial(participant: str, reason: str = "") -> dict:
    """The access form pre-filled by a choice: a number the database can hold, the reason as written."""
    initial: dict = {"reason": reason[:2000]} if reason else {}
    if participant.isdigit() and len(participant) <= 12:
        initial["participant_id"] = int(participant)
    return initial


@never_cache  # names and dates of birth, a written reason: no browser or proxy keeps a copy
@capability_required("break_glass.edit")
@require_http_methods(["GET", "POST"])
def break_glass(request: AuthedRequest) -> HttpResponse:
    """The break-glass page. A POST is one of three things (``action``): a search for the participant
    (with the written reason, audited; decision 0033), a choice among the results (pre-fills the access
    form with the participant and the same reason, opens nothing), or the opening of access."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    search_form = CandidateSearchForm(request.POST if action == "search" else None, prefix="search")
    candidates = None
    bad = False
    if action == "search":
        form = BreakGlassForm()
        if search_form.is_valid():
            found = search_form.cleaned_data
            candidates = breakglass.break_glass_candidates(
                user=request.user,
                family_name=found["family_name"],
                given_name=found["given_name"],
                date_of_birth=found["date_of_birth"],
            )
            breakglass.break_glass_search_record(
                actor=request.user, participant_ids=[p.pk for p in candidates], reason=found["reason"]
            )
            form = BreakGlassForm(initial={"reason": found["reason"]})
        else:
            bad = True
    elif action == "choose":
        form = BreakGlassForm(
            initial=_chosen_initial(request.POST.get("participant_id", ""), request.POST.get("reason", ""))
        )
    elif request.method == "POST":
        form = BreakGlassForm(request.POST)
        bad = True  # a refused opening; a granted one redirects below
        if form.is_valid():
            try:
                grant = breakglass.break_glass_open(actor=request.user, **form.cleaned_data)
            except breakglass.BreakGlassRefused as exc:
                form.add_error(None, exc.message)  # above the form, whichever field it names
            else:
                messages.warning(
                    request,
                    _("Break-glass access is open until %(t)s. Everything you open is audited.")
                    % {"t": _readable(grant.expires_at, ZoneInfo(zone_name()))},
                )
                return redirect("participants:detail", participant_id=grant.participant_id)
    else:
        form = BreakGlassForm(initial=_chosen_initial(request.GET.get("participant", "")))
    grants = list(breakglass.break_glass_list_for(user=request.user)[:50])
    tz = ZoneInfo(zone_name())
    for g in grants:
        g.opened_local = _readable(g.opened_at, tz)  # type: ignore[attr-defined]
        g.expires_local = _readable(g.expires_at, tz)  # type: ignore[attr-defined]
    return render(
        request,
        "oversight/break_glass.html",
        {"form": form, "grants": grants, "search_form": search_form, "candidates": candidates},
        status=400 if bad else 200,
    )
