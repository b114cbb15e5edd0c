"""The quarterly report (issue #6) for the Policy Coordinating Group, something it can hand to a county
legislature: the latest run's figures as tables, with a plain-language summary, the methods and the
definitions.

It is built from the run's suppressed copy (``public_results``) and nothing else, so it may go anywhere the
public page goes: a suppressed cell (None) prints as "—" and a footnote explains why (PRODUCT §4 rule 8).
Beside its table, each chart of the public page is drawn from the same scene the page writes as SVG
(``scene.draw_pdf``; issue #17, item 7), so the report and the page agree. The survival curves are not in
the suppressed copy (their last steps can count a handful of people), so the report has none either.

A translated string with a bare % writes it %% and is formatted with {} (as the templates' msgids do, so
both share one translation and msgfmt's format check holds).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from leadline.core import clock, display
from leadline.core.pdf import Document
from leadline.evaluation import charts
from leadline.evaluation.labels import (
    METHOD_LABELS,
    MONTHLY_LABELS,
    RATE_LABELS,
    STAGE_LABELS,
    WINDOW_LABELS,
    suppression_threshold,
)
from leadline.evaluation.scene import Chart, draw_pdf

if TYPE_CHECKING:
    from leadline.evaluation.models import EvaluationRun
    from leadline.sites.models import Site

DASH = "—"


def _chart(doc: Document, chart: Chart | None) -> None:
    """The chart's wide layout across the page's width, as the page draws it on a wide screen."""
    if chart is not None:
        draw_pdf(doc, chart.wide)


# Figures as the reader's language writes them, by the one helper (leadline.core.display; decision 0040).
def _num(value: Any, places: int = 2) -> str:
    if value is None or isinstance(value, bool):
        return DASH
    return display.number(value, places)


def _pct(rate: Any) -> str:
    return DASH if rate is None else display.percent(rate, 0)


def _money(value: Any) -> str:
    return DASH if value is None else display.money(value)


def _p(value: Any) -> str:
    if value is None:
        return DASH
    return "< 0.001" if value < 0.001 else _num(value, 3)


def _interval(node: dict[str, Any]) -> str:
    low, high = node.get("ci_low"), node.get("ci_high")
    return DASH if low is None or high is None else f"{_num(low)}–{_num(high)}"


def quarter_label(as_of: date) -> str:
    """ "Quarter 3 2026 (data to Sept. 30, 2026)": the calendar quarter the run's cutoff falls in."""
    quarter = (as_of.month - 1) // 3 + 1
    return _("Quarter %(q)s %(year)s (data to %(date)s)") % {
        "q": quarter,
        "year": as_of.year,
        "date": display.day(as_of),
    }


def quarterly_report_pdf(*, run: EvaluationRun, site: Site | None) -> bytes:
    """The report as PDF bytes, in the active language, from ``run.public_results`` only."""
    r: dict[str, Any] = run.public_results
    threshold = suppression_threshold(r)
    quarter = quarter_label(run.as_of)
    doc = Document(title=_("LEAD quarterly report"), footer=f"{_('LEAD quarterly report')} · {quarter}")
    doc.paragraph(site.name if site else "LEAD", bold=True)
    doc.heading(_("LEAD quarterly report"))
    doc.paragraph(quarter, size=12, bold=True)
    n = r.get("n", {})
    doc.paragraph(
        _(
            "Evaluation run on %(date)s. People in the evaluation: %(lead)s in LEAD, %(comparison)s in "
            "the comparison group."
        )
        % {
            "date": display.day(clock.local_date(run.created_at)),
            "lead": _num(n.get("lead"), 0),
            "comparison": _num(n.get("comparison"), 0),
        }
    )
    if run.source == run.Source.DEMO:
        doc.paragraph(
            _(
                "These figures come from a synthetic cohort made up for the demo site. They show what "
                "the report looks like; they say nothing about any real program."
            ),
            bold=True,
        )
    doc.paragraph(
        _(
            "To protect privacy, no count from 1 to %(t)s is shown, nor anything from which one could be "
            "worked out: such cells read —."
        )
        % {"t": threshold}
    )
    _summary(doc, r)
    _recidivism(doc, r)
    _rates_and_survival(doc, r)
    _costs(doc, r)
    _monthly(doc, r)
    _disparity(doc, r, threshold)
    _methods(doc)
    return doc.render()


