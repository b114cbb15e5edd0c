"""Reading the contract's input files (EVIDENCE-DATA.md): CSV or Parquet, read by DuckDB, every value
checked. A missing required column or a bad value is an InputError naming the file, the row (1 is the
header, so the first data row is 2) and the column; unknown columns are ignored.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd


class InputError(Exception):
    def __init__(self, file: str, row: int | None, column: str | None, message: str):
        where = file + (f", row {row}" if row is not None else "") + (f", column {column}" if column else "")
        super().__init__(f"{where}: {message}")
        self.file, self.row, self.column = file, row, column


@dataclass(frozen=True)
class Col:
    name: str
    kind: str  # "text", "date", "number", "int", "binary", or "enum"
    required: bool = True
    choices: tuple[str, ...] = ()


EVENT_TYPES = (
    "arrest", "felony_charge", "charge", "case_filed", "booking", "jail_days", "prison_days",
    "ems_transport", "ed_visit",
)  # fmt: skip

SCHEMAS: dict[str, list[Col]] = {
    "people": [
        Col("person_key", "text"), Col("group", "enum", choices=("lead", "comparison")),
        Col("index_date", "date"), Col("followup_end", "date"), Col("race", "text"),
        Col("sex", "text", required=False),
        Col("birth_year", "int", required=False),
    ],
    "events": [
        Col("person_key", "text"), Col("date", "date"), Col("type", "enum", choices=EVENT_TYPES),
        Col("quantity", "number"),
    ],
    "monthly": [
        Col("person_key", "text"), Col("month", "int"), Col("housed_permanent", "binary"),
        Col("sheltered", "binary"), Col("employed", "binary"), Col("income_any", "binary"),
    ],
    "encounters": [
        Col("encounter_key", "text"), Col("date", "date"), Col("race", "text"),
        Col("outcome", "enum", choices=("diverted", "arrested")), Col("charge_filed", "binary"),
        Col("detained", "binary"),
    ],
    "population": [Col("race", "text"), Col("residents", "int")],
    "unit_costs": [
        Col("item", "text"), Col("dollars", "number"), Col("dollar_year", "int"), Col("source", "text"),
    ],
}  # fmt: skip
REQUIRED_FILES = ("people", "events")


Problem = tuple[int, str, str]  # (position in the frame, column, message)


def validate(frame: pd.DataFrame, schema: list[Col]) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Typed values, every problem found (each row's, not only the first), and the required columns
    that are missing altogether."""
    out = pd.DataFrame(index=frame.index)
    problems: list[Problem] = []
    missing: list[str] = []

    def flag(mask: Any, column: str, message: str) -> None:
        for i in np.flatnonzero(np.asarray(mask)):
            problems.append((int(i), column, message))

    for col in schema:
        if col.name not in frame.columns:
            if col.required:
                missing.append(col.name)
            continue
        text = frame[col.name].astype("string").str.strip()
        empty = (text.isna() | (text == "")).to_numpy()
        if col.required:
            flag(empty, col.name, "a value is required")
        if col.kind in ("text", "enum"):
            if col.kind == "enum":
                flag(
                    ~empty & ~text.isin(col.choices).to_numpy(),
                    col.name,
                    f"must be one of {', '.join(col.choices)}",
                )
            out[col.name] = text.where(~empty, None)
        elif col.kind == "date":
            parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
            flag(~empty & parsed.isna().to_numpy(), col.name, "a date as YYYY-MM-DD")
            out[col.name] = parsed
        else:
            number = pd.to_numeric(text, errors="coerce")
            bad = ~empty & number.isna().to_numpy()
            flag(bad, col.name, "a number")
            ok = ~empty & ~bad
            values = number.to_numpy(dtype=float, na_value=np.nan)
            if col.kind in ("int", "binary"):
                flag(ok & (np.nan_to_num(values) % 1 != 0), col.name, "a whole number")
            if col.kind == "binary":
                flag(ok & ~np.isin(values, [0, 1]), col.name, "0 or 1")
            if col.name in ("quantity", "residents", "dollars"):
                flag(ok & (np.nan_to_num(values) < 0), col.name, "cannot be negative")
            out[col.name] = number
    if schema is SCHEMAS["people"]:
        for name in frame.columns:  # the propensity model's covariates
            if name.startswith("cov_"):
                number = pd.to_numeric(frame[name].astype("string").str.strip(), errors="coerce")
                flag(number.isna().to_numpy(), name, "a number (covariates may not be empty)")
                out[name] = number.astype(float)
    problems.sort()
    return out, problems, missing


