"""The engine on a PostgreSQL warehouse (issue #6, item 6): a state points `leadline evaluate` at the
tables it already keeps instead of exporting ten million events to files.

    leadline evaluate --data "postgres://reader@warehouse:5432/justice?schema=lead" --out results.json

The contract's tables (people, events and, when present, monthly, encounters, population, unit_costs)
are found in ``schema`` (default: the connection's search path), with the contract's column names. The
data work is the same SQL as on DuckDB (features.py) and runs in the warehouse; only one row per person
and a few small tables come back. Each table is checked as a file is — required columns, values, keys
that name nobody — and a problem names the table, the column and the first offending key (tables have
no row numbers). Columns should have their types (date, numeric); text that does not read as one is
refused naming the column. Nothing is written to the warehouse: the typed views the SQL reads are
temporary, in a transaction that is rolled back; connect as a role that may only read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from leadline.evidence.inputs import DATE_RANGE, NEGATIVE_NOT_ALLOWED, SCHEMAS, Col, InputError

KEYS = {"people": "person_key", "events": "person_key", "monthly": "person_key",
        "encounters": "encounter_key", "population": "race", "unit_costs": "item"}  # fmt: skip


def is_url(data: Any) -> bool:
    return str(data).lower().startswith(("postgres://", "postgresql://"))


def redacted(text: str) -> str:
    """A URL-like text with any password replaced, for messages."""
    import re

    return re.sub(r"(?i)^([a-z][a-z0-9+.-]*:/+[^:/@]*):[^@]*@", r"\1:***@", text)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Warehouse:
    """The contract's inputs as typed temporary views of a PostgreSQL connection (same interface as
    inputs.Dataset: ``tables``, ``covariates``, ``sql``, ``close``)."""

    def __init__(self, con: Any, tables: set[str], covariates: list[str]):
        self.con, self.tables, self.covariates = con, tables, covariates

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def sql(self, query: str) -> pd.DataFrame:
        with self.con.cursor() as cur:
            cur.execute(query)
            columns = [d.name for d in cur.description or []]
            return pd.DataFrame(cur.fetchall(), columns=columns)

    def close(self) -> None:
        self.con.rollback()  # the temporary views go with the transaction; nothing was ever written
        self.con.close()


def _connect(url: str) -> tuple[Any, str | None]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.types.numeric import FloatLoader

    try:
        parts = urlsplit(url)
    except ValueError:
        raise InputError(redacted(url), None, None, "the database URL cannot be read") from None
    query = parse_qsl(parts.query)
    schema = next((v for k, v in query if k == "schema"), None)
    clean = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "schema"])))
    try:
        params: dict[str, Any] = dict(conninfo_to_dict(clean))
    except psycopg.Error:  # not its message: it quotes the URL, password included
        raise InputError(
            "--data", None, None, "the database URL cannot be read; use postgres://user@host/db"
        ) from None
    params.setdefault("connect_timeout", 10)
    where = (
        f"postgres://{params.get('user', '')}@{params.get('host') or 'localhost'}/{params.get('dbname', '')}"
    )
    try:
        con = psycopg.connect(**params)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        if params.get("password"):
            reason = reason.replace(str(params["password"]), "***")
        raise InputError(where, None, None, f"cannot connect ({reason})") from None
    con.adapters.register_loader("numeric", FloatLoader)
    con.execute("SET TIME ZONE 'UTC'")  # a timestamp with a zone becomes the same date on any server
    return con, schema


def load(url: str) -> Warehouse:
    con, schema = _connect(url)
    try:
        return _load(con, schema)
    except BaseException:
        con.close()
        raise


def _load(con: Any, schema: str | None) -> Warehouse:
    import psycopg

    if schema is None:
        row = con.execute("SELECT current_schema()").fetchone()
        schema = row[0] if row else "public"
    present: dict[str, dict[str, str]] = {}
    for name in SCHEMAS:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (schema, name),
        ).fetchall()
        if rows:
            present[name] = {r[0]: r[1] for r in rows}
        elif name in ("people", "events"):
            raise InputError(f"{schema}.{name}", None, None, "required table is missing")
    covariates: list[str] = []
    for name, columns in present.items():
        label = f"{schema}.{name}"
        spec = SCHEMAS[name]
        missing = [c.name for c in spec if c.required and c.name not in columns]
        if missing:
            raise InputError(label, None, missing[0], "required column is missing")
        selects, checks = [], []
        for col in spec:
            if col.name not in columns:
                selects.append(f"NULL AS {_q(col.name)}")
                continue
            typed, col_checks = _column(col, columns[col.name])
            selects.append(f"{typed} AS {_q(col.name)}")
            checks += [(col.name, cond, message) for cond, message in col_checks]
        if name == "people":
            covariates = sorted(c for c in columns if c.startswith("cov_"))
            for cov in covariates:
                typed = f"CAST({_q(cov)} AS double precision)"
                selects.append(f"{typed} AS {_q(cov)}")
                checks.append((cov, f"{typed} IS NULL OR {typed} = 'NaN'::float8",
                               "a number (covariates may not be empty)"))  # fmt: skip
        source = f"{_q(schema)}.{_q(name)}"
        key = f"CAST({_q(KEYS[name])} AS text)"
        try:
            with con.transaction():
                row = con.execute(
                    "SELECT " + ", ".join(f"min({key}) FILTER (WHERE {cond})" for _, cond, _ in checks)
                    + f" FROM {source}"
                ).fetchone()  # fmt: skip
        except psycopg.Error:  # text that is not a date or a number, or a type that cannot be cast
            kinds = [(c.name, c.kind) for c in spec if c.name in columns]
            kinds += [(c, "number") for c in (covariates if name == "people" else [])]
            raise _unreadable(con, label, source, kinds) from None
        found = [
            (column, message, value)
            for (column, _, message), value in zip(checks, row or (), strict=True)
            if value is not None
        ]
        if found:
            column, message, value = found[0]
            raise InputError(label, None, column, f"{message} (first at {KEYS[name]} {value})")
        con.execute(f"CREATE TEMP VIEW {_q(name)} AS SELECT {', '.join(selects)} FROM {source}")
    _across(con, schema, set(present))
    return Warehouse(con, set(present), covariates)


TEXT_TYPES = ("text", "character varying", "character")


def _column(col: Col, data_type: str) -> tuple[str, list[tuple[str, str]]]:
    raw = _q(col.name)
    checks: list[tuple[str, str]] = []
    if col.kind in ("text", "enum"):
        typed = f"NULLIF(btrim(CAST({raw} AS text), E' \\t\\r\\n'), '')"
        if col.kind == "enum":
            choices = ", ".join(_lit(c) for c in col.choices)
            checks.append((f"{typed} NOT IN ({choices})", f"must be one of {', '.join(col.choices)}"))
    elif col.kind == "date":
        if data_type in TEXT_TYPES:  # strictly YYYY-MM-DD, whatever the server's DateStyle
            text = f"btrim({raw}, E' \\t\\r\\n')"
            shape = f"{text} ~ '^[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}$'"
            typed = f"(CASE WHEN {shape} THEN to_date({text}, 'YYYY-MM-DD') END)"
            checks.append((f"NULLIF({text}, '') IS NOT NULL AND NOT ({shape})", "a date as YYYY-MM-DD"))
        else:
            typed = f"CAST({raw} AS date)"
        lo, hi = DATE_RANGE
        checks.append((f"{typed} NOT BETWEEN DATE '{lo}' AND DATE '{hi}'", "a date as YYYY-MM-DD"))
    else:
        typed = f"CAST({raw} AS double precision)"
        checks.append((f"{typed} IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)", "a number"))
        if col.kind in ("int", "binary"):
            checks.append((f"{typed} <> floor({typed})", "a whole number"))
        if col.kind == "binary":
            checks.append((f"{typed} NOT IN (0, 1)", "0 or 1"))
        if col.name in NEGATIVE_NOT_ALLOWED:
            checks.append((f"{typed} < 0", "cannot be negative"))
    if col.required:
        checks.append((f"{typed} IS NULL", "a value is required"))
    return typed, checks


def _unreadable(con: Any, label: str, source: str, columns: list[tuple[str, str]]) -> InputError:
    """The column whose text does not read as its type."""
    import psycopg

    for name, kind in columns:
        if kind not in ("date", "number", "int", "binary"):
            continue
        target = "date" if kind == "date" else "double precision"
        try:
            with con.transaction():
                con.execute(f"SELECT count(CAST({_q(name)} AS {target})) FROM {source}")
        except psycopg.Error:
            return InputError(label, None, name, "a date as YYYY-MM-DD" if kind == "date" else "a number")
    return InputError(label, None, None, "cannot be read")


def _across(con: Any, schema: str, present: set[str]) -> None:
    checks = [
        ("people", "person_key", "appears twice (person_key must be unique)",
         "SELECT min(person_key) FROM (SELECT person_key FROM people GROUP BY person_key "
         "HAVING count(*) > 1) d"),
        ("people", "followup_end", "is before index_date",
         "SELECT min(person_key) FROM people WHERE followup_end < index_date"),
        ("events", "person_key", "names nobody in people",
         "SELECT min(e.person_key) FROM events e WHERE NOT EXISTS (SELECT 1 FROM people p "
         "WHERE p.person_key = e.person_key)"),
    ]  # fmt: skip
    if "monthly" in present:
        checks += [
            ("monthly", "person_key", "names nobody in people",
             "SELECT min(m.person_key) FROM monthly m WHERE NOT EXISTS (SELECT 1 FROM people p "
             "WHERE p.person_key = m.person_key)"),
            ("monthly", "month", "0 (the month before) or later",
             "SELECT min(person_key) FROM monthly WHERE month < 0"),
        ]  # fmt: skip
    for table, column, message, query in checks:
        row = con.execute(query).fetchone()
        if row and row[0] is not None:
            raise InputError(f"{schema}.{table}", None, column, f"{message} (first at person_key {row[0]})")
