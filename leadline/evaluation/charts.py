"""Charts drawn on the server as SVG (no JavaScript, nothing from a CDN): each sits beside the table it
draws, which is its text alternative, and carries a title and a description for screen readers.

Geometry (coordinates, sizes, paths) is a machine value: the chart templates write it inside
``{% localize off %}``, so it reads "218.7" in every language. Everything a person reads — labels, the title,
the description — is formatted here, in the reader's language (issue #15, item 2; decision 0027)."""

from __future__ import annotations

import math
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext

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
        "ticks": [{"x": x(t), "label": _tick(t)} for t in ticks],
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


# The three charts below (issue #6) return their geometry and, for screen readers, a title and a description
# that states the figures. A value that is None (suppressed in the public copy, or not computable) is never
# drawn: it is named "suppressed" or "not shown" instead.

LEAD_FILL, COMPARISON_STROKE = "#0b4f6c", "#7a4b00"  # contrast on white about 9:1 and 7:1
TICKS = (0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128)


def _money(value: float | None) -> str:
    if value is None:
        return gettext("suppressed")
    return ("−$" if value < 0 else "$") + number_format(round(abs(value), 2), 2, force_grouping=True)


def _tick(value: float) -> str:
    """An axis label, read by a person: in their language ("0,5" in Spanish)."""
    return number_format(value)


def _ratio(value: float) -> str:
    return number_format(round(value, 2), 2)  # number_format cuts digits off: round first


def _positive(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in values)


