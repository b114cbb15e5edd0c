"""Input formats by language (``settings.FORMAT_MODULE_PATH``; decision 0027).

The first format of each ``*_INPUT_FORMATS`` list is how Django writes a date or a time into a form's input,
and Spanish's is ``%d/%m/%Y``: an ``<input type=date>`` takes only an ISO date, so "14/03/1991" was dropped by
the browser and saving the form blanked the date (issue #15). Here every language writes the machine (ISO)
format first, and still reads its own formats after it, for what people type into a text field. What people
read (``DATE_FORMAT``, ``|date``, numbers) is untouched: only machine values stay machine values.

A language added to ``settings.LANGUAGES`` needs its package here (``<code>/formats.py``, two lines);
leadline/core/tests/test_forms_every_language.py fails until it has one.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import global_settings

ISO_DATE = ["%Y-%m-%d"]
ISO_TIME = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"]
ISO_DATETIME = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M"]  # fmt: skip


def _then(first: list[str], own: list[str]) -> list[str]:
    return first + [f for f in own if f not in first]


def machine_first(language: str) -> tuple[list[str], list[str], list[str]]:
    """DATE_, TIME_ and DATETIME_INPUT_FORMATS for ``language``: ISO first, then Django's own for it."""
    django_own = import_module(f"django.conf.locale.{language}.formats")

    def own(name: str) -> list[str]:
        return list(getattr(django_own, name, getattr(global_settings, name)))

    return (
        _then(ISO_DATE, own("DATE_INPUT_FORMATS")),
        _then(ISO_TIME, own("TIME_INPUT_FORMATS")),
        _then(ISO_DATETIME, own("DATETIME_INPUT_FORMATS")),
    )
