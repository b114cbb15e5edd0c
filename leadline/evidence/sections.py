"""The sections of the results (EVIDENCE-DATA.md), in the order the JSON document has them.

Adding an estimator is one file and one line: a module with a ``section(data: Features)`` function that
returns the section's JSON (None when the inputs do not allow it: the section is then omitted), and a
``Section`` line below. The engine (engine.evaluate) computes every section in this order, and the public
copy (suppression.suppress) runs each section's own ``suppress`` step before the checks every section
gets (no small count under a count-like key, no number built on a few people).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leadline.evidence import costs, disparity, monthly, rates, recidivism, survival
from leadline.evidence.features import Features


@dataclass(frozen=True)
class Section:
    key: str  # the section's key in the results (the contract: never renamed)
    compute: Callable[[Features], Any | None]  # its JSON from the prepared data; None leaves it out
    # Small-cell suppression of its own shapes for the public copy, in place: (section, small) -> None.
    suppress: Callable[[Any, Callable[[Any], bool]], None] | None = None
    public: bool = True  # whether the public (suppressed) copy carries the section at all


SECTIONS: tuple[Section, ...] = (
    Section("recidivism", recidivism.section, suppress=recidivism.suppress_small),
    Section("rates", rates.section),
    Section("survival", survival.section, suppress=survival.suppress_small),
    Section("costs", costs.section),
    Section("monthly", monthly.section),
    Section("disparity", disparity.section, suppress=disparity.suppress_small),
)
