"""Issue #15 item 17, one step further: every page and endpoint the project serves is asked, as a signed-in
program manager and as a site administrator, with hostile values in every query parameter the code reads
(an impossible date, the last day of the calendar, a 20-digit number, a NUL) and in its path (a 20-digit
id, a random UUID). Whatever it answers, it is never a 500.

The URL resolver lists the patterns; the parameter names are every name the code reads from a query
string (``request.GET.get("x")``, ``query_params.get("x")``, ...), found in the source, plus the period
forms' fields, so a new page or a new parameter is covered without being listed here."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from leadline.demo.testing import verified_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = {
    "impossible date": "2026-02-30",
    "end of the calendar": "9999-12-31",
    "20 digits": "9" * 20,
    "NUL": "a\x00b",
}
SKIP = ("admin/", "static/", "media/", "__debug__/")
_READS = re.compile(
    r"""(?:GET|query_params)(?:\.get|\.getlist)?[\(\[]\s*["'](\w+)["']|\(request, ["'](\w+)["']"""
)


def query_names() -> list[str]:
    names = {"start", "end", "page", "q", "format", "date", "month", "since", "until", "status"}
    for path in ROOT.glob("**/*.py"):
        if "tests" not in path.parts and "migrations" not in path.parts:
            names.update(n for pair in _READS.findall(path.read_text(encoding="utf-8")) for n in pair if n)
    return sorted(names)


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _fill(route: str) -> str | None:
    """A path for the route, its arguments filled with a 20-digit integer or a random UUID."""
    if "(?P" in route or "^" in route:
        return None  # a regular-expression route (the API's format suffixes): its plain twin is tested
    route = re.sub(r"<int:\w+>", "9" * 20, route)
    route = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
    route = re.sub(r"<(?:str:|slug:)?\w+>", "x", route)
    route = re.sub(r"<path:\w+>", "x", route)
    return "/" + route


def _paths() -> list[str]:
    paths = {_fill(r) for r in _walk(get_resolver().url_patterns) if not r.startswith(SKIP)}
    return sorted(p for p in paths if p and "logout" not in p)


@pytest.mark.parametrize("persona", ["program_manager", "site_admin"])
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_no_page_answers_500_to_hostile_query_values(world, persona, kind):
    client = verified_client(world[persona], raise_request_exception=False)
    query = dict.fromkeys(query_names(), HOSTILE[kind])
    failures = []
    for path in _paths():
        response = client.get(path, query)
        if response.status_code >= 500:
            failures.append(f"{path} -> {response.status_code}")
    assert not failures, failures
