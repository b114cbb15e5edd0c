"""What people read, in their language: one helper for money, numbers, percentages, days, moments and times.

Numbers, percentages and money follow the CLDR locale data (Babel): "$1,234.50" in English, "1.234,50 US$" in
Spanish, "12 %" with the space Spanish puts before the sign. Dates and times follow Django's own formats for
the active language ("March 14, 2026" / "14 de marzo de 2026"), in the site's time zone (activated for every
page by sites.middleware). The language is Django's active one (translation.get_language()).

Machine values never come here (decisions 0027 and 0040): an input's ``value=``, a ``data-`` attribute, an SVG
coordinate, a number or a date in a CSV file stay plain ("1234.5", "2026-03-14"). A CSV's headers and the
labels in it are in the reader's language; its figures are not.

Every function takes ``None`` and gives "" so a template's ``|default:"—"`` still applies.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, time
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.utils import formats, timezone, translation

Number = int | float | Decimal


def _locale() -> Locale:
    """The CLDR locale of the active language (English when none is active or CLDR does not know it)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def currency() -> str:
    """The ISO 4217 code amounts are kept in (``LEADLINE_CURRENCY``; unit costs are dollars by default)."""
    return str(getattr(settings, "LEADLINE_CURRENCY", "USD"))


def money(value: Number | None, places: int = 2) -> str:
    """An amount with its currency where the language puts it: "$1,234.50", "1.234,50 US$"."""
    if value is None or value == "":
        return ""
    locale = _locale()
    if places == 2:
        return format_currency(value, currency(), locale=locale)
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (places, places)
    return format_currency(value, currency(), format=pattern, locale=locale, currency_digits=False)


def number(value: Number | None, places: int | None = None) -> str:
    """A number grouped and pointed the language's way; ``places`` fixes the decimals (rounded half-even)."""
    if value is None or value == "":
        return ""
    locale = _locale()
    if places is None:
        return format_decimal(value, locale=locale)
    pattern = copy.copy(locale.decimal_formats[None])
    pattern.frac_prec = (places, places)
    return format_decimal(value, format=pattern, locale=locale)


def percent(value: Number | None, places: int = 0) -> str:
    """A share (0.125) as a percentage the language's way: "12.5%", "12,5 %" (places=1)."""
    if value is None or value == "":
        return ""
    locale = _locale()
    pattern = copy.copy(locale.percent_formats[None])
    pattern.frac_prec = (places, places)
    return pattern.apply(Decimal(str(value)), locale)


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def day(value: date | datetime | None) -> str:
    """A day as the language writes it: "March 14, 2026", "14 de marzo de 2026" (a moment: its local day)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return str(formats.date_format(value, "DATE_FORMAT"))


def moment(value: datetime | None) -> str:
    """A point in time, in the site's zone: "March 14, 2026, 9:05 a.m.", "14 de marzo de 2026 a las 09:05"."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return day(value)
    return str(formats.date_format(_local(value), "DATETIME_FORMAT"))


def clock_time(value: datetime | time | None) -> str:
    """The time of day only, in the site's zone: "2:05 p.m.", "14:05"."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return str(formats.time_format(value, "TIME_FORMAT"))


def month(value: date | datetime | None) -> str:
    """A month and its year: "March 2026", "marzo de 2026"."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return str(formats.date_format(value, "YEAR_MONTH_FORMAT"))


def month_day(value: date | datetime | None) -> str:
    """A day of the month without its year, for a table of weeks: "December 7", "7 de diciembre"."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return str(formats.date_format(value, "MONTH_DAY_FORMAT"))
