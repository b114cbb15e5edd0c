"""The numbers every estimate of EVIDENCE-DATA.md is written with: a ratio with its n and 95% interval
(``ratio``), and plain JSON numbers (``number``: None for NaN or infinity)."""

from __future__ import annotations

import math
from typing import Any

Z = 1.959963984540054


def number(x: Any) -> float | None:
    """A plain number for JSON (None for NaN/inf)."""
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def _exp(x: float) -> float:
    return math.exp(x) if x < 700 else math.inf  # a diverged fit (separation) gives no number, not a crash


def ratio(beta: float, se: float, p: float | None, n: int) -> dict[str, Any]:
    return {
        "estimate": number(_exp(beta)), "ci_low": number(_exp(beta - Z * se)),
        "ci_high": number(_exp(beta + Z * se)), "p": number(p), "n": int(n),
    }  # fmt: skip
