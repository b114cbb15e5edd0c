"""`leadline evaluate` end to end: the contract's files in (CSV or Parquet), the JSON out; bad input names
the file, row and column, exits non-zero and writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadline.cli import ROOT
from leadline.evidence.engine import run
from leadline.evidence.inputs import InputError, load
from leadline.evidence.tests.synth import events_frame, expit, people_frame


def _write(folder: Path) -> Path:
    rng = np.random.default_rng(5)
    n = 600
    t = np.repeat([1, 0], n)
    x = rng.normal(size=2 * n)
    people = people_frame(t, followup_days=rng.integers(200, 900, size=2 * n), cov_prior_arrests=x)
    pre = rng.random(2 * n) < expit(-0.5 + 0.5 * x)
    post = rng.random(2 * n) < expit(-0.5 + 0.5 * x - 0.8 * t)
    events = pd.concat([
        events_frame(people, pre, -60), events_frame(people, post, 40),
        events_frame(people, rng.random(2 * n) < 0.3, 50, kind="booking"),
        events_frame(people, rng.random(2 * n) < 0.2, 45, kind="jail_days", quantity=5.0),
        events_frame(people, rng.random(2 * n) < 0.1, 70, kind="felony_charge"),
        events_frame(people, rng.random(2 * n) < 0.1, -70, kind="felony_charge"),
    ])  # fmt: skip
    for frame in (people, events):
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    people.to_csv(folder / "people.csv", index=False)
    events.to_csv(folder / "events.csv", index=False)
    return folder


def test_evaluate_writes_every_section_it_has_data_for(tmp_path):
    data = _write(tmp_path)
    out = tmp_path / "results.json"
    result = run(data, out)
    written = json.loads(out.read_text())
    assert written == json.loads(json.dumps(result))
    assert written["n"] == {"lead": 600, "comparison": 600}
    rec = written["recidivism"]
    assert set(rec) == {"windows", "did_or", "att_or", "ate_or", "felony_did_or"}
    assert set(rec["windows"]) == {"6m", "12m", "24m"}
    for key in ("did_or", "att_or", "ate_or"):
        assert {"estimate", "ci_low", "ci_high", "n"} <= set(rec[key]) and rec[key]["estimate"] < 1
    assert {"balance", "ess"} <= set(rec["att_or"])
    assert set(written["rates"]) == {"booking", "jail_days", "prison_days", "case_filed"}
    assert written["rates"]["prison_days"]["irr"] is None  # no prison days at all: no ratio, still the rates
    assert {"hazard_ratio", "median_days", "logrank_p", "ph_check_p"} <= set(written["survival"])
    assert "monthly" not in written and "disparity" not in written  # no monthly/encounters file: omitted


def test_as_of_cuts_follow_up_and_events(tmp_path):
    data = _write(tmp_path)
    early = run(data, tmp_path / "a.json", as_of=pd.Timestamp("2024-04-01").date())
    assert early["as_of"] == "2024-04-01"
    assert early["recidivism"]["windows"]["6m"]["lead"]["n"] == 0  # nobody has 6 months by then


def _set(column: str, row: int, value: str):
    def edit(people: pd.DataFrame) -> pd.DataFrame:
        people.loc[row, column] = value
        return people

    return edit


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda p: p.drop(columns=["group"]), "people.csv, column group: required column is missing"),
        (_set("index_date", 0, "2024-13-01"), "people.csv, row 2, column index_date: a date as YYYY-MM-DD"),
        (_set("group", 4, "control"), "people.csv, row 6, column group: must be one of"),
        (_set("person_key", 1, "p000000"), "people.csv, row 3, column person_key: appears twice"),
        (_set("cov_prior_arrests", 2, "many"), "people.csv, row 4, column cov_prior_arrests: a number"),
    ],
)
def test_bad_input_names_file_row_and_column_and_writes_nothing(tmp_path, edit, where):
    data = _write(tmp_path)
    people = pd.read_csv(data / "people.csv", dtype=str)
    edit(people).to_csv(data / "people.csv", index=False)
    out = tmp_path / "results.json"
    with pytest.raises(InputError) as refused:
        run(data, out)
    assert str(refused.value).startswith(where)
    assert not out.exists() and not list(tmp_path.glob(".evaluate-*"))


def test_parquet_files_are_read_like_csv(tmp_path):
    import duckdb

    data = _write(tmp_path)
    from_csv = run(data, tmp_path / "csv.json")
    for name in ("people", "events"):
        duckdb.read_csv(str(data / f"{name}.csv"), all_varchar=True).write_parquet(
            str(data / f"{name}.parquet")
        )
        (data / f"{name}.csv").unlink()
    assert run(data, tmp_path / "parquet.json") == from_csv


def test_an_event_of_an_unknown_type_or_person_is_named(tmp_path):
    data = _write(tmp_path)
    events = pd.read_csv(data / "events.csv", dtype=str)
    events.loc[3, "type"] = "parking_ticket"
    events.to_csv(data / "events.csv", index=False)
    with pytest.raises(InputError, match=r"events.csv, row 5, column type: must be one of"):
        load(data)


def test_the_command_line_exits_non_zero_on_bad_input_and_zero_with_the_file(tmp_path):
    data = _write(tmp_path)
    out = tmp_path / "results.json"
    command = [sys.executable, "-m", "leadline", "evaluate", "--data", str(data), "--out", str(out)]
    ok = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(out.read_text())["n"]["lead"] == 600
    (data / "events.csv").unlink()
    out.unlink()
    bad = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 1 and "events.csv" in bad.stderr and "nothing written" in bad.stderr
    assert not out.exists()


def test_empty_events_and_an_empty_monthly_file_give_sections_without_estimates(tmp_path):
    people = pd.DataFrame({"person_key": ["a", "b"], "group": ["lead", "comparison"],
                           "index_date": ["2024-01-01"] * 2, "followup_end": ["2025-06-01"] * 2,
                           "race": ["X"] * 2})  # fmt: skip
    people.to_csv(tmp_path / "people.csv", index=False)
    (tmp_path / "events.csv").write_text("person_key,date,type,quantity\n")
    (tmp_path / "monthly.csv").write_text("person_key,month,housed_permanent,sheltered,employed,income_any\n")
    result = run(tmp_path, tmp_path / "out.json")
    assert result["recidivism"]["windows"]["6m"]["lead"] == {"n": 1, "events": 0, "rate": 0.0}
    assert "did_or" not in result["recidivism"] and result["monthly"] == {}


def test_a_far_future_end_date_is_refused_not_read_as_millennia_of_follow_up(tmp_path):
    data = _write(tmp_path)
    people = pd.read_csv(data / "people.csv", dtype=str)
    people.loc[5, "followup_end"] = "9999-12-31"  # a "still followed" sentinel
    people.to_csv(data / "people.csv", index=False)
    with pytest.raises(InputError, match=r"^people.csv, row 7, column followup_end: a date as YYYY-MM-DD"):
        load(data)


def test_whitespace_around_values_is_ignored_and_the_row_numbers_survive_odd_columns(tmp_path):
    data = _write(tmp_path)
    events = pd.read_csv(data / "events.csv", dtype=str)
    events.loc[0, "type"] = "arrest\t"  # a tab left by a spreadsheet
    events["__row"] = "x"  # unknown columns are ignored, whatever their names
    events.to_csv(data / "events.csv", index=False)
    assert len(load(data)["events"]) == len(events)
    events.loc[6, "quantity"] = "1_000"
    events.to_csv(data / "events.csv", index=False)
    with pytest.raises(InputError, match=r"^events.csv, row 8, column quantity: a number"):
        load(data)


def test_parquet_numbers_that_are_not_numbers_are_refused(tmp_path):
    import duckdb

    data = _write(tmp_path)
    events = pd.read_csv(data / "events.csv")
    events["file_row_number"] = 7  # a column DuckDB would otherwise add itself
    events["bad"] = events.index == 3
    con = duckdb.connect()
    con.register("ev", events)
    # A typed column holding NaN (a pandas NaN would arrive as an empty value).
    nan = "CASE WHEN bad THEN CAST('NaN' AS DOUBLE) ELSE quantity END AS quantity"
    con.execute(f"COPY (SELECT * EXCLUDE (bad) REPLACE ({nan}) FROM ev) TO '{data / 'events.parquet'}'")
    (data / "events.csv").unlink()
    with pytest.raises(InputError, match=r"^events.parquet, row 5, column quantity: a number"):
        load(data)


def test_a_password_in_a_url_like_data_argument_is_never_shown(tmp_path):
    with pytest.raises(InputError) as refused:
        load("postgresql+psycopg://reader:s3cret@warehouse/db")
    assert "s3cret" not in str(refused.value) and "reader:***@" in str(refused.value)