def _summary(doc: Document, r: dict[str, Any]) -> None:
    """A few sentences a legislator reads first; each only when its figures are published."""
    said = []
    did = r.get("recidivism", {}).get("did_or", {})
    if did.get("estimate") is not None:
        said.append(
            _(
                "Taking each group's re-arrests before the index into account, LEAD participants' odds of "
                "re-arrest were %(or)s times the comparison group's (difference in differences, 95%% "
                "interval %(ci)s, %(n)s people); below 1 means fewer re-arrests with LEAD."
            )
            % {"or": _num(did["estimate"]), "ci": _interval(did), "n": _num(did.get("n"), 0)}
        )
    window = r.get("recidivism", {}).get("windows", {}).get("12m", {})
    lead, comparison = window.get("lead", {}).get("rate"), window.get("comparison", {}).get("rate")
    if lead is not None and comparison is not None:
        said.append(
            _(
                "Within 12 months, %(lead)s of LEAD participants followed that long were re-arrested, "
                "against %(comparison)s in the comparison group."
            )
            % {"lead": _pct(lead), "comparison": _pct(comparison)}
        )
    hr = r.get("survival", {}).get("hazard_ratio", {})
    if hr.get("estimate") is not None:
        said.append(
            _(
                "Hazard ratio of re-arrest %(hr)s (95%% interval %(ci)s); below 1 means re-arrest "
                "came later for LEAD participants."
            )
            % {"hr": _num(hr["estimate"]), "ci": _interval(hr)}
        )
    costs = r.get("costs", {})
    total = costs.get("annual_total", {})
    if total.get("lead") is not None and total.get("comparison") is not None:
        said.append(
            _(
                "Annual cost per person, with LEAD's own program cost: %(lead)s for a LEAD participant "
                "against %(comparison)s in the comparison group; savings (comparison minus LEAD) "
                "%(savings)s (%(pct)s%%)."
            )
            % {
                "lead": _money(total["lead"]),
                "comparison": _money(total["comparison"]),
                "savings": _money(costs.get("savings")),
                "pct": _num(costs.get("savings_pct"), 1),
            }
        )
    if said:
        doc.heading(_("Summary"), size=12)
        for sentence in said:
            doc.paragraph(sentence)


def _recidivism(doc: Document, r: dict[str, Any]) -> None:
    rec = r.get("recidivism")
    if not rec:
        return
    doc.heading(_("Re-arrest"), size=12)
    rows = []
    for label, months in WINDOW_LABELS.items():
        w = rec.get("windows", {}).get(label)
        if not w:
            continue
        cells = [_("%(m)s months") % {"m": months}]
        for group in ("lead", "comparison"):
            g = w.get(group, {})
            cells.append(f"{_pct(g.get('rate'))} ({_num(g.get('events'), 0)}/{_num(g.get('n'), 0)})")
        rows.append(cells)
    doc.paragraph(
        _("Share re-arrested within each window, among people followed that long (re-arrested/people)."),
        bold=True,
    )
    doc.data_table([_("Window"), _("LEAD"), _("Comparison")], rows, (2, 3, 3))
    effects, drawn = [], []
    for key, method in (("did_or", "did"), ("att_or", "att"), ("ate_or", "ate"), ("felony_did_or", "felony")):
        if key in rec:
            e = rec[key]
            drawn.append({"key": key, "method": method, **e})
            effects.append(
                [
                    str(METHOD_LABELS[method]),
                    _num(e.get("estimate")),
                    _interval(e),
                    _p(e.get("p")),
                    _num(e.get("n"), 0),
                ]
            )
    if effects:
        doc.paragraph(
            _(
                "Odds ratios of any re-arrest (felony charge for the last row); below 1 means lower odds "
                "for LEAD participants."
            ),
            bold=True,
        )
        headings = [_("Method"), _("Odds ratio"), _("95%% interval") % {}, "p", _("People")]
        doc.data_table(headings, effects, (6, 2, 3, 2, 2))
        _chart(doc, charts.forest(drawn))


