from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.core.csvsafe import csv_cell
from leadline.participants import services
from leadline.participants.forms import AssignForm, IdentityForm, StatusForm, WhereaboutsForm
from leadline.participants.lookup import find_candidates
from leadline.participants.models import TRANSITIONS
from leadline.participants.pages import next_step_for, parts_context
from leadline.participants.selectors import (
    caseload_sizes,
    participant_get_for,
    participant_list_for,
    participant_reads_audit,
)
from leadline.participants.timeline import parse_before, timeline_page


@capability_required("participant_card.view")
@require_GET
def participant_list(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100].replace("\x00", "")  # PostgreSQL text holds no NUL: a 500 otherwise
    mine = request.GET.get("mine") == "1"
    page = Paginator(participant_list_for(user=request.user, q=q, caseload_only=mine), 25).get_page(
        request.GET.get("page")
    )
    participant_reads_audit(
        user=request.user,
        participants=list(page.object_list),
        action=AuditEvent.Action.SEARCH if q else AuditEvent.Action.LIST,
    )
    return render(
        request,
        "participants/list.html",
        {
            "page": page,
            "q": q,
            "mine": mine,
            "can_create": policy.can(request.user, "participant_record.edit"),
        },
    )


# The page's sections, in the order of its section menu (issue #17, item 4; decision 0039). Each is an
# anchor (``/participants/<id>/#contacts``) other pages may link to; a section is shown only when the reader
# may see something in it (the template decides from what the parts put in the context).
SECTIONS = ("overview", "timeline", "contacts", "notes", "plan", "consents", "legal")

# A form sent back with its errors (an ``extra`` of _detail_context) -> the section it lives in, so the
# page opens there, with the errors at the fields.
FORM_SECTIONS = {
    "identity_form": "overview", "identity_conflict": "overview", "photo_error": "overview",
    "whereabouts_form": "overview", "whereabouts_conflict": "overview", "assign_form": "overview",
    "contact_form": "contacts", "outreach_form": "contacts", "note_form": "notes",
    "monthly_form": "plan", "monthly_conflict": "plan", "status_form_errors": "plan",
    "consent_form": "consents", "revoke_form": "consents",
}  # fmt: skip

SECTION_TAG = "section-"  # a message's extra tag naming the section it is shown in


def back_to_section(
    request: AuthedRequest, participant_id: int, section: str, *notes: tuple[str, str]
) -> HttpResponse:
    """After a save (POST, redirect, GET): back to the same section of the participant's page, with the
    messages shown there. ``notes`` are (level, text) pairs: ("success", _("Contact logged."))."""
    for level, text in notes:
        messages.add_message(
            request, getattr(messages, level.upper()), text, extra_tags=f"{SECTION_TAG}{section}"
        )
    return redirect(reverse("participants:detail", args=[participant_id]) + f"#{section}")


def _page_messages(request: AuthedRequest) -> tuple[list, dict[str, list]]:
    """The messages waiting for this page: those a save addressed to a section, and the rest (shown at the
    top). Reading them here marks them shown."""
    top: list = []
    by_section: dict[str, list] = {}
    for m in messages.get_messages(request):
        section = next(
            (t[len(SECTION_TAG) :] for t in (m.extra_tags or "").split() if t.startswith(SECTION_TAG)), ""
        )
        if section in SECTIONS:
            by_section.setdefault(section, []).append(m)
        else:
            top.append(m)
    return top, by_section


def _detail_context(request: AuthedRequest, participant_id: int, **extra: object) -> dict:
    """The participant's page: participants' own parts here, the other apps' parts from their registered
    page parts (participants.pages), then ``extra`` (a form sent back with its errors) over both."""
    view = participant_get_for(user=request.user, participant_id=participant_id)
    access = view.access
    p = view.participant
    top, by_section = _page_messages(request)
    ctx: dict = {
        "p": p,
        "access": access,
        # The base template's messages are this page's: shown at the top or in the section they name.
        "messages": top,
        "section_messages": by_section,
        "open_section": next((FORM_SECTIONS[k] for k in extra if k in FORM_SECTIONS), ""),
    }
    if access.has("whereabouts.edit"):
        ctx["whereabouts_form"] = WhereaboutsForm(
            initial={"whereabouts": p.last_known_whereabouts, "version": p.version}
        )
    alias_names = (
        list(p.aliases.values_list("name", flat=True)) if access.has("participant_record.view") else []
    )
    if access.has("participant_record.edit"):
        ctx["identity_form"] = IdentityForm(
            initial={
                "given_name": p.given_name, "family_name": p.family_name, "preferred_name": p.preferred_name,
                "date_of_birth": p.date_of_birth, "phone": p.phone, "language": p.language,
                "aliases": "\n".join(alias_names), "version": p.version,
            }
        )  # fmt: skip
    if access.has("participant_record.view"):
        ctx["aliases"] = alias_names
        ctx["status_history"] = list(p.status_changes.select_related("changed_by")[:20])
    if access.has("participant_record.edit") and p.status in TRANSITIONS:
        ctx["status_form"] = StatusForm(current=p.status, initial={"version": p.version})
    if policy.can(request.user, "caseload.edit"):
        ctx["assign_form"] = assign_form(version=p.version)
        if p.merged_into_id is None:
            ctx["merge_candidates"] = [
                c
                for c in find_candidates(
                    given=p.given_name, family=p.family_name, dob=p.date_of_birth, limit=4
                )
                if c.pk != p.pk and c.merged_into_id is None
            ][:3]
    ctx.update(parts_context(request, view))
    ctx["next_step"] = next_step_for(request, view)
    # The timeline is read when its section is first shown (htmx asks participant_timeline), which keeps
    # its dozen queries out of every save's round trip; without JavaScript, its link asks for it here.
    before = parse_before(request.GET.get("before"))
    ctx["timeline"] = None
    if before is not None or request.GET.get("timeline"):
        ctx["timeline"] = timeline_page(request, view, before=before)
        ctx["open_section"] = ctx["open_section"] or "timeline"
    if "status_form_errors" in extra:
        ctx["status_form"] = extra.pop("status_form_errors")
    ctx.update(extra)
    ctx["sections"] = _sections(ctx)
    ctx["section_keys"] = {key for key, _label in ctx["sections"]}
    step = ctx["next_step"]
    # The outreach attempt's form opens first when finding them is the next step, or for outreach staff.
    outreach_step = step is not None and step.kind == "outreach"
    ctx["outreach_first"] = outreach_step or not access.has("case_notes.edit")
    return ctx


