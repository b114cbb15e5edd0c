"""The same preparation from a PostgreSQL warehouse (issue #6, item 6): a partner's extract loaded into a
table gives exactly what the same extract gives as a CSV file (kept rows, rejected rows with the same
source row numbers, the same report), an interrupted run resumes after its last finished chunk, and the
mistakes an operator makes (no URL, a wrong one, a missing table or column, no order_by) are said plainly
without the password.

The tests that need a server use a schema of their own (``leadline_prepare_test_<random>``) in the
database at $LEADLINE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres), created and
dropped here, never pytest-django's test database; they are skipped, with the reason, only when no
PostgreSQL answers (and fail instead when the suite itself runs on PostgreSQL: DATABASE_URL=postgres...)."""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadline.evidence import prepare as prep
from leadline.evidence.tests.test_prepare import EVENTS, PEOPLE, _mapping

psycopg = pytest.importorskip("psycopg")
from psycopg import sql  # noqa: E402

SERVER = os.environ.get("LEADLINE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PEOPLE_COLUMNS = ["ID", "COHORT", "IDX", "END", "ETH", "PRIORS"]
EVENT_COLUMNS = ["WHO", "WHEN", "WHAT", "QTY"]


class Warehouse:
    def __init__(self, url: str, schema: str, con: Any):
        self.url, self.schema, self.con = url, schema, con

    def table(self, name: str) -> str:
        return f"{self.schema}.{name}"

    def load_csv(self, name: str, text: str, columns: list[str], types: dict[str, str]) -> None:
        """A table with the CSV's columns (quoted, so their case is kept) plus "ROW", the file's order."""
        ident = sql.Identifier(self.schema, name)
        self.con.execute(
            sql.SQL('CREATE TABLE {} ("ROW" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {})').format(
                ident,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types.get(c, "text"))) for c in columns
                ),
            )
        )
        copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)").format(
            ident, sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self.con.cursor().copy(copy) as cp:
            cp.write(text)


def _redacted(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        return "(unreadable URL)"
    return (
        f"{params.get('user', '')}@{params.get('host', '')}:{params.get('port', '')}/{params.get('dbname')}"
    )


@pytest.fixture
def warehouse() -> Iterator[Warehouse]:
    try:
        con = psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        reason = f"no PostgreSQL at {_redacted(SERVER)} (LEADLINE_TEST_POSTGRES_URL): {exc}".split("\n")[0]
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail(f"{reason}; the suite runs on PostgreSQL (DATABASE_URL), so these tests must too")
        pytest.skip(reason)
    schema = f"leadline_prepare_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"  # unique per process and test
    try:
        con.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        yield Warehouse(SERVER, schema, con)
    finally:
        con.execute("SET lock_timeout = '10s'")  # never hang on a connection a failed test left open
        con.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        con.close()


def _from_warehouse(mapping: Path, wh: Warehouse, *, query: bool = True) -> Path:
    """The mapping of test_prepare with people read from a table and events from a query."""
    spec = json.loads(mapping.read_text())
    spec["people"]["source"] = {"postgres": wh.table("cohort"), "order_by": "ROW"}
    select = f'SELECT * FROM {wh.schema}.events WHERE "QTY" IS NOT NULL;'
    spec["events"]["source"] = (
        {"postgres_query": select, "order_by": ["ROW"]}
        if query
        else {"postgres": wh.table("events"), "order_by": "ROW"}
    )
    path = mapping.parent / "warehouse.json"
    path.write_text(json.dumps(spec))
    return path


def _load_extract(wh: Warehouse) -> None:
    wh.load_csv("cohort", PEOPLE, PEOPLE_COLUMNS, {})
    wh.load_csv("events", EVENTS, EVENT_COLUMNS, {"QTY": "integer"})  # an integer comes back as text


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".prepare" not in p.parts
    }


