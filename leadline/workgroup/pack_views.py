"""The Policy Coordinating Group's pack (decision 0024): the page with its period form, and the PDF.

Both need ``policy_pack.view`` (program manager, evaluator, site administrator); both are audited (a view,
and an export for the PDF, which leaves the program). The figures come from ``pack.pack_data`` only.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.forms import PeriodForm
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.workgroup.pack import last_full_quarter, pack_data, pack_pdf

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class PackPeriodForm(PeriodForm):
    """The law-enforcement report's period (From, To inclusive, the end not before the start), within
    dates a program can have: a year like 9999 would overflow the day after the end."""

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ("start", "end"):
            value = data.get(name)
            if isinstance(value, date) and not EARLIEST <= value <= LATEST:
                self.add_error(
                    name,
                    _("Choose a date from %(earliest)s to %(latest)s.")
                    % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
                )
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, tuple[date, date] | None]:
    """The period asked for; with neither date given, the last full calendar quarter. A date missing or
    not a date, or an end before the start, leaves the form's errors (each naming its field) and None."""
    if not request.GET.get("start") and not request.GET.get("end"):
        start, end = last_full_quarter(clock.today())
        return PackPeriodForm(initial={"start": start, "end": end}), (start, end)
    form = PackPeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, (form.cleaned_data["start"], form.cleaned_data["end"])


def _refused(request: HttpRequest, form: PeriodForm) -> HttpResponse:
    return render(request, "workgroup/pack.html", {"form": form, "pack": None}, status=400)


@capability_required("policy_pack.view")
@require_GET
@never_cache
def pack_page(request: AuthedRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return _refused(request, form)
    start, end = period
    pack = pack_data(start, end)
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        subject_type="policy_pack",
        subject_id=f"{start.isoformat()}/{end.isoformat()}",
    )
    query = f"start={start.isoformat()}&end={end.isoformat()}"
    return render(request, "workgroup/pack.html", {"form": form, "pack": pack, "pdf_query": query})


@capability_required("policy_pack.view")
@require_GET
@never_cache
def pack_pdf_download(request: AuthedRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return _refused(request, form)
    start, end = period
    content = pack_pdf(pack_data(start, end))
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        subject_type="policy_pack",
        subject_id=f"{start.isoformat()}/{end.isoformat()}",
    )
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"lead-policy-pack-{start.isoformat()}-{end.isoformat()}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Content-Security-Policy"] = "sandbox"
    return response
