"""Template filters for what people read: ``{% load display %}`` then ``{{ x|day }}``, ``{{ x|moment }}``,
``{{ x|clock }}``, ``{{ x|month }}``, ``{{ x|money }}``, ``{{ x|number:1 }}``, ``{{ x|percent:1 }}``.

They are leadline.core.display's functions (one helper, decision 0040). Never use them for an input's
``value=``, a ``data-`` attribute or a ``<time datetime=…>``: machine values stay ``|date:"Y-m-d"``.
"""

from __future__ import annotations

from typing import Any

from django import template

from leadline.core import display

register = template.Library()


@register.filter
def day(value: Any) -> str:
    return display.day(value)


@register.filter
def moment(value: Any) -> str:
    return display.moment(value)


@register.filter
def clock(value: Any) -> str:
    return display.clock_time(value)


@register.filter
def month(value: Any) -> str:
    return display.month(value)


@register.filter
def money(value: Any, places: int = 2) -> str:
    return display.money(value, int(places))


@register.filter
def number(value: Any, places: Any = None) -> str:
    return display.number(value, None if places in (None, "") else int(places))


@register.filter
def percent(value: Any, places: int = 0) -> str:
    return display.percent(value, int(places))


@register.filter
def month_day(value: Any) -> str:
    return display.month_day(value)
