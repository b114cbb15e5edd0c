"""What a chart is made of, once for the page and the PDF (issue #17, item 7; decision 0042).

A chart function in ``charts.py`` lays its figures out as a ``Scene``: lines, circles, rectangles, polylines
and texts in the units of its view box, every text placed where it was measured to fit. The page writes the
scene as SVG (``templates/evaluation/_chart.html``); the quarterly report draws the very same scene with
fpdf2's drawing primitives (``draw_pdf``), so the PDF and the page agree to the coordinate.

Text is measured with the metrics of DejaVu Sans, the font vendored for the PDFs and asked for first by the
page's stylesheet: a label is placed by its measured box, not guessed, so a test can check that no label
sits on another label, a curve, a bar or a reference line.

Every chart is laid out twice: ``NARROW`` for a phone (at 360 px the panel is about 294 px wide, so text of
13 units reads 11.2 px) and ``WIDE`` for a wider screen and the PDF (shown from 45rem, where the panel is
at least 654 px: 11.2 px again). The stylesheet shows one or the other; each fills the panel's width.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from leadline.core.pdf import FONTS

if TYPE_CHECKING:
    from fpdf import FPDF

NARROW, WIDE = 340, 760
PAD = 8
FONT = 13  # the smallest text, in view-box units: 11.2 px on a phone (see above)
LABEL = 14  # row and section labels
ASCENT, DESCENT = 0.93, 0.24  # DejaVu Sans: 1901 and 483 of 2048 units per em
LEADING = 1.3

INK, MUTED, GRID = "#1f2a30", "#5b6770", "#d5dbdf"
LEAD_COLOUR, COMPARISON_COLOUR = "#0b4f6c", "#7a4b00"  # contrast on white about 9:1 and 7:1


def _r(value: float) -> float:
    """A coordinate as the SVG and the PDF write it: one decimal, a plain float ("218.7" in any language)."""
    return round(float(value), 1)


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1


@dataclass
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = FONT
    anchor: str = "start"  # start | middle | end, as SVG's text-anchor
    bold: bool = False
    fill: str = INK
    role: str = "label"
    kind: ClassVar[str] = "text"

    def __post_init__(self) -> None:
        self.x, self.y = _r(self.x), _r(self.y)

    def box(self) -> Box:
        width = text_width(self.text, self.size, bold=self.bold)
        left = self.x - {"start": 0.0, "middle": width / 2, "end": width}[self.anchor]
        return Box(left, self.y - ASCENT * self.size, left + width, self.y + DESCENT * self.size)


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = INK
    width: float = 1.0
    dash: str = ""  # "4 3": dash and gap, view-box units
    role: str = ""
    kind: ClassVar[str] = "line"

    def __post_init__(self) -> None:
        self.x1, self.y1, self.x2, self.y2 = (_r(v) for v in (self.x1, self.y1, self.x2, self.y2))

    @property
    def segments(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        return [((self.x1, self.y1), (self.x2, self.y2))]


@dataclass
class Circle:
    cx: float
    cy: float
    r: float
    fill: str = LEAD_COLOUR
    stroke: str = LEAD_COLOUR
    width: float = 2.0
    role: str = "estimate"
    kind: ClassVar[str] = "circle"

    def __post_init__(self) -> None:
        self.cx, self.cy = _r(self.cx), _r(self.cy)

    def box(self) -> Box:
        grow = self.r + self.width / 2
        return Box(self.cx - grow, self.cy - grow, self.cx + grow, self.cy + grow)


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str = LEAD_COLOUR
    stroke: str = ""
    hatch: bool = False  # the comparison group's bars: white with diagonal lines
    role: str = "bar"
    key: str = ""
    kind: ClassVar[str] = "rect"

    def __post_init__(self) -> None:
        self.x, self.y, self.w, self.h = _r(self.x), _r(self.y), _r(self.w), _r(self.h)

    def box(self) -> Box:
        return Box(self.x, self.y, self.x + self.w, self.y + self.h)


@dataclass
class Poly:
    points: list[tuple[float, float]]
    stroke: str = ""
    width: float = 2.0
    dash: str = ""
    fill: str = ""  # a closed, filled shape (a confidence band) when set
    opacity: float = 1.0
    role: str = "curve"
    key: str = ""
    kind: ClassVar[str] = "poly"

    def __post_init__(self) -> None:
        self.points = [(_r(x), _r(y)) for x, y in self.points]

    @property
    def svg_points(self) -> str:
        """Machine values: "x,y x,y", a dot for the decimals whatever the reader's language."""
        return " ".join(f"{x!r},{y!r}" for x, y in self.points)

    @property
    def segments(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        pairs = list(zip(self.points, self.points[1:], strict=False))
        if self.fill:
            pairs.append((self.points[-1], self.points[0]))
        return pairs


Item = Text | Line | Circle | Rect | Poly


@dataclass
class Scene:
    layout: str  # "narrow" or "wide"
    width: float
    height: float = 0.0
    items: list[Item] = field(default_factory=list)

    def add(self, *items: Item) -> None:
        self.items.extend(items)

    @property
    def hatched(self) -> bool:
        return any(isinstance(i, Rect) and i.hatch for i in self.items)

    @property
    def texts(self) -> list[Text]:
        return [i for i in self.items if isinstance(i, Text)]


@dataclass
class Chart:
    """One chart: what it is called and says (for screen readers), and its two layouts."""

    kind: str  # the page's data-chart: effects, survival, costs, funnel, monthly
    title: str
    desc: str
    narrow: Scene
    wide: Scene
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def scenes(self) -> list[Scene]:
        return [self.narrow, self.wide]


# Measuring text ------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _advances(bold: bool) -> tuple[dict[int, int], int]:
    from fontTools.ttLib import TTFont  # fpdf2's own dependency; read once per weight

    font = TTFont(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), lazy=True)
    metrics = font["hmtx"]
    widths = {code: metrics[name][0] for code, name in font.getBestCmap().items()}
    return widths, int(font["head"].unitsPerEm)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    widths, per_em = _advances(bold)
    return sum(widths.get(ord(c), per_em * 0.62) for c in text) / per_em * size


