"""The operational dashboard and its exports: thin views over figures.py and exports.py."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadline.accounts import policy
from leadline.accounts.decorators import AuthedRequest, capability_required
from leadline.cases.models import Contact
from leadline.core import refusals
from leadline.operations import charts, exports
from leadline.operations.figures import DOORS, Dashboard, dashboard_for
from leadline.operations.periods import PeriodForm
from leadline.referrals.models import Referral

TEMPLATE = "operations/dashboard.html"


def _charts(d: Dashboard) -> dict[str, object]:
    weeks = [w.monday for w in d.contacts.weeks]
    door_labels = dict(Referral.Door.choices)
    return {
        "status_chart": charts.week_bars(
            mondays=[w.monday for w in d.statuses],
            series=[(_("Engaged"), [w.at_end["engaged"] for w in d.statuses]),
                    (_("Active"), [w.at_end["active"] for w in d.statuses]),
                    (_("Inactive"), [w.at_end["inactive"] for w in d.statuses])],
            y_title=_("People"), x_title=_("Week starting"),
        ),
        "contact_chart": charts.week_bars(
            mondays=weeks,
            series=[(_("Reached"), [w.reached for w in d.contacts.weeks]),
                    (_("Not reached"), [w.not_reached for w in d.contacts.weeks])],
            y_title=_("Contacts"), x_title=_("Week starting"),
        ),
        "handoff_chart": charts.week_bars(
            mondays=weeks,
            series=[(_("Median minutes"), [w.minutes.median for w in d.handoffs.weeks])],
            y_title=_("Minutes"), x_title=_("Week starting"),
        ),
        "referral_chart": charts.week_bars(
            mondays=weeks,
            series=[(str(door_labels[door]), [w.by_door[door] for w in d.referrals.weeks]) for door in DOORS],
            y_title=_("Referrals"), x_title=_("Week starting"),
        ),
    }  # fmt: skip


def _page(request: AuthedRequest, form: PeriodForm, status: int = 200) -> HttpResponse:
    context: dict[str, object] = {
        "form": form,
        "may_export": policy.can(request.user, "participant_export.view"),
        "doors": [Referral.Door(d).label for d in DOORS],
        "max_rows": exports.MAX_ROWS,
    }
    if status == 200:
        d = dashboard_for(user=request.user, period=form.chosen())
        kinds = [
            (Contact.Kind(k).label, reached, not_reached) for k, reached, not_reached in d.contacts.by_kind
        ]
        context.update(d=d, kinds=kinds, query=request.GET.urlencode(), **_charts(d))
    return render(request, TEMPLATE, context, status=status)


@capability_required("operations.view")
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    return _page(request, form, 200 if form.is_valid() else 400)


@never_cache
@capability_required("participant_export.view")
@require_GET
def export(request: AuthedRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in exports.EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _page(request, form, 400)
    try:
        body, content_type, name = exports.export_build(
            user=request.user, kind=kind, fmt=fmt, period=form.chosen()
        )
    except refusals.Refused as exc:
        refusals.on_form(form, exc)
        return _page(request, form, exc.status)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
