"""Charts drawn on the server (no JavaScript, nothing from a CDN), for the evidence pages and the quarterly
PDF alike: each function lays its figures out as a ``scene.Chart`` — two layouts (phone and wide) of lines,
marks and measured texts — which ``templates/evaluation/_chart.html`` writes as SVG and
``scene.draw_pdf`` draws in the report (issue #17, item 7; decision 0042).

Every chart reads on its own: forest plots name each row and print its estimate and interval at the row's
end, the line at 1 says "no difference", the axes have ticks and a caption saying what is measured and in
which unit. No text is placed on a curve, a bar, a mark or a reference line: each is put where its measured
box is free (``leadline/evaluation/tests/test_charts.py`` checks the boxes against every shape).

Geometry is a machine value (plain floats, "218.7" in every language); everything a person reads — labels,
ticks, the title, the description — is formatted here, in the reader's language (decision 0027).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext

from leadline.evaluation.labels import EFFECT_ROWS
from leadline.evaluation.scene import (
    ASCENT,
    COMPARISON_COLOUR,
    DESCENT,
    FONT,
    GRID,
    INK,
    LABEL,
    LEAD_COLOUR,
    MUTED,
    NARROW,
    PAD,
    WIDE,
    Chart,
    Circle,
    Line,
    Poly,
    Rect,
    Scene,
    Text,
    line_height,
    text_block,
    text_width,
    wrap,
)

TICKS = (0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128)
GAP = 12  # between a column of text and the plot
ASCENT_FONT = ASCENT * FONT  # from a line's top to its baseline


def _money(value: float | None) -> str:
    if value is None:
        return gettext("suppressed")
    return ("−$" if value < 0 else "$") + number_format(round(abs(value), 2), 2, force_grouping=True)


def _tick(value: float) -> str:
    """An axis label, read by a person: in their language ("0,5" in Spanish)."""
    return number_format(value)


def _ratio(value: float) -> str:
    return number_format(round(value, 2), 2)  # number_format cuts digits off: round first


def _pct(share: float) -> str:
    return f"{number_format(round(share * 100))}%"


def _positive(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in values)


def _both(draw: Callable[[Scene], None]) -> tuple[Scene, Scene]:
    narrow, wide = Scene("narrow", NARROW), Scene("wide", WIDE)
    draw(narrow)
    draw(wide)
    return narrow, wide


# Forest plots: the effects, the disparity funnel's stages and the monthly outcomes -----------------------


def _estimate_row(label: str, estimate: float, low: float, high: float, *, note: str = "",
                  hollow: bool = False) -> dict[str, Any]:  # fmt: skip
    return {"label": label, "note": note, "drawn": True, "hollow": hollow, "estimate": estimate,
            "ci_low": low, "ci_high": high,
            "value": f"{_ratio(estimate)} ({_ratio(low)}–{_ratio(high)})"}  # fmt: skip


def _missing_row(label: str, reason: str, *, note: str = "") -> dict[str, Any]:
    """A row with nothing to draw: its reason ("not shown") is said under its label, in the label's column,
    so the column of figures holds figures only."""
    return {"label": label, "note": f"{note} · {reason}" if note else reason, "drawn": False, "value": ""}


def _forest_scene(scene: Scene, rows: list[dict[str, Any]], *, caption: str, floor: float = 0.5,
                  ceiling: float = 2.0) -> None:  # fmt: skip
    """Rows of estimates with their intervals on a log scale. Phone: each row's label above its interval;
    wide: the labels in a column on the left. The estimate and interval in figures end each row, in a
    column on the right. The line at 1 runs only where no label is and is named under the axis."""
    width, wide = scene.width, scene.layout == "wide"
    values_w = max((text_width(r["value"], FONT) for r in rows if r["drawn"]),
                   default=text_width(_ratio(0.5), FONT))  # fmt: skip
    plot_x1 = width - PAD - values_w - GAP
    if wide:
        longest = max(text_width(r["label"], LABEL) for r in rows)
        label_w = min(longest, width * 0.36)
        plot_x0 = PAD + label_w + GAP
    else:
        label_w, plot_x0 = width - 2 * PAD, PAD
    drawn = [r for r in rows if r["drawn"]]
    lo = min(floor, *(r["ci_low"] for r in drawn)) if drawn else floor
    hi = max(ceiling, *(r["ci_high"] for r in drawn)) if drawn else ceiling
    span = math.log(hi) - math.log(lo)
    inner0, inner1 = plot_x0 + 7, plot_x1 - 7  # the axis: a mark's radius inside the plot at either end

    def x(value: float) -> float:
        return inner0 + (math.log(value) - math.log(lo)) / span * (inner1 - inner0)

    one = x(1)
    bands: list[tuple[float, float]] = []  # where the line at 1 may run: between the labels (phone)
    y: float = PAD
    for r in rows:
        lines = wrap(r["label"], LABEL, label_w)
        notes = wrap(r["note"], FONT, label_w) if r["note"] else []
        text_h = len(lines) * line_height(LABEL) + len(notes) * line_height(FONT)
        if wide:
            block = max(text_h, 24)
            top, mark_y = y + (block - text_h) / 2, y + block / 2
            y += block + 10
        elif r["drawn"]:
            top, mark_y = y, y + text_h + 12
            bands.append((y + text_h + 1, mark_y + 12))
            y = mark_y + 12 + 8
        else:  # a label and its reason, nothing to draw under them
            top, mark_y = y, 0.0
            y += text_h + 8
        below = text_block(scene, lines, x=PAD, top=top, size=LABEL, role="row-label")
        if notes:
            text_block(scene, notes, x=PAD, top=below + 2, role="row-note", fill=MUTED)
        if r["drawn"]:
            scene.add(Text(width - PAD, mark_y + 0.35 * FONT, r["value"], anchor="end", role="row-value"))
            dash = "3 2" if r.get("hollow") else ""
            fill = "#fff" if r.get("hollow") else LEAD_COLOUR
            scene.add(Line(x(r["ci_low"]), mark_y, x(r["ci_high"]), mark_y, stroke=LEAD_COLOUR, width=2,
                           dash=dash, role="interval"),
                      Circle(x(r["estimate"]), mark_y, 5, fill=fill))  # fmt: skip
    axis_y = y + 2
    if wide:  # the labels are beside the plot: one unbroken line
        bands = [(PAD - 5, axis_y)]
    elif bands and rows[-1]["drawn"]:  # the last row's band reaches down to the axis
        bands[-1] = (bands[-1][0], axis_y)
    else:
        bands.append((y - 6, axis_y))
    for top, bottom in bands:
        scene.add(Line(one, top, one, bottom, stroke=MUTED, width=1.5, dash="4 3", role="null"))
    scene.add(Line(inner0, axis_y, inner1, axis_y, stroke=INK, role="axis"))
    _log_ticks(scene, [t for t in TICKS if lo <= t <= hi], x, axis_y)
    tick_bottom = axis_y + 6 + (ASCENT_FONT + DESCENT * FONT)
    nothing = gettext("no difference")
    half = text_width(nothing, FONT) / 2
    centre = min(max(one, PAD + half), width - PAD - half)
    scene.add(Text(centre, tick_bottom + 2 + ASCENT_FONT, nothing, anchor="middle", role="null-label"))
    below = tick_bottom + 2 + ASCENT_FONT + DESCENT * FONT
    below = text_block(scene, wrap(caption, FONT, width - 2 * PAD), x=PAD, top=below + 8, role="caption")
    scene.height = round(below + PAD, 1)


def _log_ticks(scene: Scene, ticks: list[float], x: Callable[[float], float], axis_y: float) -> None:
    """Tick marks and labels under the axis; 1 always, the others only where their label has room."""
    placed: list[Text] = []
    for t in sorted(ticks, key=lambda t: (t != 1, t)):
        label = Text(x(t), axis_y + 6 + ASCENT_FONT, _tick(t), anchor="middle", role="tick")
        box = label.box()
        if box.x0 < 0 or box.x1 > scene.width:
            continue
        if any(box.x0 < p.box().x1 + 6 and p.box().x0 < box.x1 + 6 for p in placed):
            continue
        placed.append(label)
    for label in sorted(placed, key=lambda t: t.x):
        scene.add(Line(label.x, axis_y, label.x, axis_y + 4, stroke=INK, role="tick-mark"), label)


def _forest_chart(kind: str, rows: list[dict[str, Any]], *, title: str, desc: str, caption: str,
                  floor: float = 0.5, ceiling: float = 2.0) -> Chart:  # fmt: skip
    narrow, wide = _both(lambda s: _forest_scene(s, rows, caption=caption, floor=floor, ceiling=ceiling))
    return Chart(kind, title, desc, narrow, wide, extra={"rows": rows})


def forest(effects: list[dict[str, Any]]) -> Chart | None:
    """The odds ratios of re-arrest, LEAD against the comparison group, one row per estimate: what it
    measures (the label), how (the note), the figures at the row's end."""
    if not effects:
        return None
    rows, said = [], []
    for e in effects:
        what, how = (str(s) for s in EFFECT_ROWS[e["method"]])
        if _positive(e.get("estimate"), e.get("ci_low"), e.get("ci_high")):
            row = _estimate_row(what, e["estimate"], e["ci_low"], e["ci_high"], note=how)
            said.append(
                gettext("%(what)s, %(how)s: %(value)s") % {"what": what, "how": how, "value": row["value"]}
            )
        else:
            row = _missing_row(what, gettext("not shown"), note=how)
            said.append(gettext("%(what)s, %(how)s: not shown") % {"what": what, "how": how})
        rows.append(row)
    title = gettext("Odds of re-arrest, LEAD against the comparison group, with 95%% intervals") % {}
    desc = gettext(
        "Odds ratios on a log scale with a line at 1 (no difference); left of 1 means lower odds of "
        "re-arrest with LEAD: %(figures)s."
    ) % {"figures": "; ".join(said)}
    caption = (
        gettext(
            "Odds ratio, LEAD against the comparison group (log scale); left of 1 = lower odds of re-arrest "
            "with LEAD. Lines: 95%% intervals."
        )
        % {}
    )
    return _forest_chart("effects", rows, title=title, desc=desc, caption=caption, floor=0.25)


