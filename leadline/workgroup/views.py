"""The operational workgroup's pages (issue #8, item 1): meetings and their agendas (each member reading
each item through their role and the participant's consents), minutes, decisions and action items, the
members by agency, and each member's private iCalendar feed."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_subjects
from leadline.core import clock, refusals
from leadline.participants.services import StaleEdit
from leadline.workgroup import agenda, services
from leadline.workgroup import policy as wg
from leadline.workgroup.calendar import meetings_ics
from leadline.workgroup.forms import DecisionForm, DoneForm, MeetingForm, MemberForm, MinutesForm, site_aware
from leadline.workgroup.models import ActionItem, AgendaItem, Meeting, Member

STALE = _("Someone else changed this while you were working. Read it again and make your change once more.")


def _meeting_or_404(request: AuthedRequest, meeting_id: int, *, edit: bool = False) -> Meeting:
    if not wg.sees_meetings(request.user) or (edit and not wg.keeps_the_record(request.user)):
        raise Http404
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


@capability_required("workgroup.view")
@require_GET
@never_cache
def index(request: AuthedRequest) -> HttpResponse:
    member = wg.member_of(request.user)
    sees = wg.sees_meetings(request.user)
    now = clock.now()
    meetings = Meeting.objects.all() if sees else Meeting.objects.none()
    user: Any = request.user
    mine = ActionItem.objects.filter(owner=user, done_at__isnull=True).count()
    audit_record(actor=request.user, action=AuditEvent.Action.LIST, subject_type="workgroup_meeting")
    return render(
        request,
        "workgroup/index.html",
        {
            "member": member,
            "sees": sees,
            "may_edit": wg.keeps_the_record(request.user),
            "upcoming": list(meetings.filter(ends_at__gte=now).order_by("starts_at")[:10]),
            "past": list(meetings.filter(ends_at__lt=now).order_by("-starts_at")[:10]),
            "open_actions": mine,
            "may_pack": policy.can(request.user, "policy_pack.view"),
        },
    )


@capability_required("workgroup.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def meeting_new(request: AuthedRequest) -> HttpResponse:
    if not wg.keeps_the_record(request.user):
        raise Http404
    form = MeetingForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_schedule(
                    actor=request.user,
                    starts_at=site_aware(data["starts_at"]),
                    ends_at=site_aware(data["ends_at"]),
                    place=data["place"],
                    idempotency_key=data["idempotency_key"] or uuid.uuid4().hex,
                )
            except refusals.Refused as exc:
                refusals.on_form(form, exc)
            else:
                return redirect("workgroup:meeting", meeting_id=meeting.pk)
        return render(request, "workgroup/meeting_form.html", {"form": form, "meeting": None}, status=400)
    return render(request, "workgroup/meeting_form.html", {"form": form, "meeting": None})


@capability_required("workgroup.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def meeting_edit(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id, edit=True)
    if request.method == "GET":
        form = MeetingForm(
            initial={
                "starts_at": timezone.localtime(meeting.starts_at),
                "ends_at": timezone.localtime(meeting.ends_at),
                "place": meeting.place,
                "status": meeting.status,
                "version": meeting.version,
            }
        )
        return render(request, "workgroup/meeting_form.html", {"form": form, "meeting": meeting})
    form = MeetingForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                actor=request.user,
                meeting_id=meeting.pk,
                version=data["version"] or 0,
                starts_at=site_aware(data["starts_at"]),
                ends_at=site_aware(data["ends_at"]),
                place=data["place"],
                status=data["status"] or meeting.status,
            )
        except StaleEdit:
            form.add_error(None, STALE)
            status = 409
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status
        else:
            return redirect("workgroup:meeting", meeting_id=meeting.pk)
    return render(request, "workgroup/meeting_form.html", {"form": form, "meeting": meeting}, status=status)


def _meeting_page(
    request: AuthedRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    decision_form: Any = None,
    minutes_form: Any = None,
) -> HttpResponse:
    view = agenda.item_views(request.user, meeting)
    may_edit = wg.keeps_the_record(request.user)
    labels = {
        v.item.pk: f"{n}. {v.title}{' · ' + v.who if v.who else ''}" for n, v in enumerate(view.items, 1)
    }
    user: Any = request.user
    recorded = list(meeting.decisions.select_related("item__participant"))
    decisions = [d for d in recorded if wg.reads_decision(user, d, keeps_record=may_edit)]
    decisions_hidden = len(recorded) - len(decisions)
    actions = [
        (a, wg.action_access(user, a)) for a in meeting.actions.select_related("owner", "item__participant")
        if wg.reads_action(user, a, keeps_record=may_edit)
    ]  # fmt: skip
    if may_edit and decision_form is None:
        decision_form = DecisionForm(
            meeting=meeting, labels=labels, initial={"idempotency_key": uuid.uuid4().hex}
        )
    if may_edit and minutes_form is None:
        minutes_form = MinutesForm(initial={"minutes": meeting.minutes, "version": meeting.version})
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        subject_type="workgroup_meeting",
        subject_id=meeting.pk,
    )

    audit_record_subjects(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        subject_type="workgroup_agenda_item",
        subjects=[(v.item.pk, v.item.participant_id) for v in view.items if v.who],
    )
    return render(
        request,
        "workgroup/meeting.html",
        {
            "meeting": meeting,
            "view": view,
            "may_edit": may_edit,
            "labels": labels,
            "decisions": decisions,
            "decisions_hidden": decisions_hidden,
            "actions": actions,
            "decision_form": decision_form,
            "minutes_form": minutes_form,
            "done_form": DoneForm(),
            "today": clock.today(),
        },
        status=status,
    )


@capability_required("workgroup.view")
@require_GET
@never_cache
def meeting(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    return _meeting_page(request, _meeting_or_404(request, meeting_id))


@capability_required("workgroup.edit")
@require_POST
def agenda_build(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id, edit=True)
    added = agenda.agenda_build(actor=request.user, meeting=meeting)
    messages.success(request, _("%(n)s new item(s) on the agenda.") % {"n": added})
    return redirect("workgroup:meeting", meeting_id=meeting.pk)


@capability_required("workgroup.edit")
@require_POST
def item_discussed(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = AgendaItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404
    _meeting_or_404(request, item.meeting_id, edit=True)
    services.item_discussed(
        actor=request.user, item_id=item.pk, discussed=request.POST.get("discussed") == "1"
    )
    return redirect(f"{_url(item.meeting_id)}#item-{item.pk}")


def _url(meeting_id: int) -> str:
    from django.urls import reverse

    return reverse("workgroup:meeting", args=[meeting_id])


@capability_required("workgroup.edit")
@require_POST
def minutes(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id, edit=True)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_update(
                actor=request.user,
                meeting_id=meeting.pk,
                version=form.cleaned_data["version"],
                minutes=form.cleaned_data["minutes"],
            )
        except StaleEdit:
            form.add_error(None, STALE)
            return _meeting_page(request, meeting, status=409, minutes_form=form)
        messages.success(request, _("Minutes saved."))
        return redirect("workgroup:meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, status=400, minutes_form=form)


@capability_required("workgroup.edit")
@require_POST
def decision(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id, edit=True)
    view = agenda.item_views(request.user, meeting)
    labels = {v.item.pk: v.title for v in view.items}
    form = DecisionForm(request.POST, meeting=meeting, labels=labels)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_record(
                actor=request.user,
                meeting=meeting,
                text=data["text"],
                idempotency_key=data["idempotency_key"],
                item=data.get("item"),
                action_text=data.get("action_text") or "",
                owner=data.get("owner"),
                due_on=data.get("due_on"),
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("workgroup:meeting", meeting_id=meeting.pk)
    return _meeting_page(request, meeting, status=400, decision_form=form)


@capability_required("workgroup.view")
@require_GET
@never_cache
def actions(request: AuthedRequest) -> HttpResponse:
    everyone = wg.runs_the_group(request.user)
    rows = ActionItem.objects.select_related("owner", "meeting").order_by("done_at", "due_on", "id")
    if not everyone:
        user: Any = request.user
        rows = rows.filter(owner=user)
    audit_record(actor=request.user, action=AuditEvent.Action.LIST, subject_type="workgroup_action")
    return render(
        request,
        "workgroup/actions.html",
        {
            "open": [(a, wg.action_access(request.user, a)) for a in rows if a.done_at is None],
            "done": [a for a in rows if a.done_at][:30],
            "everyone": everyone,
            "today": clock.today(),
            "done_form": DoneForm(),
        },
    )


@capability_required("workgroup.view")
@require_POST
def action_done(request: AuthedRequest, action_id: int) -> HttpResponse:
    action = ActionItem.objects.filter(pk=action_id).first()
    if action is None or not wg.action_access(request.user, action).may_close:
        raise Http404
    form = DoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Send the form again from the page."))
    else:
        try:
            services.action_done(
                actor=request.user,
                action_id=action.pk,
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except StaleEdit:
            messages.error(request, STALE)
        else:
            messages.success(request, _("Marked done."))
    if request.POST.get("from_meeting"):
        return redirect("workgroup:meeting", meeting_id=action.meeting_id)
    return redirect("workgroup:actions")


@capability_required("workgroup.view")
@require_http_methods(["GET", "POST"])
@never_cache
def members(request: AuthedRequest) -> HttpResponse:
    manages = wg.runs_the_group(request.user)
    if not wg.sees_meetings(request.user):
        raise Http404
    form = MemberForm(request.POST or None) if manages else None
    status = 200
    if request.method == "POST":
        if not manages:
            raise Http404
        if "remove" in request.POST:
            raw = request.POST["remove"]
            gone = (
                raw.isascii()
                and raw.isdigit()
                and services.member_remove(actor=request.user, user_id=int(raw[:12]))
            )
            if not gone:
                raise Http404
            return redirect("workgroup:members")
        status = 400
        if form is not None and form.is_valid():
            try:
                services.member_add(actor=request.user, user=form.cleaned_data["user"])
            except refusals.Refused as exc:
                refusals.on_form(form, exc)
            else:
                return redirect("workgroup:members")
    rows = (
        Member.objects.filter(active=True)
        .select_related("user__agency")
        .order_by("user__agency__name", "user__last_name")
    )
    by_agency: dict[str, list[Member]] = {}
    for m in rows:
        by_agency.setdefault(getattr(m.user.agency, "name", "") or _("No agency"), []).append(m)
    return render(
        request,
        "workgroup/members.html",
        {"by_agency": by_agency, "form": form, "manages": manages},
        status=status,
    )


@capability_required("workgroup.view")
@require_http_methods(["GET", "POST"])
@never_cache
def calendar(request: AuthedRequest) -> HttpResponse:
    """My private feed address, to add the meetings to my calendar app; renewing ends the old one."""
    member = wg.member_of(request.user)
    if member is None:
        raise Http404
    if request.method == "POST":
        services.calendar_renew(actor=request.user, member=member)
        messages.success(request, _("A new address: the old one no longer works."))
        return redirect("workgroup:calendar")
    from django.conf import settings
    from django.urls import reverse

    url = settings.LEADLINE_PUBLIC_URL + reverse("workgroup:feed", args=[member.calendar_token])
    return render(request, "workgroup/calendar.html", {"feed_url": url})


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The meetings as iCalendar (RFC 5545) for a member's calendar app: times, place and a link —
    nothing about any participant. The address is the credential; it dies with membership."""

    member = Member.objects.filter(calendar_token=token, active=True, user__is_active=True).first()
    if member is None or not policy.can(member.user, "workgroup.view"):
        raise Http404
    response = HttpResponse(meetings_ics(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="lead-workgroup.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
