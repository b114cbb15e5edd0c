"""Legal matters: the liaison prosecutor's workspace (and a defender's, for their clients), a matter's
page with its clock and notices, confirming a notice, extending the window, the notice PDF, and the
sealing report for the program."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_reads
from leadline.consents.summaries import candidates_for
from leadline.core import clock, refusals
from leadline.core.csvsafe import csv_cell
from leadline.core.imports import import_job_create, import_jobs_recent_for
from leadline.core.uploads import upload_limit, upload_refused
from leadline.legal import clock as legal_clock
from leadline.legal import records, selectors, services
from leadline.legal.forms import DecisionForm, DefenderForm, ExtendForm, ImportForm, RecordForm, RemindersForm
from leadline.legal.models import LegalMatter, NewCharge, Notice
from leadline.legal.tasks import records_import_run
from leadline.participants.models import Participant
from leadline.participants.policy import participant_access
from leadline.participants.selectors import participant_get_for
from leadline.participants.services import StaleEdit, participant_set_court_reminders
from leadline.sites.selectors import site_get


@capability_required("legal_matter.view")
@require_GET
@never_cache
def workspace(request: AuthedRequest) -> HttpResponse:
    context = selectors.workspace_for(request.user, request.GET.get("page"))
    context["may_import"] = policy.can(request.user, "legal_matter.edit")
    shown = {m.participant_id for m, _c in context["holds"]} | {
        m.participant_id for m, _n in context["awaiting"]
    }
    audit_record_reads(actor=request.user, action=AuditEvent.Action.LIST, subject_type="legal_matter",
                       participant_ids=sorted(shown))  # fmt: skip
    # Someone listed only under a consent naming the office is a disclosure under it (with its notice).
    listed = [r.participant_id for key in ("new_charges", "court_dates", "warrants") for r in context[key]]
    context["notice"] = selectors.record_consent_reach(user=request.user, participant_ids=listed)
    return render(request, "legal/workspace.html", context)


# A spreadsheet for people: headers in the reader's language; every date (ISO), number and code in it a
# machine value, the same in every language (decision 0040).
CSV_COLUMNS = [
    gettext_lazy("Matter"), gettext_lazy("Given name"), gettext_lazy("Family name"),
    gettext_lazy("Date of birth"), gettext_lazy("Charges"), gettext_lazy("Incident date"),
    gettext_lazy("Rule"), gettext_lazy("Window (days)"), gettext_lazy("Last day"), gettext_lazy("Days left"),
    gettext_lazy("State"), gettext_lazy("Defender"),
]  # fmt: skip


@capability_required("legal_matter.view")
@require_GET
@never_cache
def holds_csv(request: AuthedRequest) -> HttpResponse:
    """The open matters this user may read, as a spreadsheet: never a sealed one for a criminal-justice
    role (the same selector as every page), every row's participant audited as exported."""
    import csv

    site = site_get()
    tz = site.time_zone if site else "UTC"
    matters = list(
        selectors.matters_visible_to(request.user)
        .exclude(state__in=(LegalMatter.State.CLEARED, LegalMatter.State.RETURNED))
        .select_related("participant", "defender").prefetch_related("charges").order_by("deadline_at", "pk")
    )  # fmt: skip
    shown = sorted({m.participant_id for m in matters if m.participant_id})
    audit_record_reads(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        subject_type="legal_matter",
        participant_ids=shown,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="legal-holds.csv"'
    writer = csv.writer(response)
    writer.writerow([str(label) for label in CSV_COLUMNS])
    for m in matters:
        p = m.participant
        assert p is not None
        last = legal_clock.last_day(m.incident_at, m.days, tz)
        row = [
            m.pk, p.given_name, p.family_name, p.date_of_birth, "; ".join(c.statute for c in m.charges.all()),
            legal_clock.local_date(m.incident_at, tz), m.mode, m.days, last,
            legal_clock.days_left(m.incident_at, m.days, clock.now(), tz), m.state,
            m.defender.get_full_name() if m.defender else "",
        ]  # fmt: skip
        writer.writerow([csv_cell(v) for v in row])
    return response


def _matter_or_404(request: AuthedRequest, matter_id: int) -> LegalMatter:
    try:
        return selectors.matter_get_for(user=request.user, matter_id=matter_id)
    except LegalMatter.DoesNotExist:
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="legal_matter",
                     subject_id=matter_id)  # fmt: skip
        raise Http404 from None