def test_a_warehouse_table_and_query_give_what_the_same_extract_gives_as_csv(tmp_path, warehouse):
    _load_extract(warehouse)
    mapping = _mapping(tmp_path)
    from_files = prep.prepare(mapping, tmp_path / "files", chunk=2, stream=io.StringIO())
    stream = io.StringIO()
    from_pg = prep.prepare(
        _from_warehouse(mapping, warehouse),
        tmp_path / "pg",
        chunk=2,
        stream=stream,
        database_url=warehouse.url,
    )
    assert from_pg == from_files
    assert _files(tmp_path / "pg") == _files(tmp_path / "files")  # contract files, rejected rows, report
    rejected = list(csv.DictReader((tmp_path / "pg" / "rejected" / "people.csv").open()))
    assert [(r["source_row"], r["column"]) for r in rejected] == [
        ("4", "index_date"), ("5", "cov_priors"), ("6", "person_key"),
    ]  # fmt: skip
    people = list(csv.DictReader((tmp_path / "pg" / "people.csv").open()))
    assert [p["person_key"] for p in people] == ["A1", "A2", "A5"]
    assert "events: 5 rows read, 2 rejected" in stream.getvalue()


def test_the_url_may_come_from_the_environment(tmp_path, warehouse, monkeypatch):
    _load_extract(warehouse)
    monkeypatch.setenv("LEADLINE_WAREHOUSE_URL", warehouse.url)
    mapping = _from_warehouse(_mapping(tmp_path), warehouse, query=False)
    report = prep.prepare(mapping, tmp_path / "pg", chunk=100, stream=io.StringIO())
    assert report["events"]["read"] == 5 and report["people"]["kept"] == 3


def test_an_interrupted_warehouse_run_resumes_after_its_last_finished_chunk(tmp_path, warehouse, monkeypatch):
    _load_extract(warehouse)
    files = _mapping(tmp_path)
    prep.prepare(files, tmp_path / "files", chunk=2, stream=io.StringIO())
    mapping = _from_warehouse(files, warehouse)
    out = tmp_path / "pg"
    real = prep._map
    calls = {"n": 0}

    def flaky(frame, spec, name):
        calls["n"] += 1
        if name == "events" and calls["n"] == 5:
            raise KeyboardInterrupt  # the machine went down in the middle of events
        return real(frame, spec, name)

    monkeypatch.setattr(prep, "_map", flaky)
    with pytest.raises(KeyboardInterrupt):
        prep.prepare(mapping, out, chunk=2, stream=io.StringIO(), database_url=warehouse.url)
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
    report = prep.prepare(mapping, out, chunk=2, stream=io.StringIO(), database_url=warehouse.url)
    assert seen == [2]  # people was not read again; events resumed after its first two rows
    assert report["events"] == {"read": 5, "kept": 3, "rejected": 2, "reasons": report["events"]["reasons"]}
    assert _files(out) == _files(tmp_path / "files")  # as if it had never stopped


