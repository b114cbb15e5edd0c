"""The black-box probe (issue #15): every role, every page it can reach, every format, every marker.

On the demo site, markers are planted through the app's own forms (as a case manager and the program
manager would type them: case notes of each sensitivity, a contact's place and summary, whereabouts, a
plan goal, an intake answer, a message, workgroup minutes). Then every demo account — twelve roles,
the no-role account and the anonymous visitor — walks the site the way a browser can: from the home
page, every link and every address any other account was shown (so a page a role was never linked to
is tried too), following pagination, API ``next``/``url`` links and downloads. Every answer — HTML,
JSON, CSV, PDF (text extracted), iCalendar (unfolded), headers included — is searched for each marker
the account must not see (PRODUCT.md §2 "never sees", §4 rules 1-3).

The probe knows nothing of the code's permission tables: who must not see what is written here, from
the spec, per demo account. A marker that nobody entitled can find fails the probe too (the planting
did not work, so the search would prove nothing).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from leadline.accounts.models import User
from leadline.demo.seed import seed_demo
from leadline.demo.testing import verified_client
from leadline.legal.models import LegalMatter
from leadline.participants.models import Participant

pytestmark = pytest.mark.slow

# --- who must never see what (PRODUCT.md §2), by demo account -----------------------------------------

EVERYONE = frozenset(
    {"olivia", "sam", "carmen", "casey", "omar", "paula", "priya", "dana", "pat", "ana", "adam", "oscar", ""}
)
PROGRAM_CLINICAL = frozenset({"carmen", "paula"})  # Tanya's case manager and the program manager
M = "QZPROBE"  # no word, no space: survives PDF text extraction and iCalendar folding once unfolded


@dataclass(frozen=True)
class Marker:
    token: str
    what: str
    may_see: frozenset[str]  # every other account (and the anonymous visitor, "") must never see it

    @property
    def must_not_see(self) -> frozenset[str]:
        return EVERYONE - self.may_see


MARKERS = [
    Marker(f"{M}NOTEGEN1", "a general case note", PROGRAM_CLINICAL),
    Marker(f"{M}NOTEHEALTH2", "a health case note", PROGRAM_CLINICAL),
    Marker(f"{M}NOTESUD3", "a substance-use treatment note (Part 2)", PROGRAM_CLINICAL),
    Marker(f"{M}CONTACTSUM4", "what was said at a contact", PROGRAM_CLINICAL),
    # Where a contact happened and where the person can be found: inside the program, outreach included;
    # never the police (no informant program), never another caseload's case manager (issue #15 item 14).
    Marker(f"{M}CONTACTPLACE5", "where a contact happened", PROGRAM_CLINICAL | {"omar"}),
    Marker(f"{M}WHERE6", "last known whereabouts", PROGRAM_CLINICAL | {"omar"}),
    Marker(f"{M}WHEREOUT9", "whereabouts of someone outreach is looking for", PROGRAM_CLINICAL | {"omar"}),
    # The charge on an open legal matter: the legal roles read it (Dana represents Tanya), police do not.
    Marker(f"{M}LEGALOPEN10", "the charge on an open legal matter", PROGRAM_CLINICAL | {"priya", "dana"}),
    # A cleared and sealed infraction: no criminal-justice role, ever again (PRODUCT.md §4 rule 3).
    Marker(f"{M}SEALED11", "the charge on a sealed infraction", PROGRAM_CLINICAL),
    # The workgroup's minutes: kept by the program, for the program (decision 0026).
    Marker(
        f"{M}MINUTES12",
        "the workgroup's minutes",
        PROGRAM_CLINICAL | {"casey", "omar"},
    ),
    Marker(f"{M}GOAL7", "a plan goal in the participant's words", PROGRAM_CLINICAL),
    Marker(f"{M}MSG8", "a message inside the program", PROGRAM_CLINICAL),
]
BY_TOKEN = {m.token: m for m in MARKERS}

# --- a small browser: forms, links, every format --------------------------------------------------------

MAX_URLS_PER_ROUTE = 2  # /participants/12/ and /participants/13/ are one route: a few of each suffice
MAX_FETCHES_PER_ACCOUNT = 700
SKIP_PATHS = re.compile(
    r"^/(static/|media/|accounts/logout|i18n/|admin/logout|admin/.*/delete/|admin/jsi18n|hooks/|"
    r"api/docs|api/schema/swagger|api/redoc)"
)


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._option: str | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs_list}
        if tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])
        if tag in ("iframe", "img", "object", "embed") and (a.get("src") or a.get("data")):
            self.links.append(a.get("src") or a.get("data", ""))
        for attr in ("hx-get", "data-href", "data-url"):
            if a.get(attr):
                self.links.append(a[attr])
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self._form.names.add(name)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._form.names.add(name)
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._form.names.add(name)
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            value = self._option if self._option is not None else ""
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            chosen = selected or [o for o in options if o][:1] or options[:1]
            self._form.fields.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "form":
            self._form = None


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def submit(client: Client, page_path: str, *, action: str, values: dict[str, str]) -> str:
    """Send the form on ``page_path`` whose action ends with ``action``, as a browser would: its own
    hidden fields and defaults, with ``values`` typed in. Returns the page it lands on."""
    response = client.get(page_path)
    assert response.status_code == 200, f"{page_path}: {response.status_code}"
    forms = [
        f
        for f in parse(response.content.decode()).forms
        if urlsplit(urljoin(page_path, f.action or page_path)).path == action
    ]
    forms = [f for f in forms if set(values) <= f.names] or forms
    assert forms, f"no form posting to {action} on {page_path}"
    form = forms[0]
    data: dict[str, list[str]] = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    for name, value in values.items():
        data[name] = [value]
    target = urljoin(page_path, form.action or page_path)
    answer = client.post(target, data, follow=True)
    assert answer.status_code == 200, f"POST {target} -> {answer.status_code}: {answer.content[:2000]!r}"
    return answer.content.decode()


def text_of(response) -> str:
    """Everything a person or a program could read in the answer: the body in its own format, headers."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [f"{k}: {v}" for k, v in response.items()]
    if kind.startswith("application/pdf"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        parts += [(p.extract_text() or "") for p in reader.pages]
        parts.append(repr(reader.metadata))
    elif kind.startswith("text/calendar"):
        parts.append(re.sub(r"\r?\n[ \t]", "", body.decode("utf-8", "replace")))  # RFC 5545 unfolding
    elif kind.startswith(("image/", "font/")):
        pass
    else:
        raw = body.decode("utf-8", "replace")
        parts += [raw, html.unescape(raw)]
        if kind.startswith("application/json"):
            with contextlib.suppress(ValueError):  # \uXXXX escapes undone
                parts.append(json.dumps(json.loads(raw), ensure_ascii=False))
    text = "\n".join(parts)
    return re.sub(r"\s+", "", text)  # PDF extraction may break a token across lines


def _json_links(value) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and (k in ("url", "next", "previous", "href") or v.startswith("/")):
                found.append(v)
            else:
                found += _json_links(v)
    elif isinstance(value, list):
        for v in value:
            found += _json_links(v)
    return found


def route_key(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return f"{match.route}|{sorted(match.kwargs)}"


@dataclass
class Walk:
    seen: dict[str, str] = field(default_factory=dict)  # url -> status
    found: dict[str, set[str]] = field(default_factory=dict)  # marker -> urls where it was read
    per_route: dict[str, int] = field(default_factory=dict)
    fetched: int = 0


def walk(client: Client, start: list[str], *, markers: list[Marker], state: Walk) -> set[str]:
    """Breadth-first through every same-site link (GET only), bounded per route and in total; ``state``
    carries what this account has already fetched, so a second round fetches only what is new."""
    result = state
    discovered: set[str] = set()
    per_route = result.per_route
    queue: deque[str] = deque(start)
    while queue and result.fetched < MAX_FETCHES_PER_ACCOUNT:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url in result.seen or SKIP_PATHS.match(parts.path):
            continue
        key = route_key(parts.path) + ("?" + "&".join(sorted(k for k, _ in parse_qsl(parts.query))))
        if per_route.get(key, 0) >= MAX_URLS_PER_ROUTE:
            continue
        per_route[key] = per_route.get(key, 0) + 1
        response = client.get(url)
        result.fetched += 1
        result.seen[url] = str(response.status_code)
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        text = text_of(response)
        for m in markers:
            if m.token in text:
                result.found.setdefault(m.token, set()).add(url)
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(response["Location"])
            continue
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "")
        body = response.content.decode("utf-8", "replace") if not response.streaming else ""
        links: list[str] = []
        if kind.startswith("text/html"):
            page = parse(body)
            links = page.links + [f.action for f in page.forms if f.method == "get" and f.action]
        elif kind.startswith("application/json"):
            try:
                links = _json_links(json.loads(body))
            except ValueError:
                links = []
        for link in links:
            absolute = urljoin(url, html.unescape(link)).split("#", 1)[0]
            for host in ("http://testserver", "https://testserver"):
                if absolute.startswith(host):
                    absolute = absolute[len(host) :]
            if absolute.startswith("/"):
                discovered.add(absolute)
                queue.append(absolute)
    return discovered


# --- the probe -----------------------------------------------------------------------------------------


def _plant(tanya: Participant) -> None:
    carmen = verified_client(User.objects.get(username="carmen"))
    base = f"/participants/{tanya.pk}/"
    for sensitivity, token in (
        ("general", f"{M}NOTEGEN1"),
        ("health", f"{M}NOTEHEALTH2"),
        ("substance_use", f"{M}NOTESUD3"),
    ):
        submit(
            carmen,
            base,
            action=f"{base}notes/",
            values={"body": f"probe {token}", "sensitivity": sensitivity},
        )
    submit(carmen, base, action=f"{base}whereabouts/", values={"whereabouts": f"under {M}WHERE6 bridge"})
    submit(
        carmen,
        base,
        action=f"{base}contacts/",
        values={
            "kind": "in_person",
            "reached": "yes",
            "place": f"at {M}CONTACTPLACE5",
            "summary": f"said {M}CONTACTSUM4",
        },
    )
    # Someone on Carmen's caseload whom outreach is looking for (referred or inactive).
    sought = (
        Participant.objects.filter(case_manager__username="carmen", status__in=("referred", "inactive"))
        .exclude(pk=tanya.pk)
        .order_by("pk")
        .first()
    )
    assert sought is not None, "the demo has nobody on Carmen's caseload for outreach to find"
    where = f"/participants/{sought.pk}/"
    submit(carmen, where, action=f"{where}whereabouts/", values={"whereabouts": f"{M}WHEREOUT9 corner"})
    plan = carmen.get(f"{base}plan/").content.decode()
    goal_form = next(f for f in parse(plan).forms if f.method == "post" and {"text", "domain"} <= f.names)
    submit(carmen, f"{base}plan/", action=goal_form.action or f"{base}plan/", values={"text": f"{M}GOAL7"})
    # A thread about Tanya inside the program, started from her page.
    listing = next(link for link in parse(carmen.get(base).content.decode()).links if "participant=" in link)
    page = parse(carmen.get(html.unescape(listing)).content.decode())
    start = next(link for link in page.links if link.startswith("/messages/new/"))
    submit(
        carmen,
        start,
        action=urlsplit(start).path,
        values={
            "subject": "probe",
            "body": f"{M}MSG8",
            "members": str(User.objects.get(username="paula").pk),
        },
    )


def _minutes() -> None:
    paula = verified_client(User.objects.get(username="paula"))
    index = parse(paula.get("/workgroup/").content.decode())
    meeting = next(link for link in index.links if re.fullmatch(r"/workgroup/meetings/\d+/", link))
    submit(paula, meeting, action=f"{meeting}minutes/", values={"minutes": f"agreed {M}MINUTES12"})


def _legal(tanya: Participant) -> None:
    """Charges carry no form of their own (they come with the arrest): the markers are written on the
    demo's two matters, and Marcus's is cleared and sealed as the legal sweep would leave it."""
    from leadline.core import clock
    from leadline.legal.models import Charge, LegalMatter

    open_matter = LegalMatter.objects.get(participant=tanya)
    Charge.objects.filter(matter=open_matter).update(description=f"{M}LEGALOPEN10")
    marcus = LegalMatter.objects.get(participant__given_name="Marcus", participant__family_name="Hill")
    Charge.objects.filter(matter=marcus).update(description=f"{M}SEALED11")
    LegalMatter.objects.filter(pk=marcus.pk).update(
        state=LegalMatter.State.CLEARED, resolved_at=clock.now(), sealed_at=clock.now()
    )


@pytest.mark.django_db(transaction=False)
def test_no_account_reads_what_it_must_not_see():
    seed_demo()
    tanya = Participant.objects.get(given_name="Tanya", family_name="Brooks")
    _plant(tanya)
    _legal(tanya)
    _minutes()

    accounts = sorted(EVERYONE - {""})
    clients = {name: verified_client(User.objects.get(username=name)) for name in accounts}
    clients[""] = Client()
    # The walk visits a few pages of each route; the demo holds many participants and matters (its story,
    # decision 0043), so it starts at the planted records too, for the entitled to find what was planted.
    marcus = LegalMatter.objects.get(participant__given_name="Marcus", participant__family_name="Hill")
    start = ["/", f"/participants/{tanya.pk}/", f"/participants/{marcus.participant_id}/",
             f"/legal/{marcus.pk}/", "/api/v1/", "/api/hsds/", "/results/", "/evidence/"]  # fmt: skip

    # Round one: each account's own walk; everything any of them was shown is then tried by all.
    walks: dict[str, Walk] = {name: Walk() for name in clients}
    everything: set[str] = set(start)
    for name, client in clients.items():
        everything |= walk(client, start, markers=MARKERS, state=walks[name])
    leaks: list[str] = []
    for name, client in clients.items():
        walk(client, sorted(everything), markers=MARKERS, state=walks[name])
        for token, urls in walks[name].found.items():
            if name in BY_TOKEN[token].must_not_see:
                leaks.append(f"{name or 'anonymous'} read {BY_TOKEN[token].what} at {sorted(urls)[:5]}")

    # The probe proves something only if the entitled found every marker.
    for m in MARKERS:
        finders = {name for name, w in walks.items() if m.token in w.found}
        assert finders & m.may_see, f"nobody entitled found {m.what}: the planting or the walk failed"
    assert not leaks, "\n".join(leaks)
    total = sum(w.fetched for w in walks.values())
    print(
        f"probe: {total} answers fetched; "
        + ", ".join(f"{n or 'anonymous'} {w.fetched}" for n, w in walks.items())
    )
    assert total > 500, f"the walk fetched only {total} answers"
