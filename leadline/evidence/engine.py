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

from leadline.evidence import inputs as inputs_mod
from leadline.evidence import models, more


def evaluate(
    data: dict[str, pd.DataFrame], as_of: date | None = None, public: bool = False, threshold: int = 10
) -> dict[str, Any]:
    people, events = data["people"], data["events"]
    cutoff = pd.Timestamp(as_of or inputs_mod.as_of_default(data))
    # The cutoff ends every follow-up and drops what came after it (and anyone indexed after it).
    people = people[people["index_date"] <= cutoff].copy()
    people["followup_end"] = people["followup_end"].clip(upper=cutoff)
    events = events[(events["date"] <= cutoff) & events["person_key"].isin(people["person_key"])]
    result: dict[str, Any] = {
        "as_of": cutoff.date().isoformat(),
        "n": {g: int((people["group"] == g).sum()) for g in ("lead", "comparison")},
    }
    recidivism: dict[str, Any] = {"windows": models.windows(people, events)}
    did = models.did_or(people, events)
    if did is not None:
        recidivism["did_or"] = did
    recidivism.update(models.propensity(people, events))
    felony = models.did_or(people, events, kind="felony_charge")
    if felony is not None:
        recidivism["felony_did_or"] = felony
    result["recidivism"] = recidivism
    if result["n"]["comparison"] and result["n"]["lead"]:
        result["rates"] = models.rates(people, events)
        surv = models.survival(people, events)
        if surv is not None:
            result["survival"] = surv
        cost = more.costs(people, events, data.get("unit_costs"))
        if cost:
            result["costs"] = cost
    if "monthly" in data:
        monthly = data["monthly"][data["monthly"]["person_key"].isin(people["person_key"])]
        result["monthly"] = more.monthly(monthly)
    if "encounters" in data:
        encounters = data["encounters"][data["encounters"]["date"] <= cutoff]
        result["disparity"] = more.disparity(encounters, data.get("population"))
    return more.suppress(result, threshold) if public else result


def run(
    data_dir: str | Path,
    out: str | Path,
    as_of: date | None = None,
    public: bool = False,
    threshold: int = 10,
) -> dict[str, Any]:
    """Read, compute, then write ``out`` atomically (a temporary file renamed into place)."""
    data = inputs_mod.load(data_dir)
    result = evaluate(data, as_of, public=public, threshold=threshold)
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
