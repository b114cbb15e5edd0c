"""Every chart, in every language, draws the same picture (PRODUCT §4 rule 10; issue #15, item 2: under
Spanish the server-drawn SVGs wrote their coordinates with decimal commas, "218,7", and no chart drew).

Each page that draws charts (/evidence/ and the public /results/) is rendered in every language of
``settings.LANGUAGES`` from one stored run; each ``<svg>`` (both layouts of every chart) is parsed as XML;
every numeric attribute (x, y, width, height, cx, cy, r, points, d, viewBox, transform…) must read as plain
numbers, and every mark — an estimate, an interval, a curve, a bar — must sit at the same place on its axes
in every language. Only the labels a person reads are translated and localised; since their measured lengths
place the plot (issue #17, item 7: a longer Spanish label wraps onto another line), marks are compared in
the frame of their axes, not in raw view-box units. The spreadsheet of the public figures (/results.csv) is
the same file in every language.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from leadline.demo.testing import verified_client
from leadline.evaluation import charts
from leadline.evaluation.services import evaluation_run

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture(autouse=True)
def _language_given_back():
    """A request in Spanish leaves Spanish active in this thread (the language middleware activates the
    reader's language and nothing deactivates it): give the next test back the language it had."""
    with translation.override(translation.get_language()):
        yield


# Each function of leadline/evaluation/charts.py that draws a chart, and the data-chart its <svg> carries.
CHART_KINDS = {
    "forest": "effects", "km": "survival", "costs": "costs", "funnel": "funnel", "monthly": "monthly"
}  # fmt: skip
PAGES = {
    "/evidence/": {"effects": 1, "survival": 1, "costs": 1, "monthly": 1, "funnel": 4},
    "/results/": {"effects": 1, "costs": 1, "funnel": 4},
}

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
LENGTH = rf"{NUMBER}(?:%|px|em)?"
# Attributes holding one number (or length); a comma in any of them is a decimal comma.
SINGLE = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry", "dx", "dy", "width", "height",
          "stroke-width", "font-size", "opacity", "fill-opacity", "stroke-opacity", "offset"}  # fmt: skip
# Attributes holding a list of numbers separated by spaces (commas allowed between pairs in points).
LISTS = {"viewBox": 4, "stroke-dasharray": None}
TRANSFORMS = {"transform", "patternTransform", "gradientTransform"}
PATH_ARITY = {"M": 2, "L": 2, "T": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "A": 7, "Z": 0}


def plain_path(d: str) -> bool:
    """An SVG path whose numbers are plain: each command followed by a multiple of its arity of numbers,
    separated by spaces or one comma between the numbers of a coordinate pair."""
    if not re.fullmatch(rf"(?:\s*[MmLlTtHhVvCcSsQqAaZz](?:\s*,?\s*{NUMBER})*)*\s*", d):
        return False
    for command, args in re.findall(r"([MmLlTtHhVvCcSsQqAaZz])([^MmLlTtHhVvCcSsQqAaZz]*)", d):
        arity = PATH_ARITY[command.upper()]
        numbers = re.findall(NUMBER, args)
        if (arity == 0 and numbers) or (arity and (not numbers or len(numbers) % arity)):
            return False
        if arity == 1 and "," in args:  # H and V take one number: a comma here is a decimal comma
            return False
    return True


def numeric_attribute_problem(tag: str, name: str, value: str) -> str | None:
    where = f"<{tag} {name}={value!r}>"
    if name in SINGLE:
        return None if re.fullmatch(LENGTH, value.strip()) else where
    if name in LISTS:
        parts = value.split()
        expected = LISTS[name]
        ok = all(re.fullmatch(NUMBER, p) for p in parts) and (expected is None or len(parts) == expected)
        return None if ok else where
    if name == "points":
        pairs = value.split()
        ok = all(re.fullmatch(rf"{NUMBER},{NUMBER}", p) for p in pairs)
        return None if ok else where
    if name == "d":
        return None if plain_path(value) else where
    if name in TRANSFORMS:
        ok = bool(re.fullmatch(rf"(?:\s*[a-zA-Z]+\(\s*{NUMBER}(?:[\s]+{NUMBER})*\s*\))+\s*", value))
        return None if ok else where
    return None


