"""The engine on a PostgreSQL warehouse (issue #6, item 6): the same reference data in PostgreSQL tables
give the same results as from files (the data work is the same SQL, run in the warehouse), and bad
values are refused naming the table, the column and the first offending key.

Uses a schema of its own in $LEADLINE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/
postgres), created and dropped here; skipped with the reason only when no PostgreSQL answers, and failing
instead when the suite itself runs on PostgreSQL (DATABASE_URL=postgres...), as CI's second run does."""

from __future__ import annotations

import io
import math
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from leadline.evidence.engine import run
from leadline.evidence.inputs import InputError
from leadline.evidence.tests.test_evaluate import _write

psycopg = pytest.importorskip("psycopg")

SERVER = os.environ.get("LEADLINE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TYPES = {"index_date": "date", "followup_end": "date", "date": "date", "quantity": "numeric"}


@pytest.fixture
def schema() -> Iterator[tuple[Any, str]]:
    try:
        con = psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        reason = f"no PostgreSQL at LEADLINE_TEST_POSTGRES_URL: {exc}".split("\n")[0]
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail(f"{reason}; the suite runs on PostgreSQL, so these tests must too")
        pytest.skip(reason)
    name = f"leadline_evidence_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    con.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield con, name
    finally:
        con.execute(f'DROP SCHEMA "{name}" CASCADE')
        con.close()


def _table(
    con: Any, schema: str, name: str, frame: pd.DataFrame, types: dict[str, str] | None = None
) -> None:
    types = {**TYPES, **(types or {})}
    columns = ", ".join(
        f'"{c}" {types.get(c, "double precision" if c.startswith("cov_") else "text")}' for c in frame.columns
    )
    con.execute(f'CREATE TABLE "{schema}"."{name}" ({columns})')
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    with con.cursor().copy(f'COPY "{schema}"."{name}" FROM STDIN WITH (FORMAT csv, HEADER true)') as copy:
        copy.write(buffer.getvalue())


def _url(schema: str) -> str:
    sep = "&" if "?" in SERVER else "?"
    return f"{SERVER}{sep}schema={schema}"


def _close(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for key in a:
            _close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (path, a, b)
    else:
        assert a == b, (path, a, b)


def test_the_warehouse_gives_what_the_files_give(tmp_path: Path, schema: tuple[Any, str]) -> None:
    con, name = schema
    folder = _write(tmp_path)
    from_files = run(folder, tmp_path / "files.json")
    for table in ("people", "events"):
        _table(con, name, table, pd.read_csv(folder / f"{table}.csv", dtype=str))
    from_warehouse = run(_url(name), tmp_path / "warehouse.json")
    assert from_files["n"] == {"lead": 600, "comparison": 600}
    _close(from_warehouse, from_files)


def test_a_bad_value_in_the_warehouse_names_table_column_and_key(
    tmp_path: Path, schema: tuple[Any, str]
) -> None:
    con, name = schema
    folder = _write(tmp_path)
    people = pd.read_csv(folder / "people.csv", dtype=str)
    people.loc[7, "group"] = "control"
    _table(con, name, "people", people)
    _table(con, name, "events", pd.read_csv(folder / "events.csv", dtype=str))
    out = tmp_path / "out.json"
    with pytest.raises(InputError) as refused:
        run(_url(name), out)
    key = people.loc[7, "person_key"]
    assert (
        str(refused.value)
        == f"{name}.people, column group: must be one of lead, comparison (first at person_key {key})"
    )
    assert not out.exists()


def test_text_that_is_not_a_date_names_the_column(tmp_path: Path, schema: tuple[Any, str]) -> None:
    con, name = schema
    folder = _write(tmp_path)
    people = pd.read_csv(folder / "people.csv", dtype=str)
    people.loc[3, "followup_end"] = "soon"
    _table(con, name, "people", people, {"followup_end": "text"})
    _table(con, name, "events", pd.read_csv(folder / "events.csv", dtype=str))
    with pytest.raises(InputError, match=rf"^{name}\.people, column followup_end: a date as YYYY-MM-DD"):
        run(_url(name), tmp_path / "out.json")


def test_a_missing_table_is_named(tmp_path: Path, schema: tuple[Any, str]) -> None:
    _con, name = schema
    with pytest.raises(InputError, match=rf"^{name}\.people: required table is missing"):
        run(_url(name), tmp_path / "out.json")


def test_text_dates_must_be_iso_whatever_the_servers_date_style(
    tmp_path: Path, schema: tuple[Any, str]
) -> None:
    con, name = schema
    folder = _write(tmp_path)
    people = pd.read_csv(folder / "people.csv", dtype=str)
    people.loc[2, "index_date"] = "03/04/2024"  # March or April? Not a contract date.
    _table(con, name, "people", people, {"index_date": "text"})
    _table(con, name, "events", pd.read_csv(folder / "events.csv", dtype=str))
    with pytest.raises(InputError, match=rf"^{name}\.people, column index_date: a date as YYYY-MM-DD"):
        run(_url(name), tmp_path / "out.json")


def test_a_column_of_the_wrong_type_is_named_not_a_crash(tmp_path: Path, schema: tuple[Any, str]) -> None:
    con, name = schema
    folder = _write(tmp_path)
    _table(con, name, "people", pd.read_csv(folder / "people.csv", dtype=str))
    events = pd.read_csv(folder / "events.csv", dtype=str)
    events["quantity"] = "true"
    _table(con, name, "events", events, {"quantity": "boolean"})
    with pytest.raises(InputError, match=rf"^{name}\.events, column quantity: a number"):
        run(_url(name), tmp_path / "out.json")