def test_typed_columns_come_back_as_text_and_a_query_may_join(tmp_path, warehouse, monkeypatch):
    wh = warehouse
    wh.load_csv("cohort", PEOPLE, PEOPLE_COLUMNS, {})
    wh.con.execute(
        sql.SQL(
            "CREATE TABLE {codes} (code text PRIMARY KEY, label text);"
            "INSERT INTO {codes} VALUES ('ARR', 'arrest'), ('JAIL', 'jail_days');"
            "CREATE TABLE {ev} (event_id integer PRIMARY KEY, who text, happened date, code text,"
            " days numeric(5,1), flagged boolean);"
            "INSERT INTO {ev} VALUES (2, 'A5', '2024-07-01', 'JAIL', 4.0, true),"
            " (1, 'A1', '2024-05-01', 'ARR', 1, false)"
        ).format(codes=sql.Identifier(wh.schema, "codes"), ev=sql.Identifier(wh.schema, "events_typed"))
    )
    # a server whose dates read 01/05/2024 by default: prepare asks for ISO dates itself
    url = wh.url + ("&" if "?" in wh.url else "?") + "options=-c%20DateStyle%3DSQL%2CDMY"
    mapping = json.loads(_mapping(tmp_path).read_text())
    mapping["people"]["source"] = {"postgres": wh.table("cohort"), "order_by": "ROW"}
    join = (
        "SELECT e.event_id, e.who, e.happened, c.label, e.days, e.flagged "
        f"FROM {wh.schema}.events_typed e JOIN {wh.schema}.codes c USING (code) -- a comment at the end"
    )
    mapping["events"] = {
        "source": {"postgres_query": join, "order_by": "event_id"},
        "columns": {"person_key": "who", "date": "happened", "type": "label", "quantity": "days"},
    }  # fmt: skip
    path = tmp_path / "typed.json"
    path.write_text(json.dumps(mapping))
    seen: list[list[Any]] = []
    real = prep._map

    def spy(frame, spec, name):
        if name == "events":
            seen.extend(frame.astype(object).values.tolist())
        return real(frame, spec, name)

    monkeypatch.setattr(prep, "_map", spy)
    report = prep.prepare(path, tmp_path / "pg", chunk=10, stream=io.StringIO(), database_url=url)
    assert seen == [
        ["1", "A1", "2024-05-01", "arrest", "1.0", "f"],
        ["2", "A5", "2024-07-01", "jail_days", "4.0", "t"],
    ]
    assert report["events"] == {"read": 2, "kept": 2, "rejected": 0, "reasons": {}}
    events = list(csv.DictReader((tmp_path / "pg" / "events.csv").open()))
    assert [(e["person_key"], e["date"], e["type"], e["quantity"]) for e in events] == [
        ("A1", "2024-05-01", "arrest", "1.0"), ("A5", "2024-07-01", "jail_days", "4.0"),
    ]  # fmt: skip


def test_a_missing_table_or_column_is_said_plainly(tmp_path, warehouse):
    _load_extract(warehouse)
    base = _from_warehouse(_mapping(tmp_path), warehouse, query=False)
    spec = json.loads(base.read_text())

    def run(change: dict[str, Any]) -> None:
        changed = json.loads(json.dumps(spec))
        changed["events"]["source"] = change
        base.write_text(json.dumps(changed))
        prep.prepare(base, tmp_path / "pg", stream=io.StringIO(), database_url=warehouse.url)

    with pytest.raises(
        prep.MappingError, match=r"PostgreSQL table .*\.nothing: .*does not exist.*schema\.table"
    ):
        run({"postgres": warehouse.table("nothing"), "order_by": "ROW"})
    with pytest.raises(prep.MappingError, match=r"column leadline_source\.row does not exist.*order_by"):
        run({"postgres": warehouse.table("events"), "order_by": "row"})  # names are exact: "ROW"
    with pytest.raises(prep.MappingError, match=r"no column 'WHO' \(for person_key\); it has ROW, who"):
        select = f'SELECT "ROW", "WHO" AS who FROM {warehouse.schema}.events'
        run({"postgres_query": select, "order_by": "ROW"})


def test_names_are_quoted_never_pasted_into_sql(tmp_path, warehouse):
    _load_extract(warehouse)
    mapping = _from_warehouse(_mapping(tmp_path), warehouse, query=False)
    spec = json.loads(mapping.read_text())
    spec["events"]["source"] = {
        "postgres": f'{warehouse.schema}.events"; DROP TABLE x; --',
        "order_by": "ROW",
    }
    mapping.write_text(json.dumps(spec))
    with pytest.raises(prep.MappingError, match="does not exist"):
        prep.prepare(mapping, tmp_path / "pg", stream=io.StringIO(), database_url=warehouse.url)
    spec["events"]["source"] = {"postgres": warehouse.table("events"), "order_by": ['ROW" DESC, "WHO']}
    mapping.write_text(json.dumps(spec))
    with pytest.raises(prep.MappingError, match="does not exist"):
        prep.prepare(mapping, tmp_path / "pg2", stream=io.StringIO(), database_url=warehouse.url)