NEGATIVE_NOT_ALLOWED = ("quantity", "residents", "dollars")
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
                 "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")  # fmt: skip


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Dates the old pandas check accepted (its timestamps span 1677-2262): a sentinel such as 9999-12-31 for
# "still followed" is refused, not read as eight thousand years of follow-up.
DATE_RANGE = ("1678-01-01", "2261-12-31")


def _text(raw: str) -> str:
    """The value as text without surrounding whitespace (tabs, line ends and Unicode spaces too, like
    Python's str.strip), or NULL when nothing is left."""
    return f"NULLIF(TRIM(regexp_replace(CAST({raw} AS VARCHAR), '^\\s+|\\s+$', '', 'g')), '')"


def _column(col: Col, source_type: str) -> tuple[str, list[tuple[str, str]]]:
    """The typed SQL expression of one contract column and its checks: (condition that is true on a bad
    row, message) — the same messages as ``validate``."""
    raw = _q(col.name)
    text = _text(raw)
    checks: list[tuple[str, str]] = []
    if col.kind in ("text", "enum"):
        typed, present = text, f"{text} IS NOT NULL"
        if col.kind == "enum":
            choices = ", ".join(_lit(c) for c in col.choices)
            checks.append(
                (f"{present} AND {text} NOT IN ({choices})", f"must be one of {', '.join(col.choices)}")
            )
    elif col.kind == "date":
        if source_type == "DATE" or source_type.startswith("TIMESTAMP"):
            typed, present = f"CAST({raw} AS DATE)", f"{raw} IS NOT NULL"
        else:
            typed, present = f"CAST(TRY_STRPTIME({text}, '%Y-%m-%d') AS DATE)", f"{text} IS NOT NULL"
            checks.append((f"{present} AND {typed} IS NULL", "a date as YYYY-MM-DD"))
        lo, hi = DATE_RANGE
        checks.append((f"{typed} NOT BETWEEN DATE '{lo}' AND DATE '{hi}'", "a date as YYYY-MM-DD"))
    else:
        if source_type.split("(")[0] in NUMERIC_TYPES:
            typed, present = f"CAST({raw} AS DOUBLE)", f"{raw} IS NOT NULL"
            checks.append((f"{present} AND (isnan({typed}) OR isinf({typed}))", "a number"))
        else:
            typed, present = f"TRY_CAST({text} AS DOUBLE)", f"{text} IS NOT NULL"
            plain = "'^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$'"
            checks.append((
                f"{present} AND ({typed} IS NULL OR isnan({typed}) OR isinf({typed}) "
                f"OR NOT regexp_full_match({text}, {plain}))", "a number",
            ))  # fmt: skip
        ok = f"{present} AND {typed} IS NOT NULL AND NOT isnan({typed}) AND NOT isinf({typed})"
        if col.kind in ("int", "binary"):
            checks.append((f"{ok} AND {typed} <> floor({typed})", "a whole number"))
        if col.kind == "binary":
            checks.append((f"{ok} AND {typed} NOT IN (0, 1)", "0 or 1"))
        if col.name in NEGATIVE_NOT_ALLOWED:
            checks.append((f"{ok} AND {typed} < 0", "cannot be negative"))
    if col.required:
        checks.append((f"NOT ({present})", "a value is required"))
    return typed, checks


