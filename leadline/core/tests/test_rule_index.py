"""The index of PRODUCT.md §4 in docs/architecture.md ("Where each rule lives", issue #16 item 7) stays true:
one row per rule of §4, numbered and named as docs/spec/PRODUCT.md numbers them; every `file:function` it
names exists (the file, and a `def`, `class` or module-level table of that name in it); every
`file::test` exists. When code or a test moves, the failure names the cell to fix."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PRODUCT = ROOT / "docs" / "spec" / "PRODUCT.md"
HEADING = "## Where each rule lives"

CODE = re.compile(r"`([\w./-]+\.py):(\w+)`")
TEST = re.compile(r"`([\w./-]+\.py)::([\w:]+)`")


def rules_of_the_spec() -> dict[int, str]:
    """§4 of PRODUCT.md: number -> the rule's bold title."""
    text = PRODUCT.read_text(encoding="utf-8")
    section = text.split("## 4.", 1)[1].split("\n## ", 1)[0]
    return {int(n): title.rstrip(".") for n, title in re.findall(r"^(\d+)\. \*\*(.+?)\*\*", section, re.M)}


def index_rows() -> dict[int, tuple[str, str, str]]:
    """The table: rule number -> (the rule's cell, the code cell, the tests cell)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert HEADING in text, f"docs/architecture.md has no section {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows: dict[int, tuple[str, str, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (number := re.match(r"(\d+)\. ", cells[0])):
            assert int(number[1]) not in rows, f"rule {number[1]} has two rows"
            rows[int(number[1])] = (cells[0], cells[1], cells[2])
    return rows


def defines(path: Path, name: str) -> bool:
    source = path.read_text(encoding="utf-8")
    return re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b|^{name}\s*[:=]", source, re.M) is not None


def test_every_rule_of_section_4_has_its_row_under_its_own_number_and_name():
    rules, rows = rules_of_the_spec(), index_rows()
    assert len(rules) >= 13, "could not read §4 of docs/spec/PRODUCT.md"
    assert sorted(rows) == sorted(rules), f"rows for rules {sorted(rows)}, §4 has {sorted(rules)}"
    for number, title in rules.items():
        assert rows[number][0] == f"{number}. {title}", f"rule {number} is {title!r} in PRODUCT.md §4"


def test_each_row_names_code_and_tests():
    for number, (_rule, code, tests) in index_rows().items():
        assert CODE.search(code), f"rule {number}: no `file:function` in the 'enforced by' cell"
        assert TEST.search(tests), f"rule {number}: no `file::test` in the 'fails if it breaks' cell"


def test_every_function_named_exists_where_the_index_says():
    missing = []
    for number, (_rule, code, _tests) in index_rows().items():
        for file, name in CODE.findall(code):
            path = ROOT / file
            if not path.is_file():
                missing.append(f"rule {number}: {file} does not exist (for {name})")
            elif not defines(path, name):
                missing.append(f"rule {number}: {file} defines no {name}")
    assert not missing, "docs/architecture.md 'Where each rule lives' is out of date:\n" + "\n".join(missing)


def test_every_test_named_exists_where_the_index_says():
    missing = []
    for number, (_rule, _code, tests) in index_rows().items():
        for file, name in TEST.findall(tests):
            path = ROOT / file
            if not path.is_file():
                missing.append(f"rule {number}: {file} does not exist (for {name})")
                continue
            for part in name.split("::"):  # Class::test: each level is defined in the file
                if not defines(path, part):
                    missing.append(f"rule {number}: {file} defines no {part}")
    assert not missing, "docs/architecture.md 'Where each rule lives' is out of date:\n" + "\n".join(missing)
