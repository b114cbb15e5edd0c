"""Contacts and outreach: quick entry from a phone on the participant's page, and the outreach list of
people to find (referred and not yet engaged, or gone inactive)."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.cases import services as case_services
from leadline.cases.forms import MonthlyStatusForm
from leadline.cases.outreach import outreach_parts
from leadline.cases.pages import contact_form_for
from leadline.core import refusals
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access, participants_visible_to
from leadline.participants.selectors import participant_get_for, participant_reads_audit
from leadline.participants.views import _detail_context, back_to_section


@capability_required("contact.edit")
@require_POST
def contact_add(request: AuthedRequest, participant_id: int) -> HttpResponse:
    """The contact form and the outreach attempt's (``form=outreach``) post here; each comes back to its
    place in the contacts section, saved or with its errors at the fields."""
    view = participant_get_for(user=request.user, participant_id=participant_id)
    access = view.access
    if not access.has("contact.edit"):
        raise Http404
    which = "outreach" if request.POST.get("form") == "outreach" else "contact"
    form = contact_form_for(view, which, request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        data = case_services.ContactInput(
            kind=d["kind"], reached=d["reached"] == "yes", substantive=d["substantive"],
            occurred_at=d["occurred_at"], place=d.get("place", ""), summary=d.get("summary", ""),
            update_whereabouts=bool(d.get("update_whereabouts")),
        )  # fmt: skip
        try:
            _c, created = case_services.contact_log(
                actor=request.user, participant=view.participant, data=data,
                idempotency_key=d["idempotency_key"],
            )  # fmt: skip
        except case_services.NotAllowed as exc:
            raise Http404 from exc
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
            status = exc.status  # 409 when the form's key was used for another contact
        else:
            if not created:
                said = _("This contact was already logged.")
            elif which == "outreach":
                said = _("Outreach attempt logged.")
            else:
                said = _("Contact logged.")
            return back_to_section(request, participant_id, "contacts", ("success", said))
    ctx = _detail_context(request, participant_id, **{f"{which}_form": form})
    return render(request, "participants/detail.html", ctx, status=status)


@capability_required("contact.edit")
@require_GET
def outreach(request: AuthedRequest) -> HttpResponse:
    """Who needs finding: referred people not yet engaged and inactive participants, the longest without
    a contact first, with the last known whereabouts for those who may see it."""
    people_qs = participants_visible_to(request.user).filter(
        status__in=(Participant.Status.REFERRED, Participant.Status.INACTIVE)
    )
    order: list[Any] = [
        F("last_reached_at").asc(nulls_first=True),
        F("last_contact_at").asc(nulls_first=True),
        "created_at",
    ]
    parts = outreach_parts()
    first: list[Any] = []
    for part in parts:  # e.g. legal: a running legal window first, the nearest deadline first
        people_qs, terms = part.order(request.user, people_qs)
        first += terms
    people = list(people_qs.select_related("case_manager").order_by(*first, *order)[:100])
    participant_reads_audit(user=request.user, participants=people, action=AuditEvent.Action.LIST)
    for part in parts:
        part.mark(request.user, people)
    for p in people:
        # Whereabouts per participant, as the participant page and the API decide them (a case manager's
        # scope is her caseload: holding the capability somewhere is not holding it for this person).
        p.show_whereabouts = participant_access(request.user, p).has("whereabouts.view")  # type: ignore[attr-defined]
    return render(request, "cases/outreach.html", {"people": people})


@capability_required("monthly_status.edit")
@require_POST
def monthly_status(request: AuthedRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.has("monthly_status.edit"):
        raise Http404
    form = MonthlyStatusForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            _s, created = case_services.monthly_status_record(
                actor=request.user, participant=view.participant, month=d["month"], housing=d["housing"],
                employed=d["employed"], income_or_benefits=d["income_or_benefits"],
                expected_version=d.get("version"),
            )  # fmt: skip
        except case_services.StaleEdit:
            # Show the month as it is now (with its current version), and say why nothing was saved.
            conflict = _("Someone else recorded this month while you were editing. Their answers are shown; "
                         "correct them if you need to.")  # fmt: skip
            ctx = _detail_context(request, participant_id, monthly_conflict=conflict)
            return render(request, "participants/detail.html", ctx, status=409)
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            said = _("Monthly status recorded.") if created else _("Monthly status corrected.")
            return back_to_section(request, participant_id, "plan", ("success", said))
    ctx = _detail_context(request, participant_id, monthly_form=form)
    return render(request, "participants/detail.html", ctx, status=400)
