"""Message threads' pages (issue #8, item 3): my threads, start one about a participant, read and answer one,
add someone. Thin: the rules are in policy.py, the reads in selectors.py, the writes in services.py."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadline.accounts import policy as access_policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.accounts.models import User
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.consents.policy import Info
from leadline.core import refusals
from leadline.messaging import policy, selectors, services
from leadline.messaging.forms import MemberForm, MessageForm, ThreadForm
from leadline.participants.models import Participant


@capability_required("message.view")
@require_GET
@never_cache
def thread_list(request: AuthedRequest) -> HttpResponse:
    about = request.GET.get("participant", "")
    participant_id = int(about) if about.isdigit() else None
    listing = selectors.thread_list_for(
        user=request.user, page_number=request.GET.get("page"), participant_id=participant_id
    )
    start_for = None
    if participant_id is not None:
        person = Participant.objects.filter(pk=participant_id, merged_into__isnull=True).first()
        start_for = person if person is not None and policy.may_start(request.user, person) else None
    return render(request, "messaging/list.html", {
        "listing": listing, "page": listing.page, "notice": listing.notice, "start_for": start_for,
        "participant_id": participant_id,
    })  # fmt: skip


def _startable(request: AuthedRequest, participant_id: int) -> Participant:
    """The participant, when this user may start a thread about them (never a merged duplicate: start it
    about the survivor); a refusal is audited as one, never as a view."""
    person = Participant.objects.filter(pk=participant_id, merged_into__isnull=True).first()
    if person is None or not policy.may_start(request.user, person):
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="participant",
                     subject_id=participant_id)  # fmt: skip
        raise Http404
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="participant",
                 subject_id=person.pk, participant_id=person.pk, reason="message thread")  # fmt: skip
    return person


def _people(participant: Participant, user: User) -> list[tuple[Any, policy.Standing]]:
    return [(p, s) for p, s in policy.candidates(participant) if p.pk != user.pk]


def _outside_terms(people: list[tuple[Any, policy.Standing]]) -> list[dict[str, Any]]:
    """What each person outside the program may be told, in the consent's words."""
    return [{"user": p, "infos": [Info(i).label for i in s.infos]} for p, s in people if s.outside]


@capability_required("message.edit")
@require_http_methods(["GET", "POST"])
@never_cache
def thread_new(request: AuthedRequest, participant_id: int) -> HttpResponse:
    participant = _startable(request, participant_id)
    people = _people(participant, request.user)
    form = ThreadForm(
        request.POST if request.method == "POST" else None,
        people=people,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread, created = services.thread_start(
                    actor=request.user, participant=participant, subject=data["subject"], body=data["body"],
                    members=data["members"], idempotency_key=data["idempotency_key"],
                )  # fmt: skip
            except refusals.Refused as exc:
                refusals.on_form(form, exc)
                status = exc.status  # 409 when the form's key was used for another message
            else:
                if not created:
                    messages.info(request, _("This thread was already started."))
                return redirect("messaging:thread", thread_id=thread.pk)
    return render(request, "messaging/new.html", {
        "form": form, "participant": participant, "people": people, "outside": _outside_terms(people),
    }, status=status)  # fmt: skip


def _thread_page(request: AuthedRequest, thread_id: int, *, status: int = 200, message_form: Any = None,
                 member_form: Any = None) -> HttpResponse:  # fmt: skip
    view = selectors.thread_get_for(
        user=request.user, thread_id=thread_id, page_number=request.GET.get("page")
    )
    may_write = access_policy.can(request.user, "message.edit")
    if may_write and message_form is None:
        message_form = MessageForm(initial={"idempotency_key": uuid.uuid4().hex})
    ctx: dict[str, Any] = {
        "view": view, "thread": view.thread, "participant": view.participant, "page": view.page,
        "notice": view.notice, "message_form": message_form if may_write else None,
        "outside": [{"user": u, "infos": [Info(i).label for i in s.infos]} for u, s in view.outside_members],
    }  # fmt: skip
    if may_write and not view.outside:
        members = {m.user.pk for m in view.members}
        addable = [(p, s) for p, s in _people(view.participant, request.user) if p.pk not in members]
        ctx["member_form"] = member_form or (MemberForm(people=addable) if addable else None)
    if status == 200:
        services.thread_mark_read(user=request.user, thread=view.thread)
    return render(request, "messaging/thread.html", ctx, status=status)


@capability_required("message.view")
@require_http_methods(["GET", "POST"])
@never_cache
def thread_detail(request: AuthedRequest, thread_id: int) -> HttpResponse:
    if request.method != "POST":
        return _thread_page(request, thread_id)
    if not access_policy.can(request.user, "message.edit"):
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, reason="message.edit")
        raise PermissionDenied
    thread, _readable = selectors.thread_open_for(user=request.user, thread_id=thread_id)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _thread_page(request, thread_id, status=400, message_form=form)
    try:
        message, created = services.message_post(
            actor=request.user, thread=thread, body=form.cleaned_data["body"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )  # fmt: skip
    except services.IdempotencyConflict as exc:
        refusals.on_form(form, exc)
        return _thread_page(request, thread_id, status=exc.status, message_form=form)
    except services.MessagingRefused as exc:  # no longer allowed since the check above: the same 404
        raise Http404 from exc
    if not created:
        messages.info(request, _("This message was already sent."))
    return HttpResponseRedirect(f"{services.thread_url(thread)}#m{message.pk}")


@capability_required("message.edit")
@require_POST
def member_add(request: AuthedRequest, thread_id: int) -> HttpResponse:
    thread, readable = selectors.thread_open_for(user=request.user, thread_id=thread_id)
    if readable.standing.outside:
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="message_thread",
                     subject_id=thread_id, reason="members are added by the program")  # fmt: skip
        raise Http404  # the program decides who takes part
    form = MemberForm(request.POST, people=_people(readable.participant, request.user))
    if form.is_valid():
        try:
            _membership, created = services.member_add(
                actor=request.user, thread=thread, user=form.cleaned_data["member"]
            )
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            name = form.cleaned_data["member"].get_full_name() or form.cleaned_data["member"].username
            messages.success(request, (_("%(name)s takes part from now on.") if created
                                       else _("%(name)s already takes part.")) % {"name": name})  # fmt: skip
            return redirect("messaging:thread", thread_id=thread.pk)
    return _thread_page(request, thread_id, status=400, member_form=form)
