"""Data in (issue #6, item 3): the site's data partners deliver extracts with their own column names and
codes; `leadline prepare` maps them to the contract (EVIDENCE-DATA.md), keeps the rows that pass the
contract's checks, sets aside the others with the reason, and says what it did.

    leadline prepare --mapping mapping.json --out DIR [--chunk-rows 100000] [--database-url URL]

The mapping (JSON) names, per contract file, its source (CSV or Parquet, relative to the mapping file),
which source column feeds each contract column, optional recodes, a date format and constants:

    {"people": {"source": "raw/cohort.csv",
                "columns": {"person_key": "ID", "group": "COHORT", "index_date": "IDX", ...},
                "values": {"group": {"L": "lead", "C": "comparison"}},
                "date_format": "%m/%d/%Y",
                "constants": {"race": "Unknown"}},
     "events": {...}}

It works in chunks and records after each one what is done (`DIR/.prepare/state.json`), so a run that is
interrupted — even by a power cut or `kill -9` — resumes where it stopped instead of starting again, and
ends with exactly the files one uninterrupted run writes (issue #15, item 3). Each chunk's kept rows and
rejected rows go to part files in `DIR/.prepare/`, each written to a temporary file, flushed to disk and
renamed; the chunk counts as done only once the state that names it has been saved the same way (the
commit marker, last). A rerun first deletes what no saved state names (temporary files, parts of a chunk
that was not recorded), so a half-written or unrecorded chunk is simply done again. The contract files,
`DIR/rejected/<file>.csv` and `DIR/validation-report.json` appear only whole (written from the parts, then
renamed). The report counts what was read, kept and rejected, and why; the rejected file lists each
rejected row with its source row number, column and reason. Rows are checked against the people already
prepared: an event for nobody is rejected.

A source may also be a table or a query in the state's PostgreSQL warehouse (issue #6, item 6), or a
DuckDB query over local files:

    "events": {"source": {"postgres": "warehouse.arrest_events", "order_by": "event_id"}, "columns": ...}
    "events": {"source": {"postgres_query": "SELECT ... FROM ...", "order_by": ["agency", "event_id"]}, ...}
    "events": {"source": {"duckdb": "SELECT ... FROM 'raw/a.csv' JOIN 'raw/b.parquet' USING (id)",
                          "order_by": "id"}, ...}

The connection is `--database-url postgres://user@host:5432/db` or, better (a command line is visible to
other users of the machine), the environment variable LEADLINE_WAREHOUSE_URL; libpq's PGPASSWORD and
~/.pgpass work too, so the URL need not hold a password, and no message ever shows it. The rows are read in
chunks through a server-side (named) cursor inside one read-only transaction, every value as PostgreSQL's
text (dates as YYYY-MM-DD), so the same mapping, recodes and checks apply as to a CSV file. `order_by`
(a column or a list of columns of the table or query, together unique) is required: it makes the order
stable, so a resumed run skips exactly the rows already done (OFFSET); the source must not change between
an interrupted run and its resumption. `source_row` in the rejected rows counts as a CSV export of the
ordered rows with its header would (`COPY (...) TO ... CSV HEADER`): the first row is row 2. Table and
column names are quoted (exact, so usually lower case; `schema.table` splits on the dot); a
`postgres_query` is the operator's own SQL and runs with the connection's privileges, so connect as a
role that may only read. A `duckdb` query runs on an in-memory DuckDB (values as text, paths relative
to the mapping file).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import duckdb
import pandas as pd

from leadline.evidence.inputs import SCHEMAS, InputError, validate

ORDER = ("people", "events", "monthly", "encounters", "population", "unit_costs")  # people first
KEYED = ("events", "monthly")  # rows that must name someone in people
QUERY_KINDS = ("postgres", "postgres_query", "duckdb")  # a source that is a table or a query, not a file
URL_VARIABLE = "LEADLINE_WAREHOUSE_URL"


class MappingError(Exception):
    pass


def _mapping(path: Path) -> dict[str, Any]:
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MappingError(f"{path}: cannot be read as JSON ({exc})") from None
    unknown = set(mapping) - set(SCHEMAS)
    if unknown:
        raise MappingError(f"{path}: unknown file(s) {', '.join(sorted(unknown))}; use {', '.join(ORDER)}")
    if "people" not in mapping or "events" not in mapping:
        raise MappingError(f"{path}: people and events are required")
    for name, spec in mapping.items():
        if not isinstance(spec, dict) or "source" not in spec:
            raise MappingError(f"{path}: {name} needs a source")
        if not isinstance(spec["source"], str):
            _check_query_source(path, name, spec["source"])
        known = {c.name for c in SCHEMAS[name]}
        extra = set(spec.get("columns", {})) - known
        if extra and not all(c.startswith("cov_") for c in extra):
            raise MappingError(f"{path}: {name} has no column {', '.join(sorted(extra))}")
    return mapping


def _check_query_source(path: Path, name: str, source: Any) -> None:
    if not isinstance(source, dict):
        raise MappingError(f"{path}: {name}'s source is a file path or an object with one of "
                           f"{', '.join(QUERY_KINDS)}")  # fmt: skip
    kinds = [k for k in QUERY_KINDS if k in source]
    unknown = set(source) - {*QUERY_KINDS, "order_by"}
    if len(kinds) != 1 or unknown:
        extra = f", not {', '.join(sorted(unknown))}" if unknown else ""
        raise MappingError(
            f"{path}: {name}'s source needs one of {', '.join(QUERY_KINDS)}, and order_by{extra}"
        )
    target = source[kinds[0]]
    if not isinstance(target, str) or not target.strip():
        raise MappingError(f"{path}: {name}'s source: {kinds[0]} must be a non-empty string")
    parts = target.split(".")
    if kinds[0] == "postgres" and (len(parts) > 2 or not all(p.strip() for p in parts)):
        raise MappingError(f"{path}: {name}'s source: {target!r} is not a table or schema.table")
    order = source.get("order_by")
    columns = [order] if isinstance(order, str) else order
    if not columns or not isinstance(columns, list) or not all(isinstance(c, str) and c for c in columns):
        raise MappingError(
            f"{path}: {name}'s source needs order_by, a column or a list of columns that together are "
            "unique, so that an interrupted run resumes at the right row"
        )


@dataclass(frozen=True)
class QuerySource:
    """A table or query in the warehouse (or a DuckDB query), read in a stable order."""

    kind: str  # one of QUERY_KINDS
    target: str  # the table (postgres) or the SQL
    order_by: tuple[str, ...]
    base: Path  # the mapping's folder: DuckDB resolves relative paths against it
    database_url: str | None = field(default=None, repr=False)  # may hold a password: never shown

    def __str__(self) -> str:
        if self.kind == "postgres":
            return f"PostgreSQL table {self.target}"
        return "PostgreSQL query" if self.kind == "postgres_query" else "DuckDB query"

    def select(self) -> Any:
        """SELECT * FROM the table or query, ordered by the order_by columns (quoted), as a psycopg
        Composable; the caller adds the OFFSET."""
        from psycopg import sql

        inner = (
            sql.SQL("{}").format(sql.Identifier(*self.target.split(".")))
            if self.kind == "postgres"
            else sql.SQL("({}\n)").format(sql.SQL(self.target.strip().rstrip(";")))  # the operator's SQL
        )
        return sql.SQL("SELECT * FROM {} AS leadline_source ORDER BY {}").format(
            inner, sql.SQL(", ").join(sql.Identifier("leadline_source", c) for c in self.order_by)
        )


def _source(spec: dict[str, Any], base: Path, database_url: str | None) -> Path | QuerySource:
    source = spec["source"]
    if isinstance(source, str):
        return base / source
    kind = next(k for k in QUERY_KINDS if k in source)
    order = source["order_by"]
    return QuerySource(kind, source[kind], tuple([order] if isinstance(order, str) else order), base,
                       database_url if kind != "duckdb" else None)  # fmt: skip


def _source_rows(source: Path | QuerySource, chunk: int, skip: int) -> Generator[pd.DataFrame, None, None]:
    """Chunks of the source as string DataFrames, after skipping ``skip`` rows already done."""
    if isinstance(source, QuerySource) and source.kind == "duckdb":
        return _duckdb_rows(source, chunk, skip)
    if isinstance(source, QuerySource):
        return _postgres_rows(source, chunk, skip)
    if source.suffix not in (".csv", ".parquet"):
        raise MappingError(f"{source}: CSV or Parquet only")
    query = (
        "SELECT * FROM read_csv(?, header = true, all_varchar = true)"
        if source.suffix == ".csv"
        else "SELECT * FROM read_parquet(?)"
    )
    return _file_rows(source, query, chunk, skip)


def _file_rows(source: Path, query: str, chunk: int, skip: int) -> Generator[pd.DataFrame, None, None]:
    con = duckdb.connect()
    try:
        cursor = con.execute(query, [str(source)])
    except duckdb.Error as exc:
        con.close()
        raise MappingError(f"{source}: cannot be read ({str(exc).splitlines()[0]})") from None
    columns = [d[0] for d in cursor.description or []]
    done = 0
    try:
        while done < skip:
            got = cursor.fetchmany(min(chunk, skip - done))
            if not got:
                break
            done += len(got)
        while rows := cursor.fetchmany(chunk):
            yield pd.DataFrame(rows, columns=columns).astype("string")
    finally:
        con.close()


def _duckdb_rows(source: QuerySource, chunk: int, skip: int) -> Generator[pd.DataFrame, None, None]:
    con = duckdb.connect()
    quoted = ", ".join('leadline_source."' + c.replace('"', '""') + '"' for c in source.order_by)
    query = (  # the operator's own SQL, run locally; the order_by names are quoted
        f"SELECT COLUMNS(*)::VARCHAR FROM ({source.target.strip().rstrip(';')}\n) AS leadline_source "  # noqa: S608
        f"ORDER BY {quoted} OFFSET {int(skip)}"
    )
    try:
        con.execute("SET file_search_path = ?", [str(source.base)])
        cursor = con.execute(query)
    except duckdb.Error as exc:
        con.close()
        raise MappingError(f"{source}: {str(exc).splitlines()[0]}") from None
    columns = [d[0] for d in cursor.description or []]
    try:
        while rows := cursor.fetchmany(chunk):
            yield pd.DataFrame(rows, columns=columns).astype("string")
    finally:
        con.close()


def _where(params: dict[str, Any]) -> str:
    """The connection as user@host:port/db, never with its password."""
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgres://{user}{params.get('host') or 'localhost'}{port}/{params.get('dbname') or ''}"


def _connect(url: str | None) -> Any:
    """A psycopg connection that loads every value as PostgreSQL's text, in a read-only transaction."""
    import psycopg
    import psycopg.postgres
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.types.string import TextLoader

    if not url:
        raise MappingError(f"a source is in PostgreSQL: give --database-url or set {URL_VARIABLE}")
    try:
        params: dict[str, Any] = dict(conninfo_to_dict(url))
    except psycopg.Error:  # not its message: it quotes the URL, password included
        raise MappingError("the database URL cannot be read; use postgres://user@host:port/db") from None
    params.setdefault("connect_timeout", 10)
    try:
        con = psycopg.connect(**params)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        if params.get("password"):
            reason = reason.replace(str(params["password"]), "***")
        raise MappingError(f"cannot connect to {_where(params)} ({reason})") from None
    for info in psycopg.postgres.types:  # every built-in type as text; unknown types are text already
        for oid in (info.oid, info.array_oid):
            if oid:
                con.adapters.register_loader(oid, TextLoader)
    con.read_only = True
    con.execute("SET DateStyle TO ISO, YMD")  # dates as YYYY-MM-DD whatever the server's default
    return con