def _sections(ctx: dict) -> list[tuple[str, str]]:
    """The sections this reader has something in, in the menu's order, with their names."""
    access = ctx["access"]
    shown = {
        "overview": True,
        "timeline": access.has("contact.view") or access.has("participant_record.view"),
        "contacts": ctx.get("contacts") is not None or bool(ctx.get("contact_form")),
        "notes": ctx.get("notes") is not None,
        "plan": any(ctx.get(k) for k in ("status_form", "status_history", "monthly_form", "monthly"))
        or access.has("case_notes.view"),
        "consents": ctx.get("consents") is not None,
        "legal": bool(ctx.get("legal_clocks"))
        or bool(ctx.get("may_open_matters") and access.has("case_notes.view")),
    }
    labels = {
        "overview": _("Overview"), "timeline": _("Timeline"), "contacts": _("Contacts"), "notes": _("Notes"),
        "plan": _("Plan and status"), "consents": _("Consents"), "legal": _("Legal"),
    }  # fmt: skip
    return [(key, labels[key]) for key in SECTIONS if shown[key]]


def assign_form(data: dict | None = None, **initial: object) -> AssignForm:
    soft, hard = services.caseload_limits()
    return AssignForm(data, sizes=caseload_sizes(), soft=soft, hard=hard, initial=initial or None)


@login_required  # the selector decides, record by record (404), including break-glass
@require_GET
def participant_detail(request: AuthedRequest, participant_id: int) -> HttpResponse:
    return render(request, "participants/detail.html", _detail_context(request, participant_id))


@login_required  # the selector decides (404), as for the page itself
@require_GET
def participant_timeline(request: AuthedRequest, participant_id: int) -> HttpResponse:
    """The timeline, for the page's section when it is first shown (no ``before``: the newest page with its
    "Older" button), and each older page after it (``before``: the entries htmx appends, and the button
    again). Without htmx the page itself serves both (``?timeline=1``, ``?before=``)."""
    view = participant_get_for(user=request.user, participant_id=participant_id, reason="timeline")
    before = parse_before(request.GET.get("before"))
    page = timeline_page(request, view, before=before)
    ctx = {"p": view.participant, "timeline": page, "appended": True}
    if before is None:
        return render(request, "participants/_timeline_block.html", ctx)
    return render(request, "participants/_timeline_more.html", ctx)


@capability_required("whereabouts.edit")
@require_POST
def whereabouts_update(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.has("whereabouts.edit"):
        raise Http404
    form = WhereaboutsForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "participants/detail.html",
            _detail_context(request, participant_id, whereabouts_form=form),
            status=400,
        )
    try:
        services.participant_update_whereabouts(
            actor=request.user,
            participant=view.participant,
            whereabouts=form.cleaned_data["whereabouts"],
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleEdit:
        form.add_error(
            None,
            _(
                "Someone else changed this record while you were editing. "
                "Their version is shown below; make your change again."
            ),
        )
        fresh = _detail_context(request, participant_id)
        fresh["whereabouts_conflict"] = form
        return render(request, "participants/detail.html", fresh, status=409)
    except services.NotAllowed as exc:
        raise Http404 from exc
    return back_to_section(request, participant_id, "overview", ("success", _("Whereabouts updated.")))


@capability_required("participant_export.view")
@require_GET
def participant_export(request: AuthedRequest) -> HttpResponse:
    """CSV of the participants the user may list: identity and status only, never notes or whereabouts."""
    rows = list(participant_list_for(user=request.user))
    participant_reads_audit(user=request.user, participants=rows, action=AuditEvent.Action.EXPORT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="participants.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "given_name", "family_name", "status", "case_manager"])
    for p in rows:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    p.pk,
                    p.given_name,
                    p.family_name,
                    p.status,
                    p.case_manager.get_full_name() if p.case_manager else "",
                )
            ]
        )
    return response
