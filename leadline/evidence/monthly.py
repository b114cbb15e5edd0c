"""Monthly outcomes (EVIDENCE-DATA.md, the Seattle housing and employment design): each follow-up month
against the month before referral, as odds ratios."""

from __future__ import annotations

from typing import Any

import pandas as pd

from leadline.evidence.features import Features, monthly_patterns
from leadline.evidence.intervals import ratio

MONTHLY = ("housed_permanent", "sheltered", "employed", "income_any")


def monthly(patterns: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Within-person monthly odds ratios: each follow-up month against month 0 (the month before
    referral), logistic GEE grouped by person, exchangeable correlation, robust errors — fitted on each
    outcome's patterns (features.monthly_patterns, sufficient.gee_monthly)."""
    from leadline.evidence.sufficient import gee_monthly, wald_p  # lazy: loads scipy and statsmodels

    out: dict[str, Any] = {}
    for outcome in MONTHLY:
        pat = patterns.get(outcome)
        if pat is None or pat.empty:
            continue
        f = pat["people"].to_numpy()
        rows0, rows1 = (f * pat["n0"]).sum(), (f * pat["m"]).sum()
        events = (f * (pat["k0"] + pat["k"])).sum()
        if rows0 == 0 or rows1 == 0 or events == 0 or events == rows0 + rows1:
            continue
        fit = gee_monthly(pat["n0"], pat["k0"], pat["m"], pat["k"], f)
        if fit is None:
            continue
        est = ratio(fit[0], fit[1], wald_p(*fit), int(f.sum()))
        out[outcome] = {"or": est["estimate"], "ci_low": est["ci_low"], "ci_high": est["ci_high"],
                        "p": est["p"], "n": est["n"]}  # fmt: skip
    return out


def section(data: Features) -> dict[str, Any] | None:
    """The section, when the ``monthly`` file was given."""
    if "monthly" not in data.data:
        return None
    return monthly({outcome: monthly_patterns(data.data, data.cutoff, outcome) for outcome in MONTHLY})
