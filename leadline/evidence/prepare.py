"""Data in (issue #6, item 3): the site's data partners deliver extracts with their own column names and
codes; `leadline prepare` maps them to the contract (EVIDENCE-DATA.md), keeps the rows that pass the
contract's checks, sets aside the others with the reason, and says what it did.

    leadline prepare --mapping mapping.json --out DIR [--chunk-rows 100000]

The mapping (JSON) names, per contract file, its source (CSV or Parquet, relative to the mapping file),
which source column feeds each contract column, optional recodes, a date format and constants:

    {"people": {"source": "raw/cohort.csv",
                "columns": {"person_key": "ID", "group": "COHORT", "index_date": "IDX", ...},
                "values": {"group": {"L": "lead", "C": "comparison"}},
                "date_format": "%m/%d/%Y",
                "constants": {"race": "Unknown"}},
     "events": {...}}

It works in chunks and records after each one what is done (`DIR/.prepare/state.json`), so a run that is
interrupted resumes where it stopped instead of starting again; the contract files appear in DIR only
when a file is complete (written whole, then renamed). `DIR/validation-report.json` counts what was read,
kept and rejected, and why; `DIR/rejected/<file>.csv` lists each rejected row with its source row number,
column and reason. Rows are checked against the people already prepared: an event for nobody is rejected.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

import duckdb
import pandas as pd

from leadline.evidence.inputs import SCHEMAS, InputError, validate

ORDER = ("people", "events", "monthly", "encounters", "population", "unit_costs")  # people first
KEYED = ("events", "monthly")  # rows that must name someone in people


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
        known = {c.name for c in SCHEMAS[name]}
        extra = set(spec.get("columns", {})) - known
        if extra and not all(c.startswith("cov_") for c in extra):
            raise MappingError(f"{path}: {name} has no column {', '.join(sorted(extra))}")
    return mapping


def _source_rows(source: Path, chunk: int, skip: int) -> Any:
    """Chunks of the source as string DataFrames, after skipping ``skip`` rows already done."""
    if source.suffix not in (".csv", ".parquet"):
        raise MappingError(f"{source}: CSV or Parquet only")
    con = duckdb.connect()
    query = (
        "SELECT * FROM read_csv(?, header = true, all_varchar = true)"
        if source.suffix == ".csv"
        else "SELECT * FROM read_parquet(?)"
    )
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


def _map(
    frame: pd.DataFrame, spec: dict[str, Any], name: str
) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    out = pd.DataFrame(index=frame.index)
    problems: list[tuple[int, str, str]] = []
    for contract, source in spec.get("columns", {}).items():
        if source not in frame.columns:
            raise MappingError(f"{name}: the source has no column {source!r} (for {contract})")
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


def prepare(
    mapping_path: Path | str, out: Path | str, chunk: int = 100_000, stream: TextIO | None = None
) -> dict[str, Any]:
    mapping_path, out = Path(mapping_path), Path(out)
    mapping = _mapping(mapping_path)
    work = out / ".prepare"
    (out / "rejected").mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    state_path = work / "state.json"
    state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    progress = Progress(stream or sys.stderr)
    people_keys: set[str] | None = None
    for name in ORDER:
        if name not in mapping:
            continue
        spec = mapping[name]
        record = state.setdefault(name, {"read": 0, "kept": 0, "rejected": 0, "reasons": {}, "parts": 0,
                                         "complete": False})  # fmt: skip
        if name in KEYED and people_keys is None:
            people_keys = set(
                pd.read_csv(out / "people.csv", usecols=["person_key"], dtype=str)["person_key"]
            )
        if not record["complete"]:
            source = mapping_path.parent / spec["source"]
            _prepare_file(
                name, spec, source, out, work, record, chunk, progress, people_keys, state, state_path
            )
    report = {name: {k: v for k, v in rec.items() if k in ("read", "kept", "rejected", "reasons")}
              for name, rec in state.items()}  # fmt: skip
    (out / "validation-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def _prepare_file(
    name: str, spec: dict[str, Any], source: Path, out: Path, work: Path, record: dict[str, Any], chunk: int,
    progress: Progress, people_keys: set[str] | None, state: dict[str, Any], state_path: Path,
) -> None:  # fmt: skip
    schema = SCHEMAS[name]
    columns = [c.name for c in schema] + sorted(c for c in spec.get("columns", {}) if c.startswith("cov_"))
    reasons: Counter[str] = Counter(record["reasons"])
    seen: set[str] = set()
    if name == "people":
        for part in sorted(work.glob("people.part-*.csv")):
            seen |= set(pd.read_csv(part, usecols=["person_key"], dtype=str)["person_key"])
    for frame in _source_rows(source, chunk, record["read"]):
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
        part = work / f"{name}.part-{record['parts']:05d}.csv"
        mapped.iloc[keep].reindex(columns=[c for c in columns if c in mapped.columns]).to_csv(
            part, index=False
        )
        with (out / "rejected" / f"{name}.csv").open("a", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            if record["read"] == 0:
                writer.writerow(["source_row", "column", "reason"])
            for i, (column, message) in sorted(bad.items()):
                writer.writerow([first_row + i, column, message])
                reasons[f"{column}: {message}"] += 1
        record.update(
            read=record["read"] + len(mapped), kept=record["kept"] + len(keep),
            rejected=record["rejected"] + len(bad), reasons=dict(reasons), parts=record["parts"] + 1,
        )  # fmt: skip
        _save(state, state_path)  # the chunk is done: an interruption resumes after it
        progress.update(name, record["read"], record["rejected"])
    _combine(name, work, out, record["parts"], columns)
    record["complete"] = True
    _save(state, state_path)
    progress.update(name, record["read"], record["rejected"], final=True)


def _combine(name: str, work: Path, out: Path, parts: int, columns: list[str]) -> None:
    tmp = out / f".{name}.csv.tmp"
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        header_written = False
        for k in range(parts):
            text = (work / f"{name}.part-{k:05d}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
            if not text:
                continue
            if not header_written:
                fh.write(text[0])
                header_written = True
            fh.writelines(text[1:])
        if not header_written:
            fh.write(",".join(c for c in columns if not c.startswith("cov_")) + "\n")
    tmp.replace(out / f"{name}.csv")


def _save(state: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(path)


__all__ = ["InputError", "MappingError", "prepare"]