def funnel(stage: dict[str, Any], *, reference: str, label: str, unreportable: bool) -> Chart | None:
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
            rows.append(_missing_row(race, reason))
            hidden.append(f"{race} ({reason})")
            continue
        rri, lo, hi = (float(v) for v in figures)
        name = gettext("%(group)s (reference)") % {"group": race} if race == reference else race
        note = gettext("too few to judge") if small else ""
        rows.append(_estimate_row(name, rri, lo, hi, note=note, hollow=small))
        said.append(
            gettext("%(group)s %(rri)s (interval %(lo)s to %(hi)s)")
            % {"group": name, "rri": _ratio(rri), "lo": _ratio(lo), "hi": _ratio(hi)}
            + (f", {note}" if note else "")
        )
    desc = gettext(
        "Relative Rate Index against %(reference)s, on a log scale with a line at 1 (the same rate as "
        "%(reference)s): %(figures)s."
    ) % {"reference": reference, "figures": "; ".join(said) or gettext("none to show")}
    if hidden:
        desc += " " + gettext("Not shown: %(groups)s.") % {"groups": ", ".join(hidden)}
    title = gettext("Relative Rate Index by group: %(stage)s") % {"stage": label}
    caption = gettext(
        "Relative Rate Index against %(reference)s (log scale); right of 1 = reaches this stage more often "
        "than %(reference)s. Lines: 95%% intervals."
    ) % {"reference": reference}
    return _forest_chart("funnel", rows, title=title, desc=desc, caption=caption)


