"""Data in: partners' extracts mapped to the contract, rejected rows reported with their reason, and a run
that is interrupted resumes where it stopped."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from leadline.evidence import prepare as prep
from leadline.evidence.inputs import load

PEOPLE = """ID,COHORT,IDX,END,ETH,PRIORS
A1,L,03/01/2024,12/31/2025,B,2
A2,L,03/05/2024,12/31/2025,W,0
A3,C,13/45/2024,12/31/2025,W,1
A4,C,04/01/2024,12/31/2025,H,x
A2,C,04/01/2024,12/31/2025,W,3
A5,C,04/02/2024,12/31/2025,W,1
"""
EVENTS = """WHO,WHEN,WHAT,QTY
A1,05/01/2024,ARR,1
A2,06/01/2024,BOOK,1
A9,06/01/2024,ARR,1
A5,07/01/2024,JAIL,4
A5,07/02/2024,PARKING,1
"""


def _mapping(folder: Path) -> Path:
    (folder / "raw").mkdir()
    (folder / "raw" / "cohort.csv").write_text(PEOPLE)
    (folder / "raw" / "events.csv").write_text(EVENTS)
    mapping = {
        "people": {"source": "raw/cohort.csv", "date_format": "%m/%d/%Y",
                   "columns": {"person_key": "ID", "group": "COHORT", "index_date": "IDX",
                               "followup_end": "END", "race": "ETH", "cov_priors": "PRIORS"},
                   "values": {"group": {"L": "lead", "C": "comparison"},
                              "race": {"B": "Black", "W": "White", "H": "Hispanic"}}},
        "events": {"source": "raw/events.csv", "date_format": "%m/%d/%Y",
                   "columns": {"person_key": "WHO", "date": "WHEN", "type": "WHAT", "quantity": "QTY"},
                   "values": {"type": {"ARR": "arrest", "BOOK": "booking", "JAIL": "jail_days"}}},
    }  # fmt: skip
    path = folder / "mapping.json"
    path.write_text(json.dumps(mapping))
    return path


def test_prepare_maps_keeps_the_good_rows_and_reports_the_rest(tmp_path):
    out = tmp_path / "contract"
    stream = io.StringIO()
    report = prep.prepare(_mapping(tmp_path), out, chunk=2, stream=stream)
    assert report["people"] == {"read": 6, "kept": 3, "rejected": 3, "reasons": {
        "index_date: a date as %m/%d/%Y": 1, "cov_priors: a number (covariates may not be empty)": 1,
        "person_key: appears twice (the first is kept)": 1,
    }}  # fmt: skip
    assert report["events"]["kept"] == 3 and report["events"]["rejected"] == 2
    rejected = list(csv.DictReader((out / "rejected" / "events.csv").open()))
    assert [(r["source_row"], r["column"]) for r in rejected] == [("4", "person_key"), ("6", "type")]
    assert "names nobody in people" in rejected[0]["reason"]
    assert json.loads((out / "validation-report.json").read_text()) == report
    data = load(out)  # the engine accepts what prepare wrote
    assert list(data["people"]["person_key"]) == ["A1", "A2", "A5"]
    assert list(data["people"]["race"]) == ["Black", "White", "White"]
    assert data["people"]["cov_priors"].tolist() == [2.0, 0.0, 1.0]
    assert "people: 6 rows read, 3 rejected" in stream.getvalue()  # the progress, chunk by chunk


def test_an_interrupted_run_resumes_after_its_last_finished_chunk(tmp_path, monkeypatch):
    mapping = _mapping(tmp_path)
    out = tmp_path / "contract"
    real = prep._map
    calls = {"n": 0}

    def flaky(frame, spec, name):
        calls["n"] += 1
        if name == "events" and calls["n"] == 5:
            raise KeyboardInterrupt  # the machine went down in the middle of events
        return real(frame, spec, name)

    monkeypatch.setattr(prep, "_map", flaky)
    with pytest.raises(KeyboardInterrupt):
        prep.prepare(mapping, out, chunk=2, stream=io.StringIO())
    state = json.loads((out / ".prepare" / "state.json").read_text())
    assert state["people"]["complete"] and state["events"]["read"] == 2 and not state["events"]["complete"]
    assert (out / "people.csv").exists() and not (out / "events.csv").exists()  # only complete files appear
    monkeypatch.setattr(prep, "_map", real)
    seen: list[int] = []
    original = prep._source_rows

    def counting(source, chunk, skip):
        seen.append(skip)
        return original(source, chunk, skip)

    monkeypatch.setattr(prep, "_source_rows", counting)
    report = prep.prepare(mapping, out, chunk=2, stream=io.StringIO())
    assert seen == [2]  # people was not read again; events resumed after its first two rows
    assert report["events"] == {"read": 5, "kept": 3, "rejected": 2, "reasons": report["events"]["reasons"]}
    assert len(list(csv.DictReader((out / "events.csv").open()))) == 3


def test_a_mapping_that_names_a_missing_source_column_is_refused(tmp_path):
    mapping = _mapping(tmp_path)
    spec = json.loads(mapping.read_text())
    spec["events"]["columns"]["quantity"] = "AMOUNT"
    mapping.write_text(json.dumps(spec))
    with pytest.raises(prep.MappingError, match="no column 'AMOUNT'"):
        prep.prepare(mapping, tmp_path / "contract", stream=io.StringIO())


def test_a_source_may_be_a_duckdb_query_over_files_beside_the_mapping(tmp_path, monkeypatch):
    mapping = _mapping(tmp_path)
    spec = json.loads(mapping.read_text())
    spec["events"]["source"] = {
        "duckdb": "SELECT * FROM read_csv('raw/events.csv', all_varchar = true) WHERE WHAT <> 'PARKING';",
        "order_by": ["WHO", "WHEN"],  # together unique
    }
    mapping.write_text(json.dumps(spec))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # paths in the query are relative to the mapping
    report = prep.prepare(mapping, tmp_path / "contract", chunk=2, stream=io.StringIO())
    assert report["events"] == {"read": 4, "kept": 3, "rejected": 1,
                                "reasons": {"person_key: names nobody in people": 1}}  # fmt: skip
    rejected = list(csv.DictReader((tmp_path / "contract" / "rejected" / "events.csv").open()))
    assert [(r["source_row"], r["column"]) for r in rejected] == [("5", "person_key")]  # A9 is 4th by WHO
    events = list(csv.DictReader((tmp_path / "contract" / "events.csv").open()))
    assert [e["person_key"] for e in events] == ["A1", "A2", "A5"]
