"""JSON read within bounds set before it is parsed (issue #15 items 9 and 17).

``json.loads`` follows nesting as deep as the text goes: ten thousand ``[`` raise a RecursionError (a 500
where the page should say what is wrong), and a file nested a few hundred levels parses, then breaks the
code that walks it. The nesting is measured first, on the text, strings skipped; nothing is parsed past
``max_depth``."""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _

MAX_DEPTH = 64  # an HSDS export or a site file is under ten levels deep
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class JsonRefused(ValueError):
    """Why the text is not JSON this page will read (a message for a person)."""


def json_depth(text: str, limit: int) -> int:
    """The deepest nesting of arrays and objects in ``text``, counted up to ``limit + 1``."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif bracket in "]}":
            depth -= 1
    return deepest


def loads_bounded(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON in ``data`` (UTF-8), or JsonRefused saying why not — not UTF-8, nested deeper than
    ``max_depth``, or not JSON (with the parser's line and column)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise JsonRefused(_("not UTF-8 text")) from None
    if json_depth(text, max_depth) > max_depth:
        raise JsonRefused(_("nested more than %(n)s levels deep") % {"n": max_depth})
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise JsonRefused(_("not valid JSON (%(error)s)") % {"error": exc}) from None
