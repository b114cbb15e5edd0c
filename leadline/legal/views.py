"""Legal matters: the liaison prosecutor's workspace (and a defender's, for their clients), a matter's
page with its clock and notices, confirming a notice, extending the window, the notice PDF, and the
sealing report for the program."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from leadline.accounts import policy
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record, audit_record_reads
from leadline.core.decorators import capability_required
from leadline.legal import selectors, services
from leadline.legal.forms import ExtendForm
from leadline.legal.models import LegalMatter, Notice
from leadline.participants.services import StaleEdit
from leadline.sites.selectors import site_get


@capability_required("legal_matter.view")
@require_GET
@never_cache
def workspace(request: HttpRequest) -> HttpResponse:
    context = selectors.workspace_for(request.user)
    shown = {m.participant_id for m, _c in context["holds"]} | {
        m.participant_id for m, _n in context["awaiting"]
    }
    audit_record_reads(actor=request.user, action=AuditEvent.Action.LIST, subject_type="legal_matter",
                       participant_ids=sorted(shown))  # fmt: skip
    return render(request, "legal/workspace.html", context)


def _matter_or_404(request: HttpRequest, matter_id: int) -> LegalMatter:
    try:
        return selectors.matter_get_for(user=request.user, matter_id=matter_id)
    except LegalMatter.DoesNotExist:
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="legal_matter",
                     subject_id=matter_id)  # fmt: skip
        raise Http404 from None


def _detail(request: HttpRequest, matter: LegalMatter, *, form: ExtendForm | None = None, status: int = 200,
            error: str = "") -> HttpResponse:  # fmt: skip
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
            "is_cj": selectors.is_criminal_justice(request.user),
            # What the rule read (intake, contacts) is program information: never for a criminal-justice
            # role, who learns only the outcome from the notice (progress goes through a 2.35 consent).
            "requirement": services.requirement(matter)
            if matter.state == LegalMatter.State.HELD and not selectors.is_criminal_justice(request.user)
            else None,
        },
        status=status,
    )  # fmt: skip


@capability_required("legal_matter.view")
@require_GET
@never_cache
def matter_detail(request: HttpRequest, matter_id: int) -> HttpResponse:
    matter = _matter_or_404(request, matter_id)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="legal_matter",
                 subject_id=matter.pk, participant_id=matter.participant_id)  # fmt: skip
    return _detail(request, matter)


@capability_required("legal_matter.edit")
@require_POST
def matter_extend(request: HttpRequest, matter_id: int) -> HttpResponse:
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
    except services.LegalRefused as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        else:
            form.add_error(None, exc.message)
        return _detail(request, matter, form=form, status=400)
    return redirect("legal:detail", matter_id=matter.pk)


def _notice_or_404(request: HttpRequest, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id).defer("pdf").first()
    if notice is None or not selectors.matters_visible_to(request.user).filter(pk=notice.matter_id).exists():
        audit_record(actor=request.user, action=AuditEvent.Action.DENIED, subject_type="legal_notice",
                     subject_id=notice_id)  # fmt: skip
        raise Http404
    return notice


@capability_required("legal_matter.edit")
@require_POST
def notice_confirm(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice_or_404(request, notice_id)
    try:
        services.notice_confirm(actor=request.user, notice_id=notice.pk)
    except services.LegalRefused as exc:
        matter = _matter_or_404(request, notice.matter_id)
        return _detail(request, matter, status=400, error=exc.message)
    if selectors.matters_visible_to(request.user).filter(pk=notice.matter_id).exists():
        return redirect("legal:detail", matter_id=notice.matter_id)
    return redirect("legal:workspace")  # sealed: gone from a criminal-justice role's view


@capability_required("legal_matter.view")
@require_GET
@never_cache
def notice_pdf(request: HttpRequest, notice_id: int) -> HttpResponse:
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
def sealing_report(request: HttpRequest) -> HttpResponse:
    rows = selectors.sealing_report()
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="sealing_report")
    return render(request, "legal/sealing.html", {"rows": rows})
