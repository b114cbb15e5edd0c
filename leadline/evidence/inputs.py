"""Reading the contract's input files (EVIDENCE-DATA.md): CSV or Parquet, read by DuckDB, every value
checked. A missing required column or a bad value is an InputError naming the file, the row (1 is the
header, so the first data row is 2) and the column; unknown columns are ignored.
"""

from __future__ import annotations

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


def _find(data: Path, name: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        path = data / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def _read(path: Path) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        if path.suffix == ".csv":
            rel = con.read_csv(str(path), header=True, all_varchar=True, encoding="utf-8")
        else:
            rel = con.read_parquet(str(path))
        return rel.df()
    except (duckdb.Error, UnicodeDecodeError) as exc:
        raise InputError(path.name, None, None, f"cannot be read ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()


def _bad(frame: pd.DataFrame, mask: Any, path: Path, column: str, message: str) -> None:
    if bool(np.any(mask)):
        first = int(np.flatnonzero(np.asarray(mask))[0])
        raise InputError(path.name, first + 2, column, message)


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


def _check(frame: pd.DataFrame, schema: list[Col], path: Path) -> pd.DataFrame:
    out, problems, missing = validate(frame, schema)
    if missing:
        raise InputError(path.name, None, missing[0], "required column is missing")
    if problems:
        row, column, message = problems[0]
        raise InputError(path.name, row + 2, column, message)
    return out


def load(data: Path | str) -> dict[str, pd.DataFrame]:
    """Every input present in ``data``, checked; absent optional files are simply not in the result."""
    data = Path(data)
    if not data.is_dir():
        raise InputError(str(data), None, None, "is not a folder")
    out: dict[str, pd.DataFrame] = {}
    for name, schema in SCHEMAS.items():
        path = _find(data, name)
        if path is None:
            if name in REQUIRED_FILES:
                raise InputError(f"{name}.csv", None, None, "required file is missing (or people.parquet)")
            continue
        out[name] = _check(_read(path), schema, path)
    people = out["people"]
    dup = people["person_key"].duplicated()
    _bad(people, dup, Path("people.csv"), "person_key", "appears twice (person_key must be unique)")
    _bad(people, people["followup_end"] < people["index_date"], Path("people.csv"), "followup_end",
         "is before index_date")  # fmt: skip
    events = out["events"]
    _bad(events, ~events["person_key"].isin(people["person_key"]), Path("events.csv"), "person_key",
         "names nobody in people")  # fmt: skip
    if "monthly" in out:
        monthly = out["monthly"]
        _bad(monthly, ~monthly["person_key"].isin(people["person_key"]), Path("monthly.csv"), "person_key",
             "names nobody in people")  # fmt: skip
        _bad(monthly, monthly["month"] < 0, Path("monthly.csv"), "month", "0 (the month before) or later")
    return out


def as_of_default(inputs: dict[str, pd.DataFrame]) -> date:
    """The data cutoff when none is given: the latest follow-up end."""
    return inputs["people"]["followup_end"].max().date()