def monthly(outcomes: list[tuple[str, dict[str, Any]]]) -> Chart | None:
    """Each monthly outcome's odds ratio (follow-up months against the month before referral) with its
    interval. The results carry only these odds ratios, not the month-by-month shares, so the ratios are
    what is drawn; a line of shares by month would need the engine (leadline/evidence) to add them."""
    rows, said = [], []
    for name, m in outcomes:
        figures: tuple[Any, ...] = (m.get("or"), m.get("ci_low"), m.get("ci_high"))
        if not _positive(*figures):
            rows.append(_missing_row(name, gettext("not shown")))
            said.append(gettext("%(outcome)s not shown") % {"outcome": name})
            continue
        value, lo, hi = (float(v) for v in figures)
        rows.append(_estimate_row(name, value, lo, hi))
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
    caption = (
        gettext(
            "Odds ratio, months after referral against the month before (log scale); right of 1 = more "
            "likely after referral. Lines: 95%% intervals."
        )
        % {}
    )
    return _forest_chart("monthly", rows, title=title, desc=desc, caption=caption)


# Survival ----------------------------------------------------------------------------------------------

DAY_STEPS = (30, 60, 90, 180, 365, 730, 1095)


def _share_at(points: list[list[float]], day: float) -> float:
    """The step function's value on ``day``: the last point at or before it."""
    share = 1.0
    for point in points:
        if point[0] > day:
            break
        share = point[1]
    return share


def _day_ticks(last: float, x: Callable[[float], float], width: float) -> list[int]:
    """Whole days at a regular step, as many as fit with room between their labels."""
    for step in DAY_STEPS:
        days = list(range(0, int(last) + 1, step))
        widths = [text_width(_tick(d), FONT) for d in days]
        apart = all(x(b) - x(a) > (wa + wb) / 2 + 8 for a, b, wa, wb in
                    zip(days, days[1:], widths, widths[1:], strict=False))  # fmt: skip
        if apart and len(days) <= (9 if width > 500 else 5):
            return days
    return [0]