def _rates_and_survival(doc: Document, r: dict[str, Any]) -> None:
    if r.get("rates"):
        doc.heading(_("Use of the justice system, per person-year"), size=12)
        rows = [
            [
                str(RATE_LABELS.get(k, k)),
                _num(x.get("rate_lead")),
                _num(x.get("rate_comparison")),
                _num(x.get("rate_difference")),
                f"{_num(x['irr'])} ({_interval(x)})" if x.get("irr") is not None else DASH,
                _num(x.get("n"), 0),
            ]
            for k, x in r["rates"].items()
        ]
        headings = [
            _("Measure"),
            _("LEAD"),
            _("Comparison"),
            _("Difference"),
            _("Rate ratio (95%% interval)") % {},
            _("People"),
        ]
        doc.data_table(headings, rows, (3, 2, 2, 2, 4, 2))
    s = r.get("survival")
    if s:
        hr, medians = s.get("hazard_ratio", {}), s.get("median_days", {})
        doc.heading(_("Time to re-arrest"), size=12)
        doc.paragraph(
            _(
                "Hazard ratio %(hr)s (95%% interval %(ci)s), Cox model; below 1 means re-arrest comes "
                "later for LEAD participants. Median days to re-arrest: LEAD %(ml)s, comparison %(mc)s "
                "(— when not reached). Log-rank test p %(lr)s; proportional-hazards check p %(ph)s."
            )
            % {
                "hr": _num(hr.get("estimate")),
                "ci": _interval(hr),
                "ml": _num(medians.get("lead"), 0),
                "mc": _num(medians.get("comparison"), 0),
                "lr": _p(s.get("logrank_p")),
                "ph": _p(s.get("ph_check_p")),
            }
        )


def _costs(doc: Document, r: dict[str, Any]) -> None:
    c = r.get("costs")
    if not c:
        return
    doc.heading(_("Costs per person-year"), size=12)
    parts = (
        ("pre", _("Before (the year before the index)")),
        ("post", _("After")),
        ("change", _("Change")),
        ("annual_total", _("Annual total, with LEAD's program cost")),
    )
    rows = [
        [label, _money(c[key].get("lead")), _money(c[key].get("comparison"))]
        for key, label in parts
        if isinstance(c.get(key), dict)
    ]
    doc.data_table([_("Cost"), _("LEAD"), _("Comparison")], rows, (4, 2, 2))
    _chart(doc, charts.costs(c))
    boot = c.get("bootstrap_ci", {})
    doc.paragraph(
        _(
            "Change in justice costs, LEAD minus comparison (difference in differences): %(did)s "
            "(bootstrap 95%% interval %(dlo)s to %(dhi)s). Savings per person-year, comparison minus LEAD "
            "with its program cost: %(s)s, %(pct)s%% (bootstrap 95%% interval %(slo)s to %(shi)s)."
        )
        % {
            "did": _money(c.get("did")),
            "dlo": _money(boot.get("did", {}).get("ci_low")),
            "dhi": _money(boot.get("did", {}).get("ci_high")),
            "s": _money(c.get("savings")),
            "pct": _num(c.get("savings_pct"), 1),
            "slo": _money(boot.get("savings", {}).get("ci_low")),
            "shi": _money(boot.get("savings", {}).get("ci_high")),
        }
    )


def _monthly(doc: Document, r: dict[str, Any]) -> None:
    if not r.get("monthly"):
        return
    doc.heading(_("Housing, work and income"), size=12)
    doc.paragraph(
        _(
            "Odds ratios of each outcome in the months after referral against the month before; above 1 "
            "means more likely after referral."
        )
    )
    rows = [
        [str(MONTHLY_LABELS.get(k, k)), _num(m.get("or")), _interval(m), _num(m.get("n"), 0)]
        for k, m in r["monthly"].items()
    ]
    headings = [_("Outcome"), _("Odds ratio"), _("95%% interval") % {}, _("People")]
    doc.data_table(headings, rows, (4, 2, 3, 2))
    _chart(doc, charts.monthly([(str(MONTHLY_LABELS.get(k, k)), m) for k, m in r["monthly"].items()]))


