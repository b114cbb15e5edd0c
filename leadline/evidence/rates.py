"""Rates (EVIDENCE-DATA.md): post-period counts per person-year, LEAD against comparison, with the
negative binomial (NB2) incidence rate ratio."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from leadline.evidence.features import Features, followup_years
from leadline.evidence.intervals import number, ratio

RATE_TYPES = ("booking", "jail_days", "prison_days", "case_filed")


def rates(f: pd.DataFrame) -> dict[str, Any]:
    """Post-period counts (index exclusive to follow-up end) per person-year of exposure; the incidence
    rate ratio from a negative binomial (NB2) model with log exposure as offset, fitted on the distinct
    (group, count, exposure) rows weighted by how many people share each (sufficient.nb2). For *_days
    the quantity is the number of days."""
    from leadline.evidence.sufficient import compress, nb2, wald_p  # lazy: loads scipy and statsmodels

    exposure = followup_years(f)
    keep = exposure > 0
    f, exposure = f[keep], exposure[keep]
    t = f["lead"].to_numpy(dtype=int)
    out: dict[str, Any] = {}
    if len(set(t)) < 2:
        return out
    for kind in RATE_TYPES:
        y = f[f"post_{kind}"].to_numpy(dtype=float)
        rate_lead = y[t == 1].sum() / exposure[t == 1].sum()
        rate_comp = y[t == 0].sum() / exposure[t == 0].sum()
        row: dict[str, Any] = {
            "irr": None, "ci_low": None, "ci_high": None, "rate_lead": number(rate_lead),
            "rate_comparison": number(rate_comp), "rate_difference": number(rate_lead - rate_comp),
            "n": len(y),
        }  # fmt: skip
        if y.sum() > 0 and y[t == 1].sum() > 0 and y[t == 0].sum() > 0:
            (ct, cy, ce), freq = compress(t, y, f["fu"].to_numpy(dtype=float))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = nb2(cy, ct, ce / 365.25, freq)
            if fit is not None:
                est = ratio(fit[0], fit[1], wald_p(*fit), len(y))
                row.update(irr=est["estimate"], ci_low=est["ci_low"], ci_high=est["ci_high"], p=est["p"])
        out[kind] = row
    return out


def section(data: Features) -> dict[str, Any] | None:
    """The section, when both groups have people."""
    return rates(data.people) if data.both_groups else None