def costs(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """Grouped horizontal bars: per person-year before and after the index, and the annual total with the
    program's own cost, for LEAD (solid) and the comparison group (hatched), each bar labelled in dollars."""
    if not section:
        return None
    parts = [
        ("pre", gettext("Before: the year before the index")),
        ("post", gettext("After: per person-year")),
        ("annual_total", gettext("Annual total, with LEAD's program cost")),
    ]
    top = max((v for key, _ in parts for v in (section.get(key) or {}).values() if _positive(v)), default=0.0)
    x0, bar_max, bar_h = 92, WIDTH - RIGHT - 72, 14
    groups = [("lead", gettext("LEAD")), ("comparison", gettext("Comparison"))]
    sections, sentences, y = [], [], 16
    for key, label in parts:
        figures = section.get(key) or {}
        bars = []
        for i, (group, name) in enumerate(groups):
            value = figures.get(group)
            bar_y = y + 6 + i * (bar_h + 4)
            width = round(value / top * (bar_max - x0), 1) if top and value is not None and value > 0 else 0.0
            bars.append({
                "group": group, "name": name, "x": x0, "y": bar_y, "w": width, "h": bar_h,
                "text_y": bar_y + bar_h - 3, "value_x": round(x0 + width + 4, 1),
                "drawn": value is not None, "value": _money(value),
            })  # fmt: skip
        sections.append({"label": label, "y": y, "bars": bars})
        sentences.append(
            gettext("%(part)s: LEAD %(lead)s, comparison %(comparison)s")
            % {
                "part": label,
                "lead": _money(figures.get("lead")),
                "comparison": _money(figures.get("comparison")),
            }
        )
        y += 6 + 2 * (bar_h + 4) + 18
    desc = gettext("Costs in dollars. %(figures)s.") % {"figures": "; ".join(sentences)} + _savings(section)
    return {
        "width": WIDTH, "height": y - 10, "x0": x0, "sections": sections,
        "lead_fill": LEAD_FILL, "comparison_stroke": COMPARISON_STROKE,
        "title": gettext("Costs per person, LEAD against the comparison group"), "desc": desc,
    }  # fmt: skip


def _savings(section: dict[str, Any]) -> str:
    if section.get("savings") is None:
        return ""
    text = " " + gettext("Savings per person-year (comparison minus LEAD): %(s)s") % {
        "s": _money(section["savings"])
    }
    interval = (section.get("bootstrap_ci") or {}).get("savings") or {}
    if interval.get("ci_low") is not None and interval.get("ci_high") is not None:
        text += " " + gettext("(bootstrap 95%% interval %(lo)s to %(hi)s)") % {
            "lo": _money(interval["ci_low"]),
            "hi": _money(interval["ci_high"]),
        }
    return text + "."


def _intervals(rows: list[dict[str, Any]], *, floor: float = 0.5, ceiling: float = 2.0) -> dict[str, Any]:
    """Rows of point estimates with their intervals on a log scale (a dashed line at 1), each under its
    label; a row not ``drawn`` is its label alone (e.g. "not shown")."""
    drawn = [r for r in rows if r["drawn"]]
    lo = min(floor, *(r["ci_low"] for r in drawn)) if drawn else floor
    hi = max(ceiling, *(r["ci_high"] for r in drawn)) if drawn else ceiling
    span = math.log(hi) - math.log(lo)

    def x(value: float) -> float:
        return round(LEFT + (math.log(value) - math.log(lo)) / span * (WIDTH - LEFT - RIGHT), 1)

    ticks = [t for t in TICKS if lo <= t <= hi]
    if len(ticks) > 7:  # at 360 px, keep the tick labels apart
        ticks = [t for t in ticks if t == 1 or round(math.log2(t)) % 2 == 0]
    out, y = [], 4
    for r in rows:
        row = {"label": r["label"], "text_y": y + 12, "drawn": r["drawn"], "hollow": r.get("hollow", False)}
        if r["drawn"]:
            row.update(y=y + 22, x=x(r["estimate"]), x1=x(r["ci_low"]), x2=x(r["ci_high"]))
            y += 32
        else:
            y += 20
        out.append(row)
    return {
        "width": WIDTH, "height": y + 24, "one": x(1), "axis_y": y + 4, "tick_y": y + 18, "rows": out,
        "ticks": [{"x": min(max(x(t), 14), WIDTH - 14), "label": _tick(t)} for t in ticks],
    }  # fmt: skip


def funnel(stage: dict[str, Any], *, reference: str, label: str, unreportable: bool) -> dict[str, Any] | None:
    """One stage of the disparity funnel: each group's Relative Rate Index with its 95% interval against
    the reference group. ``unreportable`` draws groups under the minimum sizes too (hollow, dashed, marked
    "too few to judge"); the public page does not. A null RRI (suppressed, or not computable) is never
    drawn: the group is listed as not shown."""
    groups = (stage or {}).get("groups") or {}
    if not groups:
        return None
    rows, said, hidden = [], [], []
    for race, g in groups.items():
        figures = (g.get("rri"), g.get("ci_low"), g.get("ci_high"))
        small = not g.get("reportable")
        if not _positive(*figures) or (small and not unreportable):
            reason = gettext("too few to judge") if _positive(*figures) else gettext("not shown")
            rows.append({"label": f"{race}: {reason}", "drawn": False})
            hidden.append(f"{race} ({reason})")
            continue
        rri, lo, hi = (float(v) for v in figures)
        name = gettext("%(group)s (reference)") % {"group": race} if race == reference else race
        note = " · " + gettext("too few to judge") if small else ""
        rows.append({"label": f"{name}: {_ratio(rri)} ({_ratio(lo)}–{_ratio(hi)}){note}", "drawn": True,
                     "hollow": small, "estimate": rri, "ci_low": lo, "ci_high": hi})  # fmt: skip
        said.append(
            gettext("%(group)s %(rri)s (interval %(lo)s to %(hi)s)")
            % {"group": name, "rri": _ratio(rri), "lo": _ratio(lo), "hi": _ratio(hi)}
            + note.replace(" · ", ", ")
        )
    desc = gettext(
        "Relative Rate Index against %(reference)s, on a log scale with a line at 1 (the same rate as "
        "%(reference)s): %(figures)s."
    ) % {"reference": reference, "figures": "; ".join(said) or gettext("none to show")}
    if hidden:
        desc += " " + gettext("Not shown: %(groups)s.") % {"groups": ", ".join(hidden)}
    title = gettext("Relative Rate Index by group: %(stage)s") % {"stage": label}
    return {**_intervals(rows), "title": title, "desc": desc}


def monthly(outcomes: list[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """Each monthly outcome's odds ratio (follow-up months against the month before referral) with its
    interval. The results carry only these odds ratios, not the month-by-month shares, so the ratios are
    what is drawn; a line of shares by month would need the engine (leadline/evidence) to add them."""
    rows, said = [], []
    for name, m in outcomes:
        figures: tuple[Any, ...] = (m.get("or"), m.get("ci_low"), m.get("ci_high"))
        if not _positive(*figures):
            rows.append({"label": f"{name}: {gettext('not shown')}", "drawn": False})
            said.append(gettext("%(outcome)s not shown") % {"outcome": name})
            continue
        value, lo, hi = (float(v) for v in figures)
        rows.append({"label": f"{name}: {_ratio(value)} ({_ratio(lo)}–{_ratio(hi)})", "drawn": True,
                     "estimate": value, "ci_low": lo, "ci_high": hi})  # fmt: skip
        said.append(
            gettext("%(outcome)s %(or)s (interval %(lo)s to %(hi)s)")
            % {"outcome": name, "or": _ratio(value), "lo": _ratio(lo), "hi": _ratio(hi)}
        )
    if not rows:
        return None
    title = gettext("Odds ratios of each outcome, months after referral against the month before")
    desc = gettext(
        "Odds ratios on a log scale with a line at 1 (no change); above 1 means more likely after "
        "referral: %(figures)s."
    ) % {"figures": "; ".join(said)}
    return {**_intervals(rows), "title": title, "desc": desc}
