"""Contacts and outreach: quick entry from a phone on the participant's page, and the outreach list of
people to find (referred and not yet engaged, or gone inactive)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import F, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import capability_required
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.cases import services as case_services
from leadline.participants.forms import ContactForm, MonthlyStatusForm
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access, participants_visible_to
from leadline.participants.selectors import participant_get_for, participant_reads_audit
from leadline.participants.views import _detail_context


@capability_required("contact.edit")
@require_POST
def contact_add(request: HttpRequest, participant_id: int) -> HttpResponse:
    view = participant_get_for(user=request.user, participant_id=participant_id)
    access = view.access
    if not access.has("contact.edit"):
        raise Http404
    form = ContactForm(
        request.POST, place=access.has("contact_locations.edit"), summary=access.has("case_notes.edit")
    )
    if form.is_valid():
        d = form.cleaned_data
        data = case_services.ContactInput(
            kind=d["kind"], reached=d["reached"] == "yes", substantive=d["substantive"],
            occurred_at=d["occurred_at"], place=d.get("place", ""), summary=d.get("summary", ""),
        )  # fmt: skip
        try:
            _c, created = case_services.contact_log(
                actor=request.user, participant=view.participant, data=data,
                idempotency_key=d["idempotency_key"],
            )  # fmt: skip
        except case_services.InvalidCaseInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except case_services.IdempotencyConflict:
            form.add_error(None, _("This form was already used for another contact. Log it again."))
        except case_services.NotAllowed as exc:
            raise Http404 from exc
        else:
            messages.success(
                request, _("Contact logged.") if created else _("This contact was already logged.")
            )
            return redirect("participants:detail", participant_id=participant_id)
    ctx = _detail_context(request, participant_id, contact_form=form)
    return render(request, "participants/detail.html", ctx, status=400)


@capability_required("contact.edit")
@require_GET
def outreach(request: HttpRequest) -> HttpResponse:
    """Who needs finding: referred people not yet engaged and inactive participants, the longest without
    a contact first, with the last known whereabouts for those who may see it."""
    from leadline.legal.models import LegalMatter
    from leadline.legal.selectors import clocks_for_participants

    people_qs = participants_visible_to(request.user).filter(
        status__in=(Participant.Status.REFERRED, Participant.Status.INACTIVE)
    )
    order: list[Any] = [
        F("last_reached_at").asc(nulls_first=True),
        F("last_contact_at").asc(nulls_first=True),
        "created_at",
    ]
    clock_scope = policy.scope_of(request.user, "legal_clock.view")
    if clock_scope is not None:
        # A legal window running comes first, the nearest deadline first: intake must happen before it ends.
        # Only the clocks this reader may see order the list (a caseload scope: her own people), so the
        # position of someone else's participant never tells that they have a legal matter.
        running = Q(legal_matters__state=LegalMatter.State.HELD)
        if clock_scope is Scope.CASELOAD:
            running &= Q(case_manager=request.user)
        people_qs = people_qs.annotate(next_deadline=Min("legal_matters__deadline_at", filter=running))
        order.insert(0, F("next_deadline").asc(nulls_last=True))
    people = list(people_qs.select_related("case_manager").order_by(*order)[:100])
    participant_reads_audit(user=request.user, participants=people, action=AuditEvent.Action.LIST)
    clocks = clocks_for_participants(user=request.user, participant_ids=[p.pk for p in people])
    for p in people:
        p.legal_clock = clocks.get(p.pk, [None])[0]  # type: ignore[attr-defined]
        # Whereabouts per participant, as the participant page and the API decide them (a case manager's
        # scope is her caseload: holding the capability somewhere is not holding it for this person).
        p.show_whereabouts = participant_access(request.user, p).has("whereabouts.view")  # type: ignore[attr-defined]
    return render(request, "participants/outreach.html", {"people": people})


@capability_required("monthly_status.edit")
@require_POST
def monthly_status(request: HttpRequest, participant_id: int) -> HttpResponse:
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
        except case_services.InvalidCaseInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except case_services.StaleEdit:
            # Show the month as it is now (with its current version), and say why nothing was saved.
            conflict = _("Someone else recorded this month while you were editing. Their answers are shown; "
                         "correct them if you need to.")  # fmt: skip
            ctx = _detail_context(request, participant_id, monthly_conflict=conflict)
            return render(request, "participants/detail.html", ctx, status=409)
        else:
            messages.success(
                request, _("Monthly status recorded.") if created else _("Monthly status corrected.")
            )
            return redirect("participants:detail", participant_id=participant_id)
    ctx = _detail_context(request, participant_id, monthly_form=form)
    return render(request, "participants/detail.html", ctx, status=400)
