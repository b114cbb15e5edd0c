"""The one formatting helper (leadline.core.display, decision 0040): what people read, in each language."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from leadline.core import display

NBSP = "\xa0"

EXPECTED = {
    # (function, args): {language: text}
    ("money", (Decimal("1234.5"),)): {"en": "$1,234.50", "es": f"1.234,50{NBSP}US$"},
    ("money", (Decimal("-1234.5"), 0)): {"en": "-$1,234", "es": f"-1.234{NBSP}US$"},
    ("money", (17,)): {"en": "$17.00", "es": f"17,00{NBSP}US$"},
    ("number", (1234.5,)): {"en": "1,234.5", "es": "1.234,5"},
    ("number", (Decimal("1234567.891"), 2)): {"en": "1,234,567.89", "es": "1.234.567,89"},
    ("number", (0.5, 1)): {"en": "0.5", "es": "0,5"},
    ("number", (12, 0)): {"en": "12", "es": "12"},
    ("percent", (0.125, 1)): {"en": "12.5%", "es": f"12,5{NBSP}%"},
    ("percent", (0.58,)): {"en": "58%", "es": f"58{NBSP}%"},
    ("day", (date(2026, 3, 14),)): {"en": "March 14, 2026", "es": "14 de marzo de 2026"},
    ("month", (date(2026, 3, 1),)): {"en": "March 2026", "es": "marzo de 2026"},
    ("clock_time", (time(14, 5),)): {"en": "2:05 p.m.", "es": "14:05"},
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("name", "args"), list(EXPECTED))
def test_each_helper_writes_the_language_way(name: str, args: tuple, language: str) -> None:
    with translation.override(language):
        assert getattr(display, name)(*args) == EXPECTED[(name, args)][language]


@pytest.mark.parametrize("name", ["money", "number", "percent", "day", "moment", "clock_time", "month"])
def test_nothing_reads_as_an_empty_string_so_default_still_applies(name: str) -> None:
    assert getattr(display, name)(None) == ""


def test_a_moment_reads_in_the_site_time_zone_not_utc() -> None:
    at = datetime(2026, 3, 14, 13, 5, tzinfo=UTC)  # 09:05 in Rochester (EDT, UTC-4)
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        with translation.override("en"):
            assert display.moment(at) == "March 14, 2026, 9:05 a.m."
            assert display.clock_time(at) == "9:05 a.m."
        with translation.override("es"):
            assert display.moment(at) == "14 de marzo de 2026 a las 09:05"
    late = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)  # still the 14th in Rochester
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")), translation.override("en"):
        assert display.day(late) == "March 14, 2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "March 14, 2026 · $1,234.50 · 1,234.6 · 12.5% · 2:05 p.m. · —"),
        ("es", f"14 de marzo de 2026 · 1.234,50{NBSP}US$ · 1.234,6 · 12,5{NBSP}% · 14:05 · —"),
    ],
)
def test_the_template_filters_are_the_helper(language: str, expected: str) -> None:
    template = Template(
        "{% load display %}{{ d|day }} · {{ m|money }} · {{ n|number:1 }} · {{ p|percent:1 }} · {{ t|clock }}"
        ' · {{ none|day|default:"—" }}'
    )
    context = Context(
        {"d": date(2026, 3, 14), "m": Decimal("1234.5"), "n": 1234.56, "p": 0.125, "t": time(14, 5)}
    )
    with translation.override(language):
        assert template.render(context) == expected


def test_a_language_cldr_does_not_know_falls_back_to_english() -> None:
    with translation.override("xx"):
        assert display.number(1234.5) == "1,234.5"
