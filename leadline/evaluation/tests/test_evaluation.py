"""The evidence engine inside Leadline: a stored run, the nightly task, and the page for the program
manager and the evaluator (de-identified aggregates only)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadline.core import clock
from leadline.core.testing import verified_client
from leadline.evaluation.models import EvaluationRun
from leadline.evaluation.services import evaluation_run
from leadline.evaluation.tasks import evaluation_nightly, next_night
from leadline.evidence.more import COUNT_KEYS

pytestmark = pytest.mark.django_db


def test_a_demo_run_has_every_section_and_its_public_copy_no_small_cell(world):
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


def test_the_nightly_task_runs_once_a_day_and_books_the_next_night(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = evaluation_nightly.call()
        again = evaluation_nightly.call()
    assert first == again and EvaluationRun.objects.count() == 1
    assert len(callbacks) == 2  # each run books tomorrow night (the worker keeps one booking per run)
    night = next_night()
    assert night.hour == 2 and night.date() == clock.today() + timedelta(days=1)


def test_the_program_manager_and_the_evaluator_read_the_latest_run(world):
    empty = verified_client(world["evaluator"]).get("/evidence/")
    assert empty.status_code == 200 and "data-empty" in empty.content.decode()
    evaluation_run(demo=True)
    for persona in ("evaluator", "program_manager"):
        page = verified_client(world[persona]).get("/evidence/").content.decode()
        assert 'data-effect="did_or"' in page and "data-synthetic" in page and 'data-stage="diverted"' in page
        assert 'data-chart="effects"' in page and 'data-chart="survival"' in page and "<desc" in page
    for persona in ("case_manager", "prosecutor", "officer"):
        assert verified_client(world[persona]).get("/evidence/").status_code == 403


def test_a_run_on_the_sites_own_data_uses_the_pseudonymous_export(world):
    run = evaluation_run(demo=False)
    assert run.source == "site" and run.results["n"]["comparison"] == 0


def test_the_public_page_and_csv_show_only_the_suppressed_copy(world, client):
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
