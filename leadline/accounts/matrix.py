"""docs/permissions.md <-> code: render the capability table, and parse both tables back.

`python -m leadline.accounts.matrix` prints the capability table in the form docs/permissions.md holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from leadline.accounts.roles import CAPABILITIES, ROLE_CAPABILITIES, Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLE_COLUMNS = [r.value for r in Role]
PERSONA_COLUMNS = [*ROLE_COLUMNS, "no_role", "anonymous"]


def capability_table() -> str:
    header = "| capability | data class | " + " | ".join(ROLE_COLUMNS) + " |"
    rule = "|" + "---|" * (len(ROLE_COLUMNS) + 2)
    rows = []
    for name, cap in CAPABILITIES.items():
        cells = [ROLE_CAPABILITIES[Role(r)].get(name, "—") for r in ROLE_COLUMNS]
        rows.append(f"| `{name}` | {cap.data_class.value} | " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join([header, rule, *rows])


def _table_after(heading: str, text: str) -> list[list[str]]:
    start = text.index(heading)
    rows: list[list[str]] = []
    started = False
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            started = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
        elif started:
            break
    return rows


def parse_capabilities(text: str) -> dict[str, dict[str, str]]:
    rows = _table_after("## Capabilities", text)
    header = rows[0]
    roles = header[2:]
    result: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        name = row[0].strip("`")
        result[name] = {role: cell for role, cell in zip(roles, row[2:], strict=True) if cell != "—"}
    return result


@dataclass(frozen=True)
class EndpointRow:
    method: str
    path: str
    expected: dict[str, int]


def parse_endpoints(text: str) -> list[EndpointRow]:
    rows = _table_after("## Endpoints", text)
    header = rows[0]
    personas = header[2:]
    out = []
    for row in rows[1:]:
        expected = {p: int(c) for p, c in zip(personas, row[2:], strict=True)}
        out.append(EndpointRow(method=row[0], path=row[1].strip("`"), expected=expected))
    return out


if __name__ == "__main__":
    print(capability_table())