def _postgres_rows(source: QuerySource, chunk: int, skip: int) -> Generator[pd.DataFrame, None, None]:
    import psycopg
    from psycopg import sql

    con = _connect(source.database_url)
    try:
        cursor = con.cursor(name="leadline_prepare")  # server-side: the warehouse keeps the rows
        try:
            cursor.execute(sql.SQL("{} OFFSET {}").format(source.select(), sql.Literal(int(skip))))
        except psycopg.Error as exc:
            raise _refused(source, exc) from None
        columns = [d.name for d in cursor.description or []]
        while True:
            try:
                rows = cursor.fetchmany(chunk)
            except psycopg.Error as exc:  # e.g. a query that writes, or a lost connection
                raise _refused(source, exc) from None
            if not rows:
                return
            yield pd.DataFrame(rows, columns=columns).astype("string")
    finally:
        con.close()


def _refused(source: QuerySource, exc: Exception) -> MappingError:
    import psycopg

    diag = getattr(exc, "diag", None)
    message = (diag.message_primary if diag else None) or " ".join(str(exc).split())
    hint = ""
    if isinstance(exc, psycopg.errors.UndefinedTable):
        hint = " (names are exact: schema.table, usually in lower case)"
    elif isinstance(exc, psycopg.errors.UndefinedColumn):
        hint = " (check order_by; names are exact, usually in lower case)"
    elif isinstance(exc, psycopg.errors.InsufficientPrivilege):
        hint = " (the connection's role may not read it)"
    return MappingError(f"{source}: {message}{hint}")