def _defender_form(matter: LegalMatter) -> DefenderForm:
    return DefenderForm(initial={"defender": matter.defender_id, "version": matter.version})


def _detail(request: AuthedRequest, matter: LegalMatter, *, form: ExtendForm | None = None, status: int = 200,
            error: str = "", defender_form: DefenderForm | None = None) -> HttpResponse:  # fmt: skip
    site = site_get()
    tz = site.time_zone if site else "UTC"
    clock_ = selectors.countdown(matter, warning_days=site.legal_warning_days if site else 7, tz=tz)
    may_edit = policy.can(request.user, "legal_matter.edit")
    may_extend = may_edit and matter.state in (LegalMatter.State.HELD, LegalMatter.State.RETURN_SENT)
    return render(
        request,
        "legal/detail.html",
        {
            "m": matter, "clock": clock_, "notices": selectors.notices_of(matter), "may_edit": may_edit,
            "may_extend": may_extend, "error": error,
            "form": form or ExtendForm(initial={"version": matter.version}),
            "defender_form": defender_form or (_defender_form(matter) if may_edit else None),
            "is_cj": selectors.is_criminal_justice(request.user),
            "requirement": selectors.rule_so_far_for(user=request.user, matter=matter),
        },
        status=status,
    )  # fmt: skip


@capability_required("legal_matter.view")
@require_GET
@never_cache
def matter_detail(request: AuthedRequest, matter_id: int) -> HttpResponse:
    matter = _matter_or_404(request, matter_id)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="legal_matter",
                 subject_id=matter.pk, participant_id=matter.participant_id)  # fmt: skip
    return _detail(request, matter)


@capability_required("legal_matter.edit")
@require_POST
def matter_extend(request: AuthedRequest, matter_id: int) -> HttpResponse:
    matter = _matter_or_404(request, matter_id)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        return _detail(request, matter, form=form, status=400)
    try:
        services.matter_extend(
            actor=request.user, matter_id=matter.pk, days=form.cleaned_data["days"],
            reason=form.cleaned_data["reason"], version=form.cleaned_data["version"],
        )  # fmt: skip
    except StaleEdit:
        fresh = _matter_or_404(request, matter_id)
        form.add_error(
            None, _("Someone else changed this matter while you were working. Read it again below.")
        )
        return _detail(request, fresh, form=form, status=409)
    except refusals.Refused as exc:
        refusals.on_form(form, exc)
        return _detail(request, matter, form=form, status=exc.status)
    return redirect("legal:detail", matter_id=matter.pk)


@capability_required("legal_matter.edit")
@require_POST
def matter_defender(request: AuthedRequest, matter_id: int) -> HttpResponse:
    matter = _matter_or_404(request, matter_id)
    form = DefenderForm(request.POST)
    if not form.is_valid():
        return _detail(request, matter, status=400, defender_form=form)
    try:
        services.matter_set_defender(
            actor=request.user, matter_id=matter.pk, defender=form.cleaned_data["defender"],
            version=form.cleaned_data["version"],
        )  # fmt: skip
    except StaleEdit:
        form.add_error(
            None, _("Someone else changed this matter while you were working. Read it again below.")
        )
        return _detail(request, _matter_or_404(request, matter_id), status=409, defender_form=form)
    except refusals.Refused as exc:
        refusals.on_form(form, exc)
        return _detail(request, matter, status=exc.status, defender_form=form)
    return redirect("legal:detail", matter_id=matter.pk)


