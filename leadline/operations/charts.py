"""Week-by-week bar charts drawn on the server as SVG, beside the table that is their text alternative (as
evaluation.charts). Geometry is a machine value: the template writes it inside ``{% localize off %}``; what a
person reads (axis titles, tick labels, the legend) is formatted here in the reader's language."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.utils.formats import date_format, number_format

WIDTH, HEIGHT = 340, 210
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 44
# Colours with at least 4.5:1 contrast on white (a bar is a graphic: 3:1 needed), told apart by the legend.
PALETTE = ("#0b4f6c", "#b35c00", "#5b6770", "#6a3d9a")


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1): the top of the axis."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def _number(value: float) -> str:
    return number_format(value, 0 if float(value).is_integer() else 1)


def week_bars(
    *, mondays: list[date], series: list[tuple[str, list[float | None]]], y_title: str, x_title: str
) -> dict[str, Any] | None:
    """Stacked bars, one per week; ``series`` is (legend label, one value per week; None draws nothing). The
    legend is HTML under the chart (it wraps on a phone)."""
    if not mondays or not series:
        return None
    totals = [sum(v[i] or 0 for _label, v in series) for i in range(len(mondays))]
    top = nice_max(max(totals))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(mondays)
    bar_w = round(max(2.0, slot * 0.7), 1)
    base = TOP + plot_h

    def y(value: float) -> float:
        return round(base - value / top * plot_h, 1)

    bars = []
    for i in range(len(mondays)):
        x, height_so_far = round(LEFT + i * slot + (slot - bar_w) / 2, 1), 0.0
        for s, (_label, values) in enumerate(series):
            value = values[i] or 0
            if value > 0:
                y_top = y(height_so_far + value)
                bars.append({"x": x, "y": y_top, "w": bar_w, "h": round(y(height_so_far) - y_top, 1),
                             "fill": PALETTE[s % len(PALETTE)]})  # fmt: skip
            height_so_far += value
    every = max(1, math.ceil(len(mondays) / 6))  # at most six week labels fit under 340 px
    ticks_x = [
        {"x": round(LEFT + (i + 0.5) * slot, 1), "label": date_format(m, "j M")}
        for i, m in enumerate(mondays)
        if i % every == 0
    ]
    ticks_y = [{"y": y(v), "label": _number(v)} for v in (0, top / 2, top)]
    legend = [{"fill": PALETTE[s % len(PALETTE)], "label": label} for s, (label, _v) in enumerate(series)]
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "base": base,
        "bars": bars, "x_label_y": base + 14, "ticks_x": ticks_x, "ticks_y": ticks_y,
        "legend": legend if len(series) > 1 else [],
        "y_title": y_title, "x_title": x_title, "x_title_y": HEIGHT - 4, "y_title_x": 12,
        "y_title_y": round(TOP + plot_h / 2, 1),
    }  # fmt: skip