def _disparity(doc: Document, r: dict[str, Any], threshold: int) -> None:
    """The funnel as the public page shows it: an RRI only for a group large enough to judge."""
    d = r.get("disparity")
    if not d:
        return
    reference = d.get("reference", "White")
    doc.heading(_("Racial disparities along the funnel"), size=12)
    doc.paragraph(
        _(
            "Relative Rate Index (RRI) against %(ref)s at each stage: above 1 means the group reaches the "
            "stage more often than %(ref)s residents or %(ref)s people at the previous stage."
        )
        % {"ref": reference}
    )
    for key, stage in d.get("stages", {}).items():
        rows = []
        for race, g in stage.get("groups", {}).items():
            if g.get("rri") is None:
                rri = DASH
            elif not g.get("reportable"):
                rri = _("too few to judge")
            else:
                rri = f"{_num(g['rri'])} ({_interval(g)}){' *' if g.get('significant') else ''}"
            rows.append([race, _num(g.get("count"), 0), _num(g.get("rate"), 1), rri])
        total = _("total")  # outside the f-string, where makemessages can see it
        doc.paragraph(f"{STAGE_LABELS.get(key, key)} · {total} {_num(stage.get('total'), 0)}", bold=True)
        headings = [_("Group"), _("Count"), _("Rate"), _("RRI (95%% interval)") % {}]
        doc.data_table(headings, rows, (3, 2, 2, 4))
        label = str(STAGE_LABELS.get(key, key))
        _chart(doc, charts.funnel(stage, reference=reference, label=label, unreportable=False))
    doc.paragraph(
        _(
            "— : not shown. Counts from 1 to %(t)s are suppressed to protect privacy (small-cell "
            "suppression), and so is any cell from which one could be worked out (complementary "
            "suppression); every rate or index built on a suppressed cell is left out too. Too few to "
            "judge: the group is under 1%% of residents or has fewer than 50 cases at the stage. * : the "
            "interval excludes 1."
        )
        % {"t": threshold},
        size=8,
    )


def _methods(doc: Document) -> None:
    doc.heading(_("Methods and definitions"), size=12)
    for text in (
        _(
            "The comparison group is people arrested for comparable conduct who were not referred to "
            "LEAD; their index date is that arrest. For LEAD participants it is the referral or diversion "
            "date."
        ),
        _(
            "Pre period: the 365 days before the index date. Post period: from the day after the index "
            "date to the end of follow-up (data cutoff, death or moving away)."
        ),
        _(
            "Re-arrest within 6, 12 or 24 months: among people followed at least that long, any arrest in "
            "that window after the index date."
        ),
        _(
            "Difference in differences: person-period rows (6 months before, 6 months after), logistic GEE "
            "with a group × period interaction, exchangeable correlation and robust errors; the odds ratio "
            "is the exponentiated interaction. Propensity-weighted odds ratios (ATT and ATE): any arrest "
            "in the first 6 months, weighted by a logistic propensity model on the recorded covariates."
        ),
        _(
            "Rates: post-period counts per person-year of follow-up; rate ratios from a negative binomial "
            "model with the exposure as offset."
        ),
        _(
            "Time to re-arrest: days from the index to the first re-arrest, censored at the end of "
            "follow-up; days in jail or prison are not at risk. Kaplan–Meier medians, log-rank test, Cox "
            "hazard ratio."
        ),
        _(
            "Costs: events priced by the site's unit-cost table, per person-year; LEAD's program cost is "
            "the cost of a program month × 12; intervals from 1,000 bootstrap resamples of people within "
            "each group."
        ),
        _(
            "Housing, work and income: logistic GEE of each monthly status, months after referral against "
            "the month before, exchangeable correlation."
        ),
        _(
            "Disparities: encounters per 1,000 residents; diversions per 100 eligible encounters; charges "
            "filed per 100 arrests; detentions per 100 charged. The RRI is a group's rate over the "
            "reference group's, with a 95%% interval."
        )
        % {},
        _(
            "Every estimate comes with its 95%% interval and the number of people it rests on. The figures "
            "are those of the latest evaluation and change as new data come in."
        )
        % {},
    ):
        doc.paragraph(text, size=9)