def _step(points: list[list[float]], index: int, x: Callable[[float], float], y: Callable[[float], float],
          last: float) -> list[tuple[float, float]]:  # fmt: skip
    """A step line through column ``index`` of the points (1: the estimate; 2 and 3: the band)."""
    out: list[tuple[float, float]] = []
    for point in points:
        px, py = x(point[0]), y(point[index])
        if out:
            out.append((px, out[-1][1]))
        out.append((px, py))
    out.append((x(last), out[-1][1]))
    return out


def _km_scene(scene: Scene, curves: dict[str, list[list[float]]], names: dict[str, str],
              bands: bool) -> list[int]:  # fmt: skip
    width, wide = scene.width, scene.layout == "wide"
    last = max(p[0] for g in curves.values() for p in g) or 1.0
    shares = (0.0, 0.25, 0.5, 0.75, 1.0)
    share_w = max(text_width(_pct(s), FONT) for s in shares)
    plot_x0 = PAD + share_w + 8
    plot_x1 = width - PAD - text_width(_tick(int(last)), FONT) / 2 - 2
    # Above the plot, outside it: what the vertical axis measures, then the legend.
    below = text_block(scene, wrap(gettext("Share not re-arrested"), FONT, width - 2 * PAD, bold=True),
                       x=PAD, top=PAD, bold=True, role="axis-title")  # fmt: skip
    legend = [(g, names[g]) for g in ("lead", "comparison")]
    x_at, row_top = float(PAD), below + 6
    for group, name in legend:
        item_w = 26 + text_width(name, FONT)
        if x_at > PAD and x_at + item_w > width - PAD:
            x_at, row_top = PAD, row_top + line_height(FONT)
        mid = row_top + 0.55 * FONT
        colour = LEAD_COLOUR if group == "lead" else COMPARISON_COLOUR
        scene.add(
            Line(
                x_at,
                mid,
                x_at + 20,
                mid,
                stroke=colour,
                width=2.5 if group == "lead" else 2,
                dash="" if group == "lead" else "6 4",
                role="legend-swatch",
            ),
            Text(x_at + 26, row_top + 0.93 * FONT, name, role="legend"),
        )
        x_at += item_w + 18
    top = row_top + line_height(FONT) + 14
    if bands:
        top = text_block(scene, wrap((gettext("Shaded: 95%% interval") % {}), FONT, width - 2 * PAD), x=PAD,
                         top=row_top + line_height(FONT) + 2, role="legend", fill=MUTED) + 14  # fmt: skip
    bottom = top + (230 if wide else 170)

    def x(t: float) -> float:
        return plot_x0 + t / last * (plot_x1 - plot_x0)

    def y(s: float) -> float:
        return top + (1 - s) * (bottom - top)

    for s in shares:
        scene.add(
            Line(plot_x0, y(s), plot_x1, y(s), stroke=GRID, role="grid"),
            Text(plot_x0 - 8, y(s) + 0.35 * FONT, _pct(s), anchor="end", role="tick"),
        )
    for group in ("comparison", "lead"):
        colour = LEAD_COLOUR if group == "lead" else COMPARISON_COLOUR
        points = curves[group]
        if bands:
            upper, lower = _step(points, 3, x, y, last), _step(points, 2, x, y, last)
            scene.add(Poly(upper + lower[::-1], fill=colour, opacity=0.15, role="band", key=group))
        scene.add(Poly(_step(points, 1, x, y, last), stroke=colour, width=2.5 if group == "lead" else 2,
                       dash="" if group == "lead" else "6 4", key=group))  # fmt: skip
    scene.add(
        Line(plot_x0, top, plot_x0, bottom, stroke=INK, role="axis"),
        Line(plot_x0, bottom, plot_x1, bottom, stroke=INK, role="axis"),
    )
    days = _day_ticks(last, x, width)
    for d in days:
        scene.add(
            Line(x(d), bottom, x(d), bottom + 4, stroke=INK, role="tick-mark"),
            Text(x(d), bottom + 9 + 0.93 * FONT, _tick(d), anchor="middle", role="tick"),
        )
    unit = gettext("Days since referral (comparison group: since the arrest that made the index)")
    end = text_block(scene, wrap(unit, FONT, width - 2 * PAD), x=PAD,
                     top=bottom + 9 + (0.93 + DESCENT) * FONT + 6, role="caption")  # fmt: skip
    scene.height = round(end + PAD, 1)
    return days