def test_the_warehouse_is_read_in_a_read_only_transaction(tmp_path, warehouse):
    _load_extract(warehouse)
    warehouse.con.execute(sql.SQL("CREATE SEQUENCE {}").format(sql.Identifier(warehouse.schema, "counter")))
    mapping = _from_warehouse(_mapping(tmp_path), warehouse)
    spec = json.loads(mapping.read_text())
    spec["events"]["source"]["postgres_query"] = (
        f"SELECT e.*, nextval('{warehouse.schema}.counter') AS n FROM {warehouse.schema}.events e"
    )
    mapping.write_text(json.dumps(spec))
    with pytest.raises(prep.MappingError, match="read-only transaction"):
        prep.prepare(mapping, tmp_path / "pg", stream=io.StringIO(), database_url=warehouse.url)


# Without a server: the mapping and the URL.


def test_a_warehouse_source_without_a_database_url_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("LEADLINE_WAREHOUSE_URL", raising=False)
    mapping = _from_warehouse(_mapping(tmp_path), Warehouse("", "warehouse", None))
    with pytest.raises(
        prep.MappingError,
        match=r"people, events read\(s\) from PostgreSQL: give --database-url or set LEADLINE_WAREHOUSE_URL",
    ):
        prep.prepare(mapping, tmp_path / "pg", stream=io.StringIO())
    assert not (tmp_path / "pg").exists()  # said before any work


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://leadline:s3cr%3Bet@127.0.0.1:1/warehouse",
            r"cannot connect to postgres://leadline@127\.0\.0\.1:1/warehouse",
        ),
        ("postgres://leadline:s3cr;et@127.0.0.1:port/warehouse", "cannot connect to postgres://leadline@127"),
        ("host=127.0.0.1 password=s3cr;et junk", "the database URL cannot be read"),
    ],
)
def test_a_url_that_does_not_connect_is_said_without_its_password(tmp_path, url, expected):
    mapping = _from_warehouse(_mapping(tmp_path), Warehouse(url, "warehouse", None))
    with pytest.raises(prep.MappingError, match=expected) as excinfo:
        prep.prepare(mapping, tmp_path / "pg", stream=io.StringIO(), database_url=url)
    assert "s3cr" not in str(excinfo.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"postgres": "warehouse.events"}, "events's source needs order_by"),
        ({"postgres": "warehouse.events", "order_by": []}, "needs order_by"),
        ({"postgres_query": "SELECT 1", "order_by": [1]}, "needs order_by"),
        ({"postgres": "a.b.c", "order_by": "id"}, "'a.b.c' is not a table or schema.table"),
        ({"postgres": "", "order_by": "id"}, "must be a non-empty string"),
        (
            {"table": "events", "order_by": "id"},
            "needs one of postgres, postgres_query, duckdb, and order_by, not table",
        ),
        ({"postgres": "e", "postgres_query": "SELECT 1", "order_by": "id"}, "needs one of"),
        (["raw/events.csv"], "is a file path or an object"),
    ],
)
def test_a_warehouse_source_must_say_what_and_in_which_order(tmp_path, source, expected):
    mapping = _mapping(tmp_path)
    spec = json.loads(mapping.read_text())
    spec["events"]["source"] = source
    mapping.write_text(json.dumps(spec))
    with pytest.raises(prep.MappingError, match=expected):
        prep.prepare(
            mapping, tmp_path / "out", stream=io.StringIO(), database_url="postgres://nobody@127.0.0.1:1/x"
        )
    assert not (tmp_path / "out" / "people.csv").exists()


def test_the_repr_of_a_source_never_shows_the_url():
    source = prep.QuerySource("postgres", "s.t", ("id",), Path(), "postgres://u:s3cret@h/db")
    assert "s3cret" not in repr(source) and "s3cret" not in str(source)
