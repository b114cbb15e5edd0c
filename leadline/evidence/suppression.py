"""Small-cell suppression for the public copy of the results (`leadline evaluate --public`, the
evaluation's public results; PRODUCT §4 rule 8)."""

from __future__ import annotations

import copy
from typing import Any

from leadline.evidence.sections import SECTIONS


def suppress(result: dict[str, Any], threshold: int = 10) -> dict[str, Any]:
    """Small cells for public output (PRODUCT §4 rule 8): no count from 1 to ``threshold``, and nothing
    from which one can be derived — a rate or ratio built on a suppressed cell is null, a complement
    (base minus count) in range suppresses its count, and where a total would reveal a single
    suppressed cell the next-smallest cell is suppressed too (complementary suppression)."""
    out = copy.deepcopy(result)

    def small(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool) and 1 <= x <= threshold

    for name, value in out.get("n", {}).items():
        if small(value):
            out["n"][name] = None
    for section in SECTIONS:
        if not section.public:
            out.pop(section.key, None)
        elif section.suppress is not None and section.key in out:
            section.suppress(out[section.key], small)
    _safety_net(out, small)
    # An addition to the contract (allowed): what was hidden, so a report can say so whatever the site's
    # threshold is by the time it is read.
    out["suppression"] = {"threshold": threshold}
    return out


COUNT_KEYS = ("n", "events", "count", "base", "total")


def _safety_net(node: Any, small: Any) -> None:
    """Whatever the sections above missed: an estimate built on 1..threshold people shows no number, and
    no count-like key anywhere carries a small value."""
    if isinstance(node, dict):
        if small(node.get("n")) and isinstance(node.get("n"), int):
            for key, value in node.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    node[key] = None
        for key, value in node.items():
            if key in COUNT_KEYS and isinstance(value, int) and not isinstance(value, bool) and small(value):
                node[key] = None
            else:
                _safety_net(value, small)
    elif isinstance(node, list):
        for item in node:
            _safety_net(item, small)
