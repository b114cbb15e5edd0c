"""The XLSX written as text (operations.xlsx; decision 0041, "Speed"): what goes in comes back out of a
spreadsheet reader, cell for cell and type for type."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from leadline.operations.xlsx import _column, xlsx_bytes


def test_text_numbers_and_dates_come_back_as_written():
    rows: list[list[Any]] = [
        ["Participant id", "Café & <co>", "Date"],
        [12, 'a "quoted" </t> text', date(2026, 11, 3)],
        [3, "  leading and trailing  ", None],
        [4, "bell\x07 and tab\tkept", date(2000, 2, 29)],
    ]
    sheet: Any = load_workbook(io.BytesIO(xlsx_bytes('a & "b"', rows))).active
    assert sheet.title == 'a & "b"'
    assert sheet["A1"].value == "Participant id" and sheet["B1"].value == "Café & <co>"
    assert sheet["A2"].value == 12 and isinstance(sheet["A2"].value, int)
    assert sheet["B2"].value == 'a "quoted" </t> text' and sheet["B2"].data_type == "s"
    assert sheet["C2"].is_date and sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].value == datetime(2026, 11, 3)
    assert sheet["B3"].value == "  leading and trailing  "
    assert sheet["C3"].value is None
    assert sheet["B4"].value == "bell and tab\tkept"  # a character XML cannot carry is left out
    assert sheet["C4"].value == datetime(2000, 2, 29)
    assert sheet.max_row == 4 and sheet.max_column == 3


def test_a_row_shorter_than_the_header_reads_padded_to_its_width():
    written = xlsx_bytes("s", [["a", "b", "c"], [1, "", ""]])
    read: Any = load_workbook(io.BytesIO(written), read_only=True).active
    assert [list(r) for r in read.iter_rows(values_only=True)] == [["a", "b", "c"], [1, None, None]]


def test_column_letters():
    assert [_column(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