class Dataset:
    """The contract's inputs, checked and typed, as tables of one DuckDB database (in memory, spilling to
    disk past ``memory_limit``): the data work happens there, not in pandas, so ten million events never
    become Python objects. ``tables`` names the files that were present; ``covariates`` the cov_* columns
    of people."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: set[str], covariates: list[str]):
        self.con, self.tables, self.covariates = con, tables, covariates

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def sql(self, query: str) -> pd.DataFrame:
        return self.con.execute(query).df()

    def frame(self, name: str) -> pd.DataFrame:
        """A whole table, typed, in the file's row order (for small tables and tests)."""
        if name not in self.tables:
            raise KeyError(name)
        return self.sql(f"SELECT * EXCLUDE (__leadline_row) FROM {name} ORDER BY __leadline_row")

    __getitem__ = frame

    def close(self) -> None:
        _close(self.con)

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> Dataset:
        """Data already in pandas (the reference tests, the site's own export): checked like files."""
        con = _connect()
        for name, frame in frames.items():
            con.register(f"frame_{name}", frame)
            con.execute(f"CREATE TABLE raw_{name} AS SELECT * FROM frame_{name}")
            con.unregister(f"frame_{name}")
            con.execute(f"CREATE VIEW rawv_{name} AS SELECT *, rowid AS __leadline_row FROM raw_{name}")
        return _ingest(con, set(frames), {name: f"{name}.csv" for name in frames})