def geometry(svg_text: str) -> list[tuple[str, str, str]]:
    """Every numeric attribute of the chart, in document order; fails on XML that does not parse or a number
    that is not plain."""
    root = ET.fromstring(svg_text)  # noqa: S314 (our own page, in a test)
    found, problems = [], []
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in SINGLE or name in LISTS or name in TRANSFORMS or name in ("points", "d"):
                problem = numeric_attribute_problem(element.tag, name, value)
                if problem:
                    problems.append(problem)
                found.append((element.tag, name, value))
    assert not problems, f"numbers that are not plain: {problems}"
    return found


def svgs(html: str, layout: str | None = None) -> list[str]:
    """Every chart's SVG on the page; with ``layout``, only that layout's (narrow: the phone's, wide)."""
    found = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    return [s for s in found if layout is None or f'data-layout="{layout}"' in s[:400]]


def kind_of(svg_text: str) -> str:
    match = re.search(r'data-chart(?:-wide)?="([^"]+)"', svg_text)
    assert match, svg_text[:200]
    return match.group(1)


def marks(svg_text: str) -> list[tuple[Any, ...]]:
    """Where each mark of the chart sits on its axes, as fractions (0 at the axis' start, 1 at its end):
    the estimates and intervals of a forest plot along its axis, the points of a survival curve or band on
    both axes, each bar's length against the longest. Rounded: each coordinate is written to 0.1 unit."""
    root = ET.fromstring(svg_text)  # noqa: S314 (our own page, in a test)
    elements = list(root.iter())
    axes = [e for e in elements if e.get("data-role") == "axis"]
    flat = [(float(a.get("x1", 0)), float(a.get("x2", 0))) for a in axes if a.get("y1") == a.get("y2")]
    upright = [(float(a.get("y1", 0)), float(a.get("y2", 0))) for a in axes if a.get("x1") == a.get("x2")]
    across, down = (flat[0] if flat else None), (upright[0] if upright else None)

    def fx(x: str | float) -> float:
        assert across is not None
        return round((float(x) - across[0]) / (across[1] - across[0]), 2)

    def fy(y: str | float) -> float:
        assert down is not None
        return round((float(y) - down[0]) / (down[1] - down[0]), 2)

    found: list[tuple[Any, ...]] = []
    bars = [e for e in elements if e.tag.endswith("rect") and e.get("data-bar")]
    longest = max((float(b.get("width", 0)) for b in bars), default=0.0)
    for e in elements:
        role, tag = e.get("data-role"), e.tag.split("}")[-1]
        if tag == "circle":
            found.append(("estimate", fx(e.get("cx", 0))))
        elif tag == "line" and role == "interval":
            found.append(("interval", fx(e.get("x1", 0)), fx(e.get("x2", 0))))
        elif tag in ("polyline", "polygon"):
            points = [p.split(",") for p in (e.get("points") or "").split()]
            found.append((role, e.get("data-group"), tuple((fx(x), fy(y)) for x, y in points)))
        elif tag == "rect" and e.get("data-bar"):
            found.append(("bar", e.get("data-bar"), round(float(e.get("width", 0)) / longest, 2)))
    return found