def _map(
    frame: pd.DataFrame, spec: dict[str, Any], name: str
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    out = pd.DataFrame(index=frame.index)
    problems: list[tuple[int, str, str]] = []
    for contract, source in spec.get("columns", {}).items():
        if source not in frame.columns:
            raise MappingError(f"{name}: the source has no column {source!r} (for {contract}); it has "
                               f"{', '.join(map(str, frame.columns))}")  # fmt: skip
        out[contract] = frame[source]
    for contract, value in spec.get("constants", {}).items():
        out[contract] = str(value)
    for contract, codes in spec.get("values", {}).items():
        if contract in out:
            out[contract] = out[contract].map(lambda v, c=codes: c.get(v, v) if v is not None else v)
    fmt = spec.get("date_format")
    if fmt:
        for col in SCHEMAS[name]:
            if col.kind == "date" and col.name in out:
                text = out[col.name].astype("string").str.strip()
                parsed = pd.to_datetime(text, format=fmt, errors="coerce")
                for i in (text.notna() & (text != "") & parsed.isna()).to_numpy().nonzero()[0]:
                    problems.append((int(i), col.name, f"a date as {fmt}"))
                out[col.name] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), text)
    return out, problems


class Progress:
    def __init__(self, stream: TextIO):
        self.stream, self.started = stream, time.monotonic()

    def update(self, name: str, rows: int, rejected: int, final: bool = False) -> None:
        line = f"{name}: {rows:,} rows read, {rejected:,} rejected ({time.monotonic() - self.started:.1f} s)"
        if self.stream.isatty() and not final:
            self.stream.write("\r" + line)
        else:
            self.stream.write(("\r" if self.stream.isatty() else "") + line + "\n")
        self.stream.flush()


