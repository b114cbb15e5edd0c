"""`leadline evaluate`: inputs in, one JSON document out (EVIDENCE-DATA.md). Nothing is written unless
every input is valid and every section computed."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from leadline.evidence import features
from leadline.evidence import inputs as inputs_mod
from leadline.evidence.sections import SECTIONS
from leadline.evidence.suppression import suppress


def evaluate(
    data: features.Database | dict[str, pd.DataFrame],
    as_of: date | None = None,
    public: bool = False,
    threshold: int = 10,
) -> dict[str, Any]:
    """Every section the inputs allow. ``data`` is loaded inputs (files in DuckDB, or the PostgreSQL
    warehouse) or, for tests, a dict of data frames, checked here like files."""
    if isinstance(data, dict):
        data = inputs_mod.Dataset.from_frames(data)
    cutoff = as_of or inputs_mod.as_of_default(data)
    # The cutoff ends every follow-up and drops what came after it (and anyone indexed after it).
    prepared = features.Features(data, cutoff, features.person_features(data, cutoff))
    result: dict[str, Any] = {"as_of": cutoff.isoformat(), "n": prepared.n}
    for section in SECTIONS:  # evidence/sections.py: every section, in the contract's order
        value = section.compute(prepared)
        if value is not None:
            result[section.key] = value
    return suppress(result, threshold) if public else result


def run(
    data_dir: str | Path,
    out: str | Path,
    as_of: date | None = None,
    public: bool = False,
    threshold: int = 10,
) -> dict[str, Any]:
    """Read, compute, then write ``out`` atomically (a temporary file renamed into place)."""
    data = inputs_mod.load(data_dir)
    try:
        result = evaluate(data, as_of, public=public, threshold=threshold)
    finally:
        data.close()
    out = Path(out)
    fd, tmp = tempfile.mkstemp(
        dir=out.parent if str(out.parent) else ".", prefix=".evaluate-", suffix=".json"
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2, sort_keys=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result
