"""The evidence pages (issue #6) for the program manager and the evaluator: the latest run of the
engine, every estimate with its interval, n and method, as tables with a sentence that says what each
means. De-identified aggregates only (capability evaluation.view)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core.csvsafe import csv_cell
from leadline.evaluation import charts
from leadline.evaluation.labels import (
    MONTHLY_LABELS,
    RATE_LABELS,
    STAGE_LABELS,
    WINDOW_LABELS,
    suppression_threshold,
)
from leadline.evaluation.report import quarterly_report_pdf
from leadline.evaluation.services import latest
from leadline.sites.selectors import site_get


def _effects(results: dict[str, Any]) -> list[dict[str, Any]]:
    rec = results.get("recidivism", {})
    rows = []
    for key, method in (("did_or", "did"), ("att_or", "att"), ("ate_or", "ate"), ("felony_did_or", "felony")):
        if key in rec:
            rows.append({"key": key, "method": method, **rec[key]})
    return rows


def _stages(results: dict[str, Any], *, unreportable: bool) -> list[tuple[str, Any, Any, Any]]:
    """Each stage of the funnel: key, label, figures and its chart (the public page leaves out the RRIs of
    groups too small to judge, as its table does)."""
    disparity = results.get("disparity", {})
    reference = disparity.get("reference", "White")
    out = []
    for key, stage in disparity.get("stages", {}).items():
        label = STAGE_LABELS.get(key, key)
        chart = charts.funnel(stage, reference=reference, label=str(label), unreportable=unreportable)
        out.append((key, label, stage, chart))
    return out


@capability_required("evaluation.view")
@require_GET
@never_cache
def evidence(request: AuthedRequest) -> HttpResponse:
    run = latest()
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, subject_type="evaluation",
                 subject_id=run.pk if run else None)  # fmt: skip
    results = run.results if run else {}
    effects = _effects(results)
    monthly = [(MONTHLY_LABELS.get(k, k), v) for k, v in results.get("monthly", {}).items()]
    return render(request, "evaluation/evidence.html", {
        "run": run, "r": results, "effects": effects, "forest": charts.forest(effects),
        "km": charts.km(results.get("survival", {}).get("curves")),
        "windows": [(label, months, results["recidivism"]["windows"][label])
                    for label, months in WINDOW_LABELS.items()] if results else [],
        "rates": [(RATE_LABELS.get(k, k), v) for k, v in results.get("rates", {}).items()],
        "monthly": monthly, "monthly_chart": charts.monthly([(str(k), v) for k, v in monthly]),
        "costs_chart": charts.costs(results.get("costs")),
        "stages": _stages(results, unreportable=True),
    })  # fmt: skip


@require_GET
def public_results(request: HttpRequest) -> HttpResponse:
    """The public page (issue #6, item 5): the latest run's suppressed copy only — no count from 1 to the
    site's threshold and nothing that derives one (PRODUCT §4 rule 8). No sign-in."""
    run = latest()
    results = run.public_results if run else {}
    effects = _effects(results)
    context = {
        "run": run, "r": results, "effects": effects, "forest": charts.forest(effects),
        "windows": [(label, months, results["recidivism"]["windows"][label])
                    for label, months in WINDOW_LABELS.items()] if results else [],
        "costs_chart": charts.costs(results.get("costs")),
        "stages": _stages(results, unreportable=False), "threshold": suppression_threshold(results),
    }  # fmt: skip
    return render(request, "evaluation/public.html", context)


@require_GET
def public_results_csv(request: HttpRequest) -> HttpResponse:
    """The same suppressed figures as a spreadsheet: one row per published number."""
    import csv

    run = latest()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lead-results.csv"'
    writer = csv.writer(response)
    writer.writerow(["measure", "value"])  # e.g. "recidivism.windows.6m.lead.rate", 0.31; empty = suppressed

    def walk(path: list[str], node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk([*path, str(key)], value)
        else:
            writer.writerow([csv_cell(".".join(path)), csv_cell(node)])

    walk([], run.public_results if run else {})
    return response


@require_GET
@never_cache
def public_report_pdf(request: HttpRequest) -> HttpResponse:
    """The quarterly report for the Policy Coordinating Group, to hand to a county legislature: built from
    the latest run's suppressed copy only, like the public page, so it may go anywhere. No sign-in."""
    run = latest()
    if run is None:
        return render(request, "evaluation/no_report.html", status=404)
    response = HttpResponse(quarterly_report_pdf(run=run, site=site_get()), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="lead-report-{run.as_of.isoformat()}.pdf"'
    response["Content-Security-Policy"] = "sandbox"
    return response