STATE_VERSION = 2  # parts written atomically, rejected rows in parts (issue #15, item 3)


def _checkpoint(label: str) -> None:
    """A point where an interruption must lose nothing; the kill tests replace this (a no-op here)."""


def prepare(
    mapping_path: Path | str, out: Path | str, chunk: int = 100_000, stream: TextIO | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``database_url`` (default: $LEADLINE_WAREHOUSE_URL) is the warehouse for PostgreSQL sources."""
    mapping_path, out = Path(mapping_path), Path(out)
    mapping = _mapping(mapping_path)
    database_url = database_url or os.environ.get(URL_VARIABLE) or None
    work = out / ".prepare"
    state_path = work / "state.json"
    state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    if state and state.pop("version", None) != STATE_VERSION:
        raise MappingError(
            f"{out} was begun by an older version of leadline prepare, which cannot be resumed safely; "
            "run it again with an empty folder (or delete the folder first)"
        )
    sources = {name: _source(spec, mapping_path.parent, database_url) for name, spec in mapping.items()}
    warehouse = [
        name
        for name, src in sources.items()
        if isinstance(src, QuerySource) and src.kind != "duckdb" and not state.get(name, {}).get("complete")
    ]
    if warehouse and not database_url:
        raise MappingError(f"{', '.join(warehouse)} read(s) from PostgreSQL: give --database-url or set "
                           f"{URL_VARIABLE}")  # fmt: skip
    if warehouse:
        _connect(database_url).close()  # a wrong URL or an unreachable warehouse is said before any work
    (out / "rejected").mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    _discard_uncommitted(out, work, state)
    progress = Progress(stream or sys.stderr)
    people_keys: set[str] | None = None
    for name in ORDER:
        if name not in mapping:
            continue
        spec = mapping[name]
        record = state.setdefault(name, {"read": 0, "kept": 0, "rejected": 0, "reasons": {}, "parts": 0,
                                         "complete": False})  # fmt: skip
        if name in KEYED and people_keys is None:
            people_keys = _keys(out / "people.csv")
        if not record["complete"]:
            _prepare_file(
                name, spec, sources[name], out, work, record, chunk, progress, people_keys, state, state_path
            )
    report = {name: {k: v for k, v in rec.items() if k in ("read", "kept", "rejected", "reasons")}
              for name, rec in state.items()}  # fmt: skip
    _write_atomic(out / "validation-report.json", lambda fh: fh.write(json.dumps(report, indent=2)))
    return report


def _keys(path: Path) -> set[str]:
    """The person_key column of a prepared file, every value as written (a key "NA" stays "NA")."""
    return set(pd.read_csv(path, usecols=["person_key"], dtype=str, keep_default_na=False)["person_key"])


def _part(work: Path, name: str, k: int, kind: str = "part") -> Path:
    return work / f"{name}.{kind}-{k:05d}.csv"


def _discard_uncommitted(out: Path, work: Path, state: dict[str, Any]) -> None:
    """Deletes what an interrupted run left that no saved state names: temporary files, and the parts of a
    chunk that was written (whole or in half) but not recorded. Its rows are read and written again."""
    for tmp in [*out.glob(".*.tmp"), *(out / "rejected").glob(".*.tmp"), *work.glob(".*.tmp")]:
        tmp.unlink()
    for part in work.glob("*.csv"):
        name, _, rest = part.name.partition(".")
        kind, _, number = rest.removesuffix(".csv").partition("-")
        if kind not in ("part", "rejected") or not number.isdigit():
            continue
        if int(number) >= state.get(name, {}).get("parts", 0):
            part.unlink()
    for name, record in state.items():  # every recorded chunk's parts must be there
        for k in range(record["parts"]):
            for kind in ("part", "rejected"):
                missing = _part(work, name, k, kind)
                if not missing.exists():
                    raise MappingError(
                        f"{missing} is missing, so the interrupted run cannot be resumed; run it again with "
                        "an empty folder"
                    )


def _prepare_file(
    name: str, spec: dict[str, Any], source: Path | QuerySource, out: Path, work: Path,
    record: dict[str, Any], chunk: int, progress: Progress, people_keys: set[str] | None,
    state: dict[str, Any], state_path: Path,
) -> None:  # fmt: skip
    schema = SCHEMAS[name]
    columns = [c.name for c in schema] + sorted(c for c in spec.get("columns", {}) if c.startswith("cov_"))
    reasons: Counter[str] = Counter(record["reasons"])
    seen: set[str] = set()
    if name == "people":  # the keys kept by the chunks already recorded, and only those
        for k in range(record["parts"]):
            seen |= _keys(_part(work, name, k))
    # closed as soon as the loop ends, even when interrupted: the warehouse connection is released
    with contextlib.closing(_source_rows(source, chunk, record["read"])) as chunks:
        for frame in chunks:
            first_row = record["read"] + 2  # the source's row number of this chunk's first row
            mapped, problems = _map(frame.reset_index(drop=True), spec, name)
            _typed, more, missing = validate(mapped, schema)
            if missing:
                raise MappingError(f"{name}: no column feeds {', '.join(missing)} (add it to the mapping)")
            problems += more
            bad: dict[int, tuple[str, str]] = {}
            for i, column, message in sorted(problems):
                bad.setdefault(i, (column, message))
            keys = mapped.get("person_key")
            for i in range(len(mapped)):
                if i in bad or keys is None:
                    continue
                key = keys.iloc[i]
                if name in KEYED and people_keys is not None and key not in people_keys:
                    bad[i] = ("person_key", "names nobody in people")
                elif name == "people":
                    if key in seen:
                        bad[i] = ("person_key", "appears twice (the first is kept)")
                    seen.add(key)
            keep = [i for i in range(len(mapped)) if i not in bad]
            kept = mapped.iloc[keep].reindex(columns=[c for c in columns if c in mapped.columns])
            rows = [[first_row + i, column, message] for i, (column, message) in sorted(bad.items())]
            k = record["parts"]
            _write_atomic(_part(work, name, k), functools.partial(kept.to_csv, index=False))
            _write_atomic(_part(work, name, k, "rejected"), functools.partial(_write_rows, rows))
            for _row, column, message in rows:
                reasons[f"{column}: {message}"] += 1
            record.update(
                read=record["read"] + len(mapped), kept=record["kept"] + len(keep),
                rejected=record["rejected"] + len(bad), reasons=dict(reasons), parts=record["parts"] + 1,
            )  # fmt: skip
            _save(state, state_path)  # the commit marker: from here on the chunk is done
            progress.update(name, record["read"], record["rejected"])
    header = ",".join(c for c in columns if not c.startswith("cov_")) + "\n"
    _combine(work, record["parts"], name, "part", out / f"{name}.csv", header=None, empty=header)
    rejected_header = "source_row,column,reason\r\n"  # as csv.writer writes it
    _combine(work, record["parts"], name, "rejected", out / "rejected" / f"{name}.csv",
             header=rejected_header, empty=rejected_header)  # fmt: skip
    record["complete"] = True
    _save(state, state_path)
    progress.update(name, record["read"], record["rejected"], final=True)


def _combine(
    work: Path, parts: int, name: str, kind: str, target: Path, header: str | None, empty: str
) -> None:
    """The parts one after the other, as ``target``. ``header``: written first (the rejected rows' parts
    have none); None: each part starts with the header, which is kept once. ``empty``: what a file with no
    part holding a row at all starts with."""

    def write(fh: TextIO) -> None:
        header_written = header is not None
        if header is not None:
            fh.write(header)
        for k in range(parts):
            with _part(work, name, k, kind).open(encoding="utf-8", newline="") as part:
                first = part.readline()
                if not first:
                    continue
                if header is not None:
                    fh.write(first)
                elif not header_written:
                    fh.write(first)
                    header_written = True
                while block := part.read(1 << 20):
                    fh.write(block)
        if not header_written:
            fh.write(empty)

    _write_atomic(target, write)


def _write_rows(rows: list[list[Any]], fh: TextIO) -> None:
    csv.writer(fh).writerows(rows)


def _write_atomic(path: Path, write: Callable[[TextIO], object]) -> None:
    """``write(file)`` into a temporary file beside ``path``, flushed to disk, then renamed over ``path``
    (and the rename flushed): a reader, or a run after a crash, finds the old file or the whole new one,
    never a part. A temporary file left by a crash is ``.<name>.tmp``, deleted by the next run."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        _checkpoint(f"{path.name}: created")
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    _checkpoint(f"{path.name}: written")
    tmp.replace(path)
    _fsync_folder(path.parent)
    _checkpoint(f"{path.name}: renamed")


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save(state: dict[str, Any], path: Path) -> None:
    _write_atomic(path, lambda fh: fh.write(json.dumps({"version": STATE_VERSION, **state})))


__all__ = ["InputError", "MappingError", "prepare"]