def km(curves: dict[str, list[list[float]]] | None) -> Chart | None:
    """Kaplan-Meier curves: the share not yet re-arrested by day since the index, a step line per group,
    with its confidence band when the points carry one ([day, share, low, high])."""
    if not curves or not all(curves.get(g) for g in ("lead", "comparison")):
        return None
    curves = {g: curves[g] for g in ("lead", "comparison")}
    bands = all(len(p) >= 4 for g in curves.values() for p in g)
    names = {"lead": gettext("LEAD (solid line)"), "comparison": gettext("Comparison group (dashed line)")}
    days: list[int] = []

    def draw(scene: Scene) -> None:
        days[:] = _km_scene(scene, curves, names, bands)

    narrow = Scene("narrow", NARROW)
    draw(narrow)
    wide = Scene("wide", WIDE)
    draw(wide)  # the wide layout's ticks (more of them) make the table below the chart
    table = [
        {"day": _tick(d), "lead": _pct(_share_at(curves["lead"], d)),
         "comparison": _pct(_share_at(curves["comparison"], d))}
        for d in days if d > 0
    ]  # fmt: skip
    said = "; ".join(gettext("day %(day)s: LEAD %(lead)s, comparison %(comparison)s") % row for row in table)
    last = int(max(p[0] for g in curves.values() for p in g))
    title = gettext("Share not yet re-arrested, by days since referral (Kaplan–Meier)")
    desc = gettext(
        "Two step lines over %(days)s days, starting at 100%%: solid for LEAD, dashed for the comparison "
        "group; the higher line is the group re-arrested less. Share not re-arrested by %(figures)s."
    ) % {"days": _tick(last), "figures": said}
    return Chart("survival", title, desc, narrow, wide, extra={"table": table})


# Costs -------------------------------------------------------------------------------------------------


def _costs_scene(scene: Scene, parts: list[tuple[str, str, dict[str, Any]]], top_value: float) -> None:
    width = scene.width
    groups = [("lead", gettext("LEAD")), ("comparison", gettext("Comparison"))]
    name_w = max(text_width(name, FONT) for _, name in groups)
    x0 = PAD + name_w + 10
    values = [_money(figures.get(g)) for _, _, figures in parts for g, _ in groups]
    value_w = max(text_width(v, FONT) for v in [*values, gettext("suppressed")])
    bar_max = width - PAD - value_w - 8 - x0
    y: float = PAD
    for key, label, figures in parts:
        y = text_block(scene, wrap(label, FONT, width - 2 * PAD, bold=True), x=PAD, top=y, bold=True,
                       role="section-label") + 6  # fmt: skip
        for group, name in groups:
            value = figures.get(group)
            w = value / top_value * bar_max if top_value and value is not None and value > 0 else 0.0
            scene.add(Text(PAD, y + 11, name, role="bar-label"))
            if value is not None and w > 0:
                scene.add(Rect(x0, y, w, 14, fill=LEAD_COLOUR if group == "lead" else "#fff",
                               stroke="" if group == "lead" else COMPARISON_COLOUR, hatch=group != "lead",
                               key=f"{key}.{group}"))  # fmt: skip
            scene.add(Text(x0 + w + 6, y + 11, _money(value), role="bar-value", fill=INK))
            y += 20
        y += 10
    scene.height = round(y - 10 + PAD, 1)


def costs(section: dict[str, Any] | None) -> Chart | None:
    """Grouped horizontal bars: per person-year before and after the index, and the annual total with the
    program's own cost, for LEAD (solid) and the comparison group (hatched), each bar labelled in dollars."""
    if not section:
        return None
    parts = [
        ("pre", gettext("Before: the year before the index"), section.get("pre") or {}),
        ("post", gettext("After: per person-year"), section.get("post") or {}),
        (
            "annual_total",
            gettext("Annual total, with LEAD's program cost"),
            section.get("annual_total") or {},
        ),
    ]
    top_value = max((v for _, _, f in parts for v in f.values() if _positive(v)), default=0.0)
    narrow, wide = _both(lambda s: _costs_scene(s, parts, top_value))
    sentences = [
        gettext("%(part)s: LEAD %(lead)s, comparison %(comparison)s")
        % {"part": label, "lead": _money(f.get("lead")), "comparison": _money(f.get("comparison"))}
        for _, label, f in parts
    ]
    desc = gettext("Costs in dollars. %(figures)s.") % {"figures": "; ".join(sentences)} + _savings(section)
    title = gettext("Costs per person, LEAD against the comparison group")
    return Chart("costs", title, desc, narrow, wide)


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
