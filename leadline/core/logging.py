"""Log filters: request lines never carry query strings (a search for a person's name is participant data)."""

from __future__ import annotations

import logging


class StripQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            first = record.args[0]
            if "?" in first:
                method_path, _sep, rest = first.partition("?")
                protocol = rest.rsplit(" ", 1)[-1] if " " in rest else ""
                record.args = (f"{method_path}?[query removed] {protocol}".rstrip(), *record.args[1:])
        if "?" in str(getattr(record, "msg", "")) and not record.args:
            record.msg = str(record.msg).split("?", 1)[0] + "?[query removed]"
        return True
