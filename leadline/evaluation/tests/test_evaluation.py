"""The evidence engine inside Leadline: a stored run, the nightly task, and the page for the program
manager and the evaluator (de-identified aggregates only)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadline.core import clock
from leadline.demo.testing import verified_client
from leadline.evaluation.models import EvaluationRun
from leadline.evaluation.services import evaluation_run
from leadline.evaluation.tasks import evaluation_nightly, next_night
from leadline.evidence.suppression import COUNT_KEYS

pytestmark = pytest.mark.django_db


def test_a_demo_run_has_every_section_and_its_public_copy_no_small_cell(small_world):
    run = evaluation_run(demo=True)
    assert run.source == "demo"
    assert set(run.results) == {
        "as_of",
        "n",
        "recidivism",
        "rates",
        "survival",
        "costs",
        "monthly",
        "disparity",
    }
    assert (
        run.results["recidivism"]["did_or"]["estimate"] < 1
    )  # the synthetic cohort was built with an effect

    def counts(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in COUNT_KEYS and isinstance(v, int):
                    yield v
                yield from counts(v)

    assert all(not 1 <= c <= 10 for c in counts(run.public_results))
    assert run.results["survival"]["curves"]["lead"][0][1] == 1.0  # curves for the charts...
    assert "curves" not in run.public_results["survival"]  # ...never in public output


def test_the_nightly_task_runs_once_a_day_and_books_the_next_night(
    small_world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = evaluation_nightly.call()
        again = evaluation_nightly.call()
    assert first == again and EvaluationRun.objects.count() == 1
    assert len(callbacks) == 2  # each run books tomorrow night (the worker keeps one booking per run)
    night = next_night()
    assert night.hour == 2 and night.date() == clock.today() + timedelta(days=1)


def test_the_program_manager_and_the_evaluator_read_the_latest_run(small_world):
    empty = verified_client(small_world["evaluator"]).get("/evidence/")
    assert empty.status_code == 200 and "data-empty" in empty.content.decode()
    evaluation_run(demo=True)
    for persona in ("evaluator", "program_manager"):
        page = verified_client(small_world[persona]).get("/evidence/").content.decode()
        assert 'data-effect="did_or"' in page and "data-synthetic" in page and 'data-stage="diverted"' in page
        assert 'data-chart="effects"' in page and 'data-chart="survival"' in page and "<desc" in page
    for persona in ("case_manager", "prosecutor", "officer"):
        assert verified_client(small_world[persona]).get("/evidence/").status_code == 403


def test_a_run_on_the_sites_own_data_uses_the_pseudonymous_export(world):
    run = evaluation_run(demo=False)
    assert run.source == "site" and run.results["n"]["comparison"] == 0


def test_the_public_page_and_csv_show_only_the_suppressed_copy(small_world, client):
    run = evaluation_run(demo=True)
    results, public = run.results, run.public_results
    results["n"]["comparison"], public["n"]["comparison"] = 8, None  # a small cell, as suppress() leaves it
    results["recidivism"]["windows"]["24m"]["comparison"] = {"n": 7, "events": 3, "rate": 0.4286}
    public["recidivism"]["windows"]["24m"]["comparison"] = {"n": None, "events": None, "rate": None}
    EvaluationRun.objects.filter(pk=run.pk).update(results=results, public_results=public)
    page = client.get("/results/").content.decode()  # no sign-in
    assert 'data-effect="did_or"' in page and "43%" not in page
    csv_text = client.get("/results.csv").content.decode()
    assert "recidivism.windows.24m.comparison.rate," in csv_text and "0.4286" not in csv_text
    assert "survival.curves" not in csv_text


def test_the_pages_draw_the_cost_funnel_and_monthly_charts_with_a_title_and_a_description(
    small_world, client
):
    evaluation_run(demo=True)
    page = verified_client(small_world["evaluator"]).get("/evidence/").content.decode()
    for kind in ("costs", "funnel", "monthly"):
        assert f'data-chart="{kind}"' in page
    assert page.count('data-chart="funnel"') == 4  # one beside each stage's table (phone layout)
    assert page.count('data-chart-wide="funnel"') == 4  # and its wide layout
    for layout in ("narrow", "wide"):
        assert f'aria-labelledby="costs-{layout}-t costs-{layout}-d"' in page
        assert f'<desc id="costs-{layout}-d">Costs in dollars.' in page
        assert f'<desc id="monthly-{layout}-d">Odds ratios on a log scale' in page
    assert "data-report-pdf" in page and "data-survival-table" in page  # the curves' figures as a table
    public = client.get("/results/").content.decode()
    assert 'data-chart="costs"' in public and public.count('data-chart="funnel"') == 4
    assert 'data-chart="monthly"' not in public and 'href="/results/report.pdf"' in public


def _plant_small_cells(run):
    """As suppress() leaves them: figures in the full results that the public copy hides."""
    results, public = run.results, run.public_results
    results["recidivism"]["windows"]["24m"]["comparison"] = {"n": 7, "events": 3, "rate": 0.4286}
    public["recidivism"]["windows"]["24m"]["comparison"] = {"n": None, "events": None, "rate": None}
    for copy, planted in ((results, {"count": 9, "rate": 77.7777, "rri": 3.3333, "ci_low": 1.1111,
                                     "ci_high": 9.8765, "reportable": True}),
                          (public, {"count": None, "rate": None, "rri": None, "ci_low": None,
                                    "ci_high": None, "reportable": False})):  # fmt: skip
        copy["disparity"]["stages"]["detained"]["groups"]["Asian"].update(planted)
    EvaluationRun.objects.filter(pk=run.pk).update(results=results, public_results=public)


def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_quarterly_report_is_a_pdf_of_the_suppressed_copy_only(small_world, client):
    run = evaluation_run(demo=True)
    _plant_small_cells(run)
    run.refresh_from_db()
    response = client.get("/results/report.pdf")  # no sign-in
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="lead-report-{run.as_of.isoformat()}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    text = " ".join(_pdf_text(response.content).split())
    quarter = (run.as_of.month - 1) // 3 + 1
    from leadline.core import display

    assert f"Quarter {quarter} {run.as_of.year} (data to {display.day(run.as_of)})" in text
    assert "synthetic cohort" in text and "Summary" in text and "Methods and definitions" in text
    public = run.public_results
    did = public["recidivism"]["did_or"]
    assert f"{did['estimate']:.2f}" in text and f"{did['ci_low']:.2f}–{did['ci_high']:.2f}" in text
    assert f"${public['costs']['annual_total']['lead']:,.2f}" in text
    assert f"{public['survival']['hazard_ratio']['estimate']:.2f}" in text
    assert f"{public['monthly']['employed']['or']:.2f}" in text
    assert "Counts from 1 to 10 are suppressed" in text
    for hidden in ("43%", "3/7", "77.8", "3.33", "9.88"):  # the planted small cells
        assert hidden not in text


def test_the_quarterly_report_draws_the_public_pages_charts_with_their_labels(small_world, client):
    """The PDF draws the same scenes the public page writes as SVG (issue #17, item 7): every label of the
    effects chart, the funnels and the monthly chart — row labels, figures, the line at 1, the captions — is
    text in the PDF."""
    from leadline.evaluation import charts
    from leadline.evaluation.labels import MONTHLY_LABELS, STAGE_LABELS
    from leadline.evaluation.views import _effects

    run = evaluation_run(demo=True)
    text = " ".join(_pdf_text(client.get("/results/report.pdf").content).split())
    public = run.public_results
    drawn = [charts.forest(_effects(public)), charts.costs(public["costs"]),
             charts.monthly([(str(MONTHLY_LABELS[k]), m) for k, m in public["monthly"].items()])]  # fmt: skip
    reference = public["disparity"]["reference"]
    drawn += [charts.funnel(stage, reference=reference, label=str(STAGE_LABELS[key]), unreportable=False)
              for key, stage in public["disparity"]["stages"].items()]  # fmt: skip
    labels = [t.text for chart in drawn if chart for t in chart.wide.texts]
    assert len(labels) > 60
    missing = [label for label in labels if " ".join(label.split()) not in text]
    assert not missing, f"chart labels not in the PDF: {missing[:10]}"
    assert "Any re-arrest, 6 months after against" in text and "no difference" in text
    assert "Odds ratio, LEAD against the comparison group (log scale)" in text


def test_the_quarterly_report_before_any_run_is_a_clear_404(small_world, client):
    response = client.get("/results/report.pdf")
    assert response.status_code == 404 and "there has been none yet" in response.content.decode()


def test_the_quarter_is_the_calendar_quarter_of_the_runs_cutoff():
    from datetime import date

    from leadline.evaluation.report import quarter_label

    # The day as the reader's language writes it (decision 0040).
    assert quarter_label(date(2026, 9, 30)) == "Quarter 3 2026 (data to Sept. 30, 2026)"
    assert quarter_label(date(2027, 1, 2)) == "Quarter 1 2027 (data to Jan. 2, 2027)"