def _connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that spills past ``LEADLINE_EVIDENCE_MEMORY`` (default 2 GB) into a folder of
    its own (removed on close), in UTC so a timestamp with a zone becomes the same date on any machine."""
    import os
    import tempfile

    spill = tempfile.mkdtemp(prefix="leadline-duckdb-")
    con = duckdb.connect(config={
        "memory_limit": os.environ.get("LEADLINE_EVIDENCE_MEMORY", "2GB"),
        "temp_directory": spill,
        "preserve_insertion_order": True,
    })  # fmt: skip
    # Time zones come with the ICU extension (built in); without it timestamps are read as UTC anyway.
    with contextlib.suppress(duckdb.Error):
        con.execute("SET TimeZone = 'UTC'")
    _SPILL[id(con)] = spill
    return con


_SPILL: dict[int, str] = {}


def _close(con: duckdb.DuckDBPyConnection) -> None:
    import shutil

    con.close()
    spill = _SPILL.pop(id(con), None)
    if spill:
        shutil.rmtree(spill, ignore_errors=True)


def load(data: Path | str) -> Any:
    """Every input present in ``data`` (a folder, or a PostgreSQL URL: warehouse.py), checked; absent
    optional files are simply not in the result."""
    from leadline.evidence import warehouse  # warehouse checks against this module's schemas

    if warehouse.is_url(data):
        return warehouse.load(str(data))
    data = Path(data)
    if not data.is_dir():
        shown = warehouse.redacted(str(data))
        if "://" in shown:
            raise InputError(shown, None, None, "is neither a folder nor a postgres:// URL")
        raise InputError(shown, None, None, "is not a folder")
    con = _connect()
    present: set[str] = set()
    names: dict[str, str] = {}
    try:
        for name in SCHEMAS:
            path = _find(data, name)
            if path is None:
                if name in REQUIRED_FILES:
                    raise InputError(
                        f"{name}.csv", None, None, f"required file is missing (or {name}.parquet)"
                    )
                continue
            try:
                if path.suffix == ".csv":
                    con.execute(f"CREATE TABLE raw_{name} AS SELECT * FROM read_csv(?, header = true, "
                                "all_varchar = true, encoding = 'utf-8')", [str(path)])  # fmt: skip
                    con.execute(
                        f"CREATE VIEW rawv_{name} AS SELECT *, rowid AS __leadline_row FROM raw_{name}"
                    )
                else:
                    try:  # read in place, numbered by DuckDB
                        con.execute(f"CREATE VIEW rawv_{name} AS SELECT *, file_row_number AS "
                                    f"__leadline_row FROM read_parquet({_lit(str(path))}, "
                                    "file_row_number = true)")  # fmt: skip
                    except (
                        duckdb.BinderException
                    ):  # the file has a column of that name: copy, number by rowid
                        con.execute(f"CREATE TABLE raw_{name} AS SELECT * FROM read_parquet(?)", [str(path)])
                        con.execute(
                            f"CREATE VIEW rawv_{name} AS SELECT *, rowid AS __leadline_row FROM raw_{name}"
                        )
                    con.execute(f"SELECT count(*) FROM rawv_{name}").fetchone()
            except (duckdb.Error, UnicodeDecodeError) as exc:
                raise InputError(
                    path.name, None, None, f"cannot be read ({str(exc).splitlines()[0]})"
                ) from None
            present.add(name)
            names[name] = path.name
        return _ingest(con, present, names)
    except BaseException:
        _close(con)
        raise


def _find(data: Path, name: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        path = data / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def _ingest(con: duckdb.DuckDBPyConnection, present: set[str], names: dict[str, str]) -> Dataset:
    """Check each raw table (the first problem, by row then column, is the error) and keep its typed copy
    as ``<name>``; then the checks across files."""
    covariates: list[str] = []
    for name, schema in SCHEMAS.items():
        if name not in present:
            continue
        described = con.execute(f"DESCRIBE rawv_{name}").fetchall()
        types = {row[0]: str(row[1]).upper() for row in described}
        missing = [c.name for c in schema if c.required and c.name not in types]
        if missing:
            raise InputError(names[name], None, missing[0], "required column is missing")
        selects, problems = [], []
        for col in schema:
            if col.name not in types:
                selects.append(f"NULL AS {_q(col.name)}")
                continue
            typed, checks = _column(col, types[col.name])
            selects.append(f"{typed} AS {_q(col.name)}")
            problems += [(col.name, cond, message) for cond, message in checks]
        if name == "people":
            covariates = [c for c in types if c.startswith("cov_")]
            for cov in covariates:
                typed = f"TRY_CAST(NULLIF(TRIM(CAST({_q(cov)} AS VARCHAR)), '') AS DOUBLE)"
                selects.append(f"{typed} AS {_q(cov)}")
                problems.append(
                    (cov, f"{typed} IS NULL OR isnan({typed})", "a number (covariates may not be empty)")
                )
        if problems:
            firsts = (
                con.execute(
                    "SELECT "
                    + ", ".join(f"min(__leadline_row) FILTER (WHERE {cond})" for _, cond, _ in problems)
                    + f" FROM rawv_{name}"
                ).fetchone()
                or ()
            )
            found = sorted((int(row), column, message) for row, (column, _, message)
                           in zip(firsts, problems, strict=True) if row is not None)  # fmt: skip
            if found:
                row, column, message = found[0]
                raise InputError(names[name], row + 2, column, message)
        con.execute(f"CREATE TABLE {name} AS SELECT __leadline_row, {', '.join(selects)} FROM rawv_{name}")
        con.execute(f"DROP VIEW rawv_{name}")
        con.execute(f"DROP TABLE IF EXISTS raw_{name}")
    _across(con, present)
    return Dataset(con, present, covariates)


def _across(con: duckdb.DuckDBPyConnection, present: set[str]) -> None:
    def first(query: str) -> int | None:
        row = con.execute(query).fetchone()
        return None if row is None or row[0] is None else int(row[0]) + 2

    checks = [
        ("people.csv", "person_key", "appears twice (person_key must be unique)",
         "SELECT min(__leadline_row) FROM (SELECT __leadline_row, row_number() OVER (PARTITION BY person_key "
         "ORDER BY __leadline_row) AS k FROM people) WHERE k > 1"),
        ("people.csv", "followup_end", "is before index_date",
         "SELECT min(__leadline_row) FROM people WHERE followup_end < index_date"),
        ("events.csv", "person_key", "names nobody in people",
         "SELECT min(__leadline_row) FROM events e WHERE NOT EXISTS (SELECT 1 FROM people p "
         "WHERE p.person_key = e.person_key)"),
    ]  # fmt: skip
    if "monthly" in present:
        checks += [
            ("monthly.csv", "person_key", "names nobody in people",
             "SELECT min(__leadline_row) FROM monthly m WHERE NOT EXISTS (SELECT 1 FROM people p "
             "WHERE p.person_key = m.person_key)"),
            ("monthly.csv", "month", "0 (the month before) or later",
             "SELECT min(__leadline_row) FROM monthly WHERE month < 0"),
        ]  # fmt: skip
    for file, column, message, query in checks:
        row = first(query)
        if row is not None:
            raise InputError(file, row, column, message)


def as_of_default(data: Any) -> date:
    """The data cutoff when none is given: the latest follow-up end."""
    value = data.sql("SELECT max(followup_end) AS latest FROM people")["latest"].iloc[0]
    if value is None or pd.isna(value):
        return date.today()
    return value.date() if hasattr(value, "date") and callable(value.date) else value