def _notice_or_404(request: AuthedRequest, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id).defer("pdf").first()
    if notice is None or not selectors.matters_visible_to(request.user).filter(pk=notice.matter_id).exists():
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="legal_notice",
                     subject_id=notice_id)  # fmt: skip
        raise Http404
    return notice


@capability_required("legal_matter.edit")
@require_POST
def notice_confirm(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = _notice_or_404(request, notice_id)
    try:
        services.notice_confirm(actor=request.user, notice_id=notice.pk)
    except refusals.Refused as exc:
        matter = _matter_or_404(request, notice.matter_id)
        return _detail(request, matter, status=exc.status, error=exc.message)
    if selectors.matters_visible_to(request.user).filter(pk=notice.matter_id).exists():
        return redirect("legal:detail", matter_id=notice.matter_id)
    return redirect("legal:workspace")  # sealed: gone from a criminal-justice role's view


@capability_required("legal_matter.view")
@require_GET
@never_cache
def notice_pdf(request: AuthedRequest, notice_id: int) -> HttpResponse:
    notice = _notice_or_404(request, notice_id)
    data = Notice.objects.filter(pk=notice.pk).values_list("pdf", flat=True).first()
    if not data:
        raise Http404  # purged after sealing
    matter_participant = LegalMatter.objects.filter(pk=notice.matter_id).values_list(
        "participant_id", flat=True
    )
    audit_record(actor=request.user, action=AuditEvent.Action.EXPORT, subject_type="legal_notice",
                 subject_id=notice.pk, participant_id=matter_participant.first())  # fmt: skip
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notice.reference}.pdf"'
    response["Content-Security-Policy"] = "sandbox"
    return response


@capability_required("sealing_report.view")
@require_GET
@never_cache
def sealing_report(request: AuthedRequest) -> HttpResponse:
    rows = selectors.sealing_report()
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="sealing_report")
    return render(request, "legal/sealing.html", {"rows": rows})


def _person_or_404(request: AuthedRequest, participant_id: int) -> dict[str, Any]:
    try:
        return selectors.person_records(user=request.user, participant_id=participant_id)
    except Participant.DoesNotExist:
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="legal_person",
                     subject_id=participant_id)  # fmt: skip
        raise Http404 from None


def _person(request: AuthedRequest, participant_id: int, *, status: int = 200, **extra: Any) -> HttpResponse:
    ctx = _person_or_404(request, participant_id)
    person = ctx["person"]
    ctx["notice"] = selectors.record_consent_reach(user=request.user, participant_ids=[person.pk])
    may_edit = policy.can(request.user, "legal_matter.edit")
    ctx.update(
        may_edit=may_edit,
        is_cj=selectors.is_criminal_justice(
            request.user
        ),  # the texts to the participant are program business
        kinds=records.KINDS,
        forms={kind: RecordForm(kind=kind, auto_id=f"id_{kind}_%s") for kind in records.KINDS}
        if may_edit
        else {},
        decision_forms={
            c.pk: DecisionForm(initial={"version": c.version}, auto_id=f"id_c{c.pk}_%s")
            for c in ctx["new_charges"]
            if c.decision == NewCharge.Decision.PENDING
        }
        if may_edit
        else {},
        # A progress summary only under a consent in force naming this recipient (42 CFR 2.35).
        summary_open=policy.can(request.user, "progress_summary.view")
        and candidates_for(request.user).filter(pk=person.pk).exists(),
        reminders_form=RemindersForm(
            initial={"court_reminders": person.court_reminders, "version": person.version}
        )
        if policy.can(request.user, "consent.edit")
        and participant_access(request.user, person).has("consent.edit")
        else None,
    )
    for key, value in extra.items():
        if key == "form":
            ctx["forms"][value.kind] = value
        elif key == "decision_form":
            ctx["decision_forms"][value[0]] = value[1]
        else:
            ctx[key] = value
    return render(request, "legal/person.html", ctx, status=status)