def wrap(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """Greedy line breaking at spaces by measured width; a word wider than the line is cut by characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold=bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, size, bold=bold) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], size, bold=bold) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


def line_height(size: float) -> float:
    return size * LEADING


def text_block(scene: Scene, lines: list[str], *, x: float, top: float, size: float = FONT,
               bold: bool = False, anchor: str = "start", role: str = "label",
               fill: str = INK) -> float:  # fmt: skip
    """Lines of text whose first line's top is ``top``; returns the y just under the last line."""
    y = top + ASCENT * size
    for text in lines:
        scene.add(Text(x, y, text, size=size, bold=bold, anchor=anchor, role=role, fill=fill))
        y += line_height(size)
    return y - line_height(size) + DESCENT * size


# The PDF -------------------------------------------------------------------------------------------------

PT_PER_MM = 72 / 25.4


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    if len(colour) == 3:  # "#fff"
        colour = "".join(c * 2 for c in colour)
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def draw_pdf(pdf: FPDF, scene: Scene, *, font: str = "DejaVu") -> None:
    """Draw the scene at the cursor across the page's text width (a new page first when it does not fit),
    with the same coordinates the SVG has, scaled to millimetres; the cursor ends under it."""
    scale = pdf.epw / scene.width
    if pdf.get_y() + scene.height * scale > pdf.page_break_trigger:
        pdf.add_page()
    left, top = pdf.l_margin, pdf.get_y()

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * scale, top + y * scale

    def dashed(pattern: str) -> None:
        if pattern:
            dash, gap = (float(v) * scale for v in pattern.split())
            pdf.set_dash_pattern(dash=dash, gap=gap)
        else:
            pdf.set_dash_pattern()

    for item in scene.items:
        if isinstance(item, Line):
            pdf.set_draw_color(*_rgb(item.stroke))
            pdf.set_line_width(item.width * scale)
            dashed(item.dash)
            pdf.line(*at(item.x1, item.y1), *at(item.x2, item.y2))
        elif isinstance(item, Poly):
            dashed(item.dash)
            points = [at(x, y) for x, y in item.points]
            if item.fill:
                pdf.set_fill_color(*_rgb(item.fill))
                with pdf.local_context(fill_opacity=item.opacity):
                    pdf.polygon(points, style="F")
            else:
                pdf.set_draw_color(*_rgb(item.stroke))
                pdf.set_line_width(item.width * scale)
                pdf.polyline(points, style="D")
        elif isinstance(item, Circle):
            dashed("")
            pdf.set_draw_color(*_rgb(item.stroke))
            pdf.set_fill_color(*_rgb(item.fill))
            pdf.set_line_width(item.width * scale)
            pdf.circle(*at(item.cx, item.cy), item.r * scale, style="DF")
        elif isinstance(item, Rect):
            dashed("")
            x, y = at(item.x, item.y)
            w, h = item.w * scale, item.h * scale
            if item.hatch:
                pdf.set_fill_color(255, 255, 255)
                pdf.rect(x, y, w, h, style="F")
                pdf.set_draw_color(*_rgb(item.stroke or INK))
                pdf.set_line_width(3 * scale * 0.7)
                with pdf.rect_clip(x, y, w, h):
                    step = 6 * scale * 1.41
                    offset = -h
                    while offset < w:
                        pdf.line(x + offset, y + h, x + offset + h, y)
                        offset += step
            if item.stroke:
                pdf.set_draw_color(*_rgb(item.stroke))
                pdf.set_line_width(1 * scale)
            if not item.hatch:
                pdf.set_fill_color(*_rgb(item.fill))
            pdf.rect(x, y, w, h, style=("D" if item.hatch else "DF") if item.stroke else "F")
        elif isinstance(item, Text):
            pdf.set_font(font, "B" if item.bold else "", item.size * scale * PT_PER_MM)
            pdf.set_text_color(*_rgb(item.fill))
            width = pdf.get_string_width(item.text)
            x, y = at(item.x, item.y)
            x -= {"start": 0.0, "middle": width / 2, "end": width}[item.anchor]
            pdf.text(x, y, item.text)
    dashed("")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.set_y(top + scene.height * scale + 3)
