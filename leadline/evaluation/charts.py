"""Charts drawn on the server as SVG (no JavaScript, nothing from a CDN): each sits beside the table it
draws, which is its text alternative, and carries a title and a description for screen readers."""

from __future__ import annotations

import math
from typing import Any

WIDTH, LEFT, RIGHT = 340, 8, 16


def forest(effects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Odds ratios with their intervals on a log scale, a line at 1 (no difference)."""
    rows = [e for e in effects if e.get("estimate") and e.get("ci_low") and e.get("ci_high")]
    if not rows:
        return None
    lo = min(0.25, *(e["ci_low"] for e in rows))
    hi = max(2.0, *(e["ci_high"] for e in rows))
    span = math.log(hi) - math.log(lo)

    def x(value: float) -> float:
        return round(LEFT + (math.log(value) - math.log(lo)) / span * (WIDTH - LEFT - RIGHT), 1)

    height = 30 * len(rows) + 30
    ticks = [t for t in (0.25, 0.5, 1, 2, 4) if lo <= t <= hi]
    return {
        "height": height, "width": WIDTH, "one": x(1), "axis_y": height - 22,
        "ticks": [{"x": x(t), "label": f"{t:g}"} for t in ticks],
        "rows": [{"y": 20 + 30 * i, "x": x(e["estimate"]), "x1": x(e["ci_low"]), "x2": x(e["ci_high"]),
                  "label": e["method"]} for i, e in enumerate(rows)],
    }  # fmt: skip


def km(curves: dict[str, list[list[float]]] | None) -> dict[str, Any] | None:
    """Kaplan-Meier curves (share not yet re-arrested by day), one step line per group."""
    if not curves or not all(curves.get(g) for g in ("lead", "comparison")):
        return None
    height, top, bottom = 200, 10, 30
    last = max(p[0] for g in curves.values() for p in g) or 1.0

    def xy(t: float, s: float) -> tuple[float, float]:
        return (round(LEFT + t / last * (WIDTH - LEFT - RIGHT), 1),
                round(top + (1 - s) * (height - top - bottom), 1))  # fmt: skip

    paths = {}
    for group, points in curves.items():
        d, prev = [], None
        for t, s in points:
            x, y = xy(t, s)
            if prev is None:
                d.append(f"M{x},{y}")
            else:
                d.append(f"H{x}V{y}")
            prev = (x, y)
        d.append(f"H{xy(last, points[-1][1])[0]}")
        paths[group] = " ".join(d)
    grid = [{"y": xy(0, s)[1], "label": f"{int(s * 100)}%"} for s in (0.25, 0.5, 0.75, 1.0)]
    return {"height": height, "width": WIDTH, "lead": paths["lead"], "comparison": paths["comparison"],
            "axis_y": height - bottom, "days": int(last), "gridlines": grid}  # fmt: skip