@capability_required("legal_matter.view")
@require_GET
@never_cache
def person(request: AuthedRequest, participant_id: int) -> HttpResponse:
    response = _person(request, participant_id)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="legal_person",
                 subject_id=participant_id, participant_id=participant_id)  # fmt: skip
    return response


@capability_required("legal_matter.edit")
@require_POST
def record_add(request: AuthedRequest, participant_id: int, kind: str) -> HttpResponse:
    if kind not in records.KINDS:
        raise Http404
    person = _person_or_404(request, participant_id)["person"]
    form = RecordForm(request.POST, kind=kind, auto_id=f"id_{kind}_%s")
    if form.is_valid():
        try:
            records.record_add(actor=request.user, participant=person, kind=kind, values=form.values())
        except refusals.Refused as exc:
            refusals.on_form(form, exc)  # every field the refusal names
        else:
            return redirect("legal:person", participant_id=participant_id)
    return _person(request, participant_id, status=400, form=form, open_kind=kind)


@capability_required("legal_matter.edit")
@require_POST
def new_charge_decide(request: AuthedRequest, charge_id: int) -> HttpResponse:
    charge = selectors.new_charges_visible_to(request.user).filter(pk=charge_id).first()
    if charge is None:
        raise Http404
    form = DecisionForm(request.POST, auto_id=f"id_c{charge.pk}_%s")
    if form.is_valid():
        try:
            records.new_charge_decide(
                actor=request.user, charge_id=charge.pk, decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"], version=form.cleaned_data["version"],
            )  # fmt: skip
        except StaleEdit:
            form.add_error(
                None, _("Someone else decided this charge while you were working. Read it again below.")
            )
            return _person(request, charge.participant_id, status=409, decision_form=(charge.pk, form))
        except refusals.Refused as exc:
            refusals.on_form(form, exc)
        else:
            return redirect("legal:person", participant_id=charge.participant_id)
    return _person(request, charge.participant_id, status=400, decision_form=(charge.pk, form))


@capability_required("legal_matter.edit")
@upload_limit(records.MAX_IMPORT_BYTES)
@never_cache
def records_import(request: AuthedRequest) -> HttpResponse:
    """The file is kept in a background job (issue #15 item 8): checked and written by the task worker,
    followed on the job's page."""
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if upload_refused(request, "file"):
            form.is_valid()
            form.errors["file"] = form.error_class([_("The file is larger than 2 MB.")])
        elif form.is_valid():
            job = import_job_create(owner=request.user, kind="legal", upload=form.cleaned_data["file"],
                                    enqueue=records_import_run.enqueue)  # fmt: skip
            return redirect("core:import_job", job_id=job.pk)
        status = 400
    jobs = import_jobs_recent_for(user=request.user, kind="legal")
    return render(request, "legal/import.html", {"form": form, "jobs": jobs}, status=status)


@capability_required("consent.edit")
@require_POST
def court_reminders(request: AuthedRequest, participant_id: int) -> HttpResponse:
    """The participant's opt-in to court-date texts, recorded by their case manager (audited)."""

    view = participant_get_for(user=request.user, participant_id=participant_id)
    if not view.access.has("consent.edit"):
        raise Http404
    form = RemindersForm(request.POST)
    if not form.is_valid():
        return _person(request, participant_id, status=400)
    try:
        participant_set_court_reminders(
            actor=request.user, participant=view.participant, on=form.cleaned_data["court_reminders"],
            expected_version=form.cleaned_data["version"],
        )  # fmt: skip
    except StaleEdit:
        stale = _("Someone else changed this record meanwhile. Read it again below.")
        return _person(request, participant_id, status=409, reminders_error=stale)
    except refusals.Refused as exc:
        return _person(request, participant_id, status=exc.status, reminders_error=exc.message)
    return redirect("legal:person", participant_id=participant_id)