def _client_in(language: str, user: Any = None) -> Client:
    client = verified_client(user) if user is not None else Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def same_marks(a: Any, b: Any) -> bool:
    """Equal, numbers within 2% of their axis (the plot's width follows its labels; a mark keeps a few units
    from the axis' ends, and each coordinate is rounded to 0.1 unit)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 0.02
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same_marks(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_every_chart_function_is_drawn_on_a_page():
    drawn = {name for name, fn in inspect.getmembers(charts, inspect.isfunction)
             if fn.__module__ == charts.__name__ and not name.startswith("_")}  # fmt: skip
    assert drawn == set(CHART_KINDS), "a new chart: add it to CHART_KINDS and PAGES"
    assert set(CHART_KINDS.values()) == {kind for kinds in PAGES.values() for kind in kinds}


def test_every_chart_parses_and_draws_the_same_numbers_in_every_language(small_world):
    evaluation_run(demo=True)
    pictures: dict[str, dict[str, list[Any]]] = {}
    for language in LANGUAGES:
        for path, expected in PAGES.items():
            user = small_world["evaluator"] if path == "/evidence/" else None
            page = _client_in(language, user).get(path)
            assert page.status_code == 200
            html = page.content.decode()
            assert f'<html lang="{language}"' in html
            drawn = svgs(html)
            for layout in ("narrow", "wide"):
                kinds = [kind_of(s) for s in svgs(html, layout)]
                assert {k: kinds.count(k) for k in set(kinds)} == expected, f"{path} {layout} in {language!r}"
            shapes = []
            for svg in drawn:
                try:
                    assert len(geometry(svg)) > 20  # the chart drew something, in plain numbers
                    shapes.append((kind_of(svg), marks(svg)))
                except (AssertionError, ET.ParseError) as exc:
                    pytest.fail(f"{path} in {language!r}, chart {kind_of(svg)!r}: {exc}")
            pictures.setdefault(path, {})[language] = shapes
    for path, by_language in pictures.items():
        first = by_language[LANGUAGES[0]]
        assert sum(len(m) for _kind, m in first) > 40  # estimates, intervals, curves and bars were drawn
        for language, shapes in by_language.items():
            for (kind, these), (_kind, those) in zip(shapes, first, strict=True):
                assert same_marks(these, those), (
                    f"{path}: the {kind} chart's marks sit elsewhere in {language!r}"
                )


def test_the_labels_on_a_chart_are_in_the_readers_language(small_world):
    evaluation_run(demo=True)
    english = svgs(_client_in("en", small_world["evaluator"]).get("/evidence/").content.decode())
    spanish = svgs(_client_in("es", small_world["evaluator"]).get("/evidence/").content.decode())
    forest_en = next(s for s in english if kind_of(s) == "effects")
    forest_es = next(s for s in spanish if kind_of(s) == "effects")
    assert ">0.5</text>" in forest_en and ">0,5</text>" in forest_es  # a tick label, localised
    costs_es = next(s for s in spanish if kind_of(s) == "costs")
    assert "Costes" in costs_es or "Costos" in costs_es  # the description, translated


def test_the_public_spreadsheet_is_the_same_file_in_every_language(small_world):
    evaluation_run(demo=True)
    files = {language: _client_in(language).get("/results.csv").content for language in LANGUAGES}
    first = files[LANGUAGES[0]]
    assert first.count(b"\n") > 50
    for language, content in files.items():
        assert content == first, f"/results.csv differs in {language!r}"
    rows = list(csv.reader(io.StringIO(first.decode())))
    assert rows[0] == ["measure", "value"]
    for measure, value in rows[1:]:
        if re.fullmatch(r"-?[\d.,\s\u00a0]+", value):  # a number, as a person or a machine writes it
            assert re.fullmatch(NUMBER, value), f"{measure}: {value!r} is not a plain number"


@pytest.mark.parametrize(
    ("persona", "path"),
    [("prosecutor", "/legal/holds.csv"), ("program_manager", "/participants/export.csv")],
)
def test_the_program_spreadsheets_are_the_same_file_in_every_language(world, persona, path):
    """The other CSV downloads (dates, day counts, ids): machine values, never localised. A spreadsheet made
    for people has its headers in the reader's language (decision 0040): every row after them is the same."""
    files = {language: _client_in(language, world[persona]).get(path) for language in LANGUAGES}
    first = files[LANGUAGES[0]]
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    assert first.content.count(b"\n") >= 2  # a header and at least one row
    for language, answer in files.items():
        assert answer.content.split(b"\n", 1)[1] == first.content.split(b"\n", 1)[1], (
            f"{path} differs in {language!r}"
        )
