"""The legal holds spreadsheet (decision 0040): headers people read, values machines read."""

from __future__ import annotations

import csv
import io
import re

from leadline.demo.testing import verified_client


def test_the_headers_are_words_and_every_date_and_number_a_machine_value(world):
    client = verified_client(world["prosecutor"])
    rows = list(csv.reader(io.StringIO(client.get("/legal/holds.csv").content.decode())))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Matter", "Given name", "Family name", "Date of birth"]
    assert all("_" not in h for h in header)  # no field names
    by = {h: i for i, h in enumerate(header)}
    assert body
    for row in body:
        assert re.fullmatch(r"\d+", row[by["Matter"]])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[by["Incident date"]])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[by["Last day"]])
        assert re.fullmatch(r"-?\d+", row[by["Days left"]])
    spanish = verified_client(world["prosecutor"], HTTP_ACCEPT_LANGUAGE="es")
    body_es = spanish.get("/legal/holds.csv").content.decode().split("\n", 1)[1]
    assert body_es == client.get("/legal/holds.csv").content.decode().split("\n", 1)[1]
