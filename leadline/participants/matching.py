"""Person matching: "is this person already in LEAD?" for the officer's field lookup and for duplicate
detection when a participant is created. Pure Python (no Django): the callers turn participants into
``PersonRecord``s (``aliases`` holds the preferred name and any known alias) and show the ``Match``es.

Design
------
1. **Normalisation** (``normalise``): casefold, strip accents (NFKD, combining marks dropped), drop
   apostrophes (O'Brien -> obrien), turn hyphens and other punctuation into spaces (García-López ->
   "garcia lopez"), collapse spaces. Tokens drop particles and generational suffixes ("de", "la", "del",
   "y", "van", "jr", ...) but the particle-inclusive *joined* form ("delacruz", "garcialopez") is kept
   too, so "De la Cruz" = "Delacruz" and "Garcia-Lopez" = "Garcialopez".
2. **Nicknames** (``data/nicknames.csv``, hand-compiled, English and Spanish, with cross-language
   equivalents such as Guillermo = William). A name's equivalents are {name, its canonical names, their
   canonical names}: Memo -> Guillermo -> William. One name among the other's equivalents (Bill/William,
   Memo/William) is a nickname match; two names sharing an equivalent (Bill/Will, Pepe/Joe) a weaker one.
3. **Phonetic key** (``phonetic``): our own Soundex-like code for English *and* Spanish, because
   Double Metaphone / Soundex / NYSIIS are English-centric: b=v, c/z/s (soft c) = S, hard c/k/q = K,
   ch/sh = X (but chr/chl = K), ph = F, soft g = j = J, silent h, vowels dropped except an initial one,
   adjacent duplicates collapsed. "Garcia", "Garsia" and "Gracia" all give GRS; "Gonzalez"/"Gonzales"
   GNSLS; "Jimenez"/"Gimenez" JMNS.
4. **Blocking** (``blocking_keys``): a lookup never scans everyone; it reads the blocks of a few dozen
   string keys (about 15 for a two-name query with a date of birth; a record holds about 18). A record's
   keys:

   * ``n:`` pair keys for every (given token, family token) pair: phonetic x phonetic, and each side's
     spelling views x the other side's phonetic code. The spelling views are the 3-letter prefix, the
     3-letter suffix and the sorted letters (which a transposition does not change). A single typo
     leaves the other name intact and at least one view of the damaged one, nearly always. The two
     halves of a pair key are sorted, so the key does not know which name was given and which family:
     swapped order lands in the same block. Given names also contribute the phonetic codes of their
     nickname equivalents (Bobby -> ROBERT's code).
   * ``y:`` phonetic code of any name token + birth year (the query reads year-1..year+1): catches a
     name damaged beyond its views, or two typos, when the date of birth is known.
   * ``d:`` exact date of birth: ~5 people per date in 100,000, so a badly mangled name with the right
     date of birth is still found. The query also reads its day/month-swapped date.
   * ``t:`` phonetic code of a single token, read only by a query that has a single name.

   The query side makes the same keys from every pair of its tokens (both boxes, any order, nicknames
   expanded). Candidates are ranked by how many of the query's keys they share (a date-of-birth key
   counts 3) and at most ``MAX_CANDIDATES`` are scored. ``MatchIndex`` keeps the blocks in memory
   (dict of key -> record positions). The same function produces the keys for a database table
   ``(participant_id, key)``; the database lookup is then ``SELECT participant_id, SUM(weight) ...
   WHERE key IN (...) GROUP BY participant_id ORDER BY 2 DESC LIMIT 500``, the candidates' rows, and
   ``score_candidates`` (the same scoring; bench/lookup.py times both forms on SQLite and PostgreSQL).
   ``KEYS_VERSION`` changes whenever the keys change (the stored keys must then be rebuilt).
5. **Scoring** (0..1). Token similarity: 1 exact; otherwise Jaro-Winkler (rapidfuzz) stretched from
   0.6..0.95 onto 0..1 (raw Jaro-Winkler gives unrelated names 0.5-0.75), but at least 0.85 for a single
   edit (OSA distance 1: Jaro-Winkler is harsh on short names, "Amy"/"Aym" 0.56), 0.9 for a nickname
   (0.85 for two nicknames of one name) and 0.8 for a matching initial. A group of tokens (the given
   names, or the family names) is compared in both directions; the better direction wins, less a
   penalty from the worse one, so "Garcia" vs "Garcia Lopez" scores 0.95; the joined forms count when
   nearly equal ("Garcialopez"). Name score = mean of the given-group and family-group scores, in the
   straight or swapped order (-0.01), best over the primary name and each alias (x0.99). The date of
   birth then *multiplies*::

       score = name x (0.6 + 0.4 x dob)        when both dates are known
       score = name x 0.82                     when either is missing and the names are the same
       score = name x (0.82 - 0.05 x log2(expected)), at least x 0.65, for a merely similar name

   with dob = 1 exact, 0.85 day/month swapped, 0.8 one digit wrong or two adjacent digits transposed,
   0.7 year off by one, 0.35 same day and month, 0.3 same month and year, 0.15 same year, else 0.
   ``expected`` = population x frequency(first given name) x frequency(first family name), the number
   of people who would carry the record's name by chance: with no date of birth to compare, a near
   miss on "Maria Garcia" proves nothing, a near miss on "Xochitl Zamudio" a good deal. The
   multiplication is deliberate: a shared date of birth cannot lift an unrelated name over the
   threshold (about five strangers share any date), and the right name with a wrong date falls to 0.6.
6. **Threshold** ``SCORE_THRESHOLD = 0.75``: nothing below it is returned. In practice: the right name
   with an exact or nearly-right date of birth; a name off by a typo or two, a nickname or a missing
   surname, with a right or nearly-right date; or, with no date of birth to compare, the same name, or
   a near miss on an uncommon name (name score >= 0.915). Anything else is silence, which for an
   officer's lookup means "not found, ask again with more" (above all: the date of birth).

``Match.reasons`` are fixed phrases without names or dates, so they can be logged and audited.
"""

from __future__ import annotations

import csv
import heapq
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz.distance import OSA, Indel, JaroWinkler

KEYS_VERSION = 1
SCORE_THRESHOLD = 0.75
MAX_CANDIDATES = 500
NICKNAMES_CSV = Path(__file__).resolve().parent / "data" / "nicknames.csv"

_DOB_KEY_WEIGHT = 3
_SWAPPED_ORDER_PENALTY = 0.01
_ALIAS_FACTOR = 0.99
_UNKNOWN_DOB_FACTOR = 0.82
_COMMON_NAME_SLOPE = 0.05
_COMMON_NAME_FLOOR = 0.65
_EXACT_NAME = 0.985  # the same names (perhaps swapped, perhaps an alias)
_NICKNAME_SIMILARITY = 0.9
_SIBLING_NICKNAME_SIMILARITY = 0.85
_INITIAL_SIMILARITY = 0.8
_MAX_SPELLING_SIMILARITY = 0.98
_ONE_EDIT_SIMILARITY = 0.85

# Particles and generational suffixes: not tokens of their own (but kept in the joined form).
PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "da", "das", "dos", "di", "du", "van", "von", "der", "den"}
    | {"jr", "sr", "ii", "iii", "iv"}  # not "le" or "do": common Vietnamese surnames
)

_APOSTROPHES = frozenset("'’ʼ`´‘")
_UNDECOMPOSABLE = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe"})


# --------------------------------------------------------------------------------------- normalising


@lru_cache(maxsize=200_000)  # pure; names repeat a lot, and a lookup scores hundreds of records
def normalise(name: str) -> str:
    """Casefold, strip accents, drop apostrophes, turn other punctuation into spaces, collapse spaces."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_UNDECOMPOSABLE))
    chars = []
    for ch in text:
        if ch in _APOSTROPHES or unicodedata.combining(ch):
            continue
        chars.append(ch if ch.isalpha() else " ")
    return " ".join("".join(chars).split())


def name_tokens(normalised: str) -> tuple[str, ...]:
    """The matching tokens of a normalised name: its words less particles (unless nothing else is left)."""
    words = normalised.split()
    kept = tuple(w for w in words if w not in PARTICLES)
    return kept or tuple(words)


_VOWELS = frozenset("aeiouy")
_SOFTENING = frozenset("eiy")
_SIMPLE_CODES = {"b": "B", "v": "B", "f": "F", "k": "K", "q": "K", "z": "S", "j": "J"}


def phonetic(token: str) -> str:
    """A Soundex-like code for English and Spanish names (see the module docstring); never empty."""
    codes: list[str] = []
    last = ""
    n = len(token)
    i = 0
    while i < n:
        c = token[i]
        nxt = token[i + 1] if i + 1 < n else ""
        code: str
        if c in _VOWELS:
            code = "" if codes else "A"
            last = ""
            if code:
                codes.append(code)
            i += 1
            continue
        if c == "h" or (c == "w" and nxt not in _VOWELS):  # silent h; w before a consonant
            i += 1
            continue
        if c == "c":
            if nxt == "h":  # ch = X, but Christopher, Chloe: K
                code, i = ("K" if token[i + 2 : i + 3] in ("r", "l") else "X"), i + 1
            else:
                code = "S" if nxt in _SOFTENING and nxt else "K"
        elif c == "s":
            if nxt == "h":
                code, i = "X", i + 1
            else:
                code = "S"
        elif c == "p":
            if nxt == "h":
                code, i = "F", i + 1
            else:
                code = "P"
        elif c == "g":
            code = "J" if nxt and nxt in _SOFTENING else "G"
        elif c == "x":
            code = "S" if i == 0 else "KS"
        else:
            code = _SIMPLE_CODES.get(c, c.upper())
        if code != last:
            codes.append(code)
        last = code
        i += 1
    return "".join(codes) or "A"


# ---------------------------------------------------------------------------------------- nicknames


@cache
def nickname_table() -> dict[str, frozenset[str]]:
    """nickname (normalised) -> its canonical names (normalised), from data/nicknames.csv."""
    table: dict[str, set[str]] = {}
    with NICKNAMES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            nick, canonical = normalise(row["nickname"]), normalise(row["canonical"])
            if nick and canonical and nick != canonical:
                table.setdefault(nick, set()).add(canonical)
    return {nick: frozenset(canonicals) for nick, canonicals in table.items()}


@lru_cache(maxsize=65536)
def _equivalents(token: str) -> frozenset[str]:
    """{token, its canonical names, their canonical names}."""
    table = nickname_table()
    first = table.get(token, frozenset())
    out = {token, *first}
    for canonical in first:
        out |= table.get(canonical, frozenset())
    return frozenset(out)


def are_nicknames(a: str, b: str) -> bool:
    """Whether two normalised single names are nickname/cross-language equivalents (or equal)."""
    return a == b or not _equivalents(a).isdisjoint(_equivalents(b))


def _nickname_similarity(a: str, b: str) -> float:
    """0.9 when one name leads to the other (Bill -> William, Memo -> Guillermo -> William), 0.85 for two
    names of the same canonical name (Bill and Will, Pepe and Joe), else 0."""
    ea, eb = _equivalents(a), _equivalents(b)
    if b in ea or a in eb:
        return _NICKNAME_SIMILARITY
    return _SIBLING_NICKNAME_SIMILARITY if not ea.isdisjoint(eb) else 0.0


# ------------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person to match against. ``aliases`` are other full names ("Bobby Smith", "Smith, Bobby") or
    single given names ("Junior", taken with the record's family name)."""

    key: int
    given: str
    family: str
    aliases: list[str] = field(default_factory=list)
    dob: date | None = None


@dataclass(frozen=True, slots=True)
class Match:
    key: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Names:
    given: tuple[str, ...]
    family: tuple[str, ...]
    given_joined: str  # normalised words, particles included, no spaces
    family_joined: str
    given_multiword: bool
    family_multiword: bool
    alias: bool = False


@lru_cache(maxsize=200_000)  # pure, and _Names is frozen
def _names(given: str, family: str, *, alias: bool = False) -> _Names:
    g, f = normalise(given), normalise(family)
    return _Names(
        given=name_tokens(g),
        family=name_tokens(f),
        given_joined=g.replace(" ", ""),
        family_joined=f.replace(" ", ""),
        given_multiword=" " in g,
        family_multiword=" " in f,
        alias=alias,
    )


def _split_alias(alias: str, family: str) -> tuple[str, str]:
    if "," in alias:
        fam, _, giv = alias.partition(",")
        return giv, fam
    words = alias.split()
    if len(words) <= 1:
        return alias, family
    return words[0], " ".join(words[1:])


def _record_variants(given: str, family: str, aliases: Sequence[str]) -> tuple[_Names, ...]:
    variants = [_names(given, family)]
    for alias in aliases:
        if normalise(alias):
            g, f = _split_alias(alias, family)
            variants.append(_names(g, f, alias=True))
    return tuple(variants)


def _query_names(given: str, family: str) -> _Names | None:
    if not normalise(family) and "," in given:  # "Garcia, Maria" typed in one box
        given, family = _split_alias(given, "")
    names = _names(given, family)
    if not names.given and not names.family:
        return None
    if not names.given or not names.family:  # the whole name in one box: first word given, rest family
        words = normalise(given if names.given else family).split()
        names = _names(words[0], " ".join(words[1:]))  # a single name ends up as the given name
    return names


# ------------------------------------------------------------------------------------------ blocking


@lru_cache(maxsize=65536)  # bounded: typos make new tokens for ever
def _views(token: str, expand: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(phonetic codes, spelling views) of one token, as labelled key halves. The spelling views are the
    3-letter prefix, the 3-letter suffix and the sorted letters (immune to transpositions)."""
    words = _equivalents(token) if expand else (token,)
    codes = tuple(sorted({"P" + phonetic(w) for w in words}))
    spelling = ["A" + token[:3]]
    if len(token) > 3:
        spelling.append("Z" + token[-3:])
    if len(token) > 2:
        spelling.append("S" + "".join(sorted(token)))
    return codes, tuple(spelling)


def _block_tokens(tokens: tuple[str, ...], joined: str, multiword: bool) -> list[str]:
    out = list(tokens)
    if multiword and joined not in out:
        out.append(joined)
    return out


def _pair_keys(keys: set[str], a: str, expand_a: bool, b: str, expand_b: bool) -> None:
    """Keys for a pair of names: phonetic x phonetic, spelling view x phonetic, phonetic x spelling view."""
    pa, spelling_a = _views(a, expand_a)
    pb, spelling_b = _views(b, expand_b)
    for x in pa:
        for y in pb:
            keys.add(f"n:{x}|{y}" if x < y else f"n:{y}|{x}")
        for y in spelling_b:
            keys.add(f"n:{x}|{y}" if x < y else f"n:{y}|{x}")
    for y in pb:
        for x in spelling_a:
            keys.add(f"n:{x}|{y}" if x < y else f"n:{y}|{x}")


def _dob_keys(keys: set[str], codes: Iterable[str], dob: date, *, query: bool) -> None:
    years = (dob.year - 1, dob.year, dob.year + 1) if query else (dob.year,)
    for code in codes:
        for year in years:
            keys.add(f"y:{code}:{year}")
    keys.add(f"d:{dob.isoformat()}")
    if query and dob.day <= 12 and dob.day != dob.month:
        keys.add(f"d:{dob.year:04d}-{dob.day:02d}-{dob.month:02d}")


def _record_keys(variants: Sequence[_Names], dob: date | None) -> set[str]:
    keys: set[str] = set()
    codes: set[str] = set()
    for v in variants:
        given = _block_tokens(v.given, v.given_joined, v.given_multiword)
        family = _block_tokens(v.family, v.family_joined, v.family_multiword)
        for g in given:
            codes.update(_views(g, True)[0])
            for f in family:
                _pair_keys(keys, g, True, f, False)
        for f in family:
            codes.update(_views(f, False)[0])
    keys.update(f"t:{code}" for code in codes)
    if dob is not None:
        _dob_keys(keys, codes, dob, query=False)
    return keys


def _query_keys(q: _Names, dob: date | None) -> set[str]:
    tokens = list(
        dict.fromkeys(
            _block_tokens(q.given, q.given_joined, q.given_multiword)
            + _block_tokens(q.family, q.family_joined, q.family_multiword)
        )
    )
    keys: set[str] = set()
    for i, a in enumerate(tokens):
        for b in tokens[i + 1 :]:
            _pair_keys(keys, a, True, b, True)
    codes = {code for t in tokens for code in _views(t, True)[0]}
    if not keys:
        keys.update(f"t:{code}" for code in codes)
    if dob is not None:
        _dob_keys(keys, codes, dob, query=True)
    return keys


def blocking_keys(
    given: str,
    family: str,
    dob: date | None,
    aliases: Sequence[str] = (),
    *,
    query: bool = False,
) -> set[str]:
    """The blocking keys of a person (``query=False``: what to store for a participant) or of a lookup
    (``query=True``: what to read). A lookup's candidates are the people sharing at least one key."""
    if query:
        names = _query_names(given, family)
        return set() if names is None else _query_keys(names, dob)
    return _record_keys(_record_variants(given, family, aliases), dob)


# ------------------------------------------------------------------------------------------- scoring


def dob_similarity(query: date | None, record: date | None) -> tuple[float | None, str]:
    """(similarity in 0..1 or None when either date is unknown, a reason phrase)."""
    if query is None or record is None:
        return None, "date of birth: not known"
    if query == record:
        return 1.0, "date of birth: exact"
    if query.year == record.year and query.month == record.day and query.day == record.month:
        return 0.85, "date of birth: day and month swapped"
    a, b = f"{query:%Y%m%d}", f"{record:%Y%m%d}"
    diff = [i for i in range(8) if a[i] != b[i]]
    if len(diff) == 1:
        return 0.8, "date of birth: one digit differs"
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return 0.8, "date of birth: two digits transposed"
    same_day = query.month == record.month and query.day == record.day
    if same_day and abs(query.year - record.year) == 1:
        return 0.7, "date of birth: year off by one"
    if same_day:
        return 0.35, "date of birth: same day and month, other year"
    if query.year == record.year and query.month == record.month:
        return 0.3, "date of birth: same month and year"
    if query.year == record.year:
        return 0.15, "date of birth: same year"
    return 0.0, "date of birth: differs"


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return _INITIAL_SIMILARITY if a[0] == b[0] else 0.0
    # Jaro-Winkler is generous (unrelated names score 0.5-0.75): stretch 0.6..0.95 onto 0..1. It is
    # also harsh on short names ("Amy"/"Aym": 0.56), so a single edit (OSA distance 1) is worth 0.85.
    sim = min(_MAX_SPELLING_SIMILARITY, max(0.0, (JaroWinkler.similarity(a, b) - 0.6) / 0.35))
    if sim < _ONE_EDIT_SIMILARITY and max(len(a), len(b)) > 2 and OSA.distance(a, b, score_cutoff=1) == 1:
        sim = _ONE_EDIT_SIMILARITY
    if sim < _NICKNAME_SIMILARITY:
        sim = max(sim, _nickname_similarity(a, b))
    return sim


class _Scorer:
    """Scores one query against candidates, memoising token similarities for the query's lifetime."""

    def __init__(
        self, names: _Names, dob: date | None, name_count: Callable[[str], int], population: int
    ) -> None:
        self.q = names
        self.dob = dob
        self.memo: dict[tuple[str, str], float] = {}
        self.name_count = name_count
        self.population = population

    def tsim(self, a: str, b: str) -> float:
        key = (a, b)
        sim = self.memo.get(key)
        if sim is None:
            sim = self.memo[key] = _token_similarity(a, b)
        return sim

    def group(self, qt: tuple[str, ...], qj: str, rt: tuple[str, ...], rj: str) -> float:
        if qj == rj:
            return 1.0
        if not qt or not rt:
            return 0.0
        tsim = self.tsim
        if len(qt) == 1 and len(rt) == 1:
            return tsim(qt[0], rt[0])
        dq = sum(max(tsim(a, b) for b in rt) for a in qt) / len(qt)
        dr = sum(max(tsim(a, b) for a in qt) for b in rt) / len(rt)
        hi, lo = (dq, dr) if dq >= dr else (dr, dq)
        together = Indel.normalized_similarity(qj, rj)  # "Garcialopez" vs "Garcia Lopez"
        return max(hi - 0.1 * (1.0 - lo), together if together >= 0.9 else 0.0)

    def name(self, v: _Names) -> tuple[float, bool]:
        """(name score, swapped order?) against one name variant."""
        q = self.q
        if not q.family:  # a single name: compare it with every name of the record
            tokens = v.given + v.family
            joined = v.given_joined + v.family_joined
            best = max(self.group(q.given, q.given_joined, (t,), t) for t in tokens) if tokens else 0.0
            best = max(best, self.group(q.given, q.given_joined, tokens, joined) * 0.95)
            return best * 0.9, False
        straight = 0.5 * (
            self.group(q.given, q.given_joined, v.given, v.given_joined)
            + self.group(q.family, q.family_joined, v.family, v.family_joined)
        )
        swapped = (
            0.5
            * (
                self.group(q.given, q.given_joined, v.family, v.family_joined)
                + self.group(q.family, q.family_joined, v.given, v.given_joined)
            )
            - _SWAPPED_ORDER_PENALTY
        )
        return (swapped, True) if swapped > straight else (straight, False)

    def best_name(self, variants: Sequence[_Names]) -> tuple[float, _Names, bool]:
        best, best_v, best_swapped = -1.0, variants[0], False
        for v in variants:
            s, swapped = self.name(v)
            if v.alias:
                s *= _ALIAS_FACTOR
            if s > best:
                best, best_v, best_swapped = s, v, swapped
        return best, best_v, best_swapped

    def unknown_dob_factor(self, v: _Names) -> float:
        """No date of birth to compare and the names are merely similar: the name must be distinctive.
        ``expected`` is how many people would carry the record's given + family name by chance, from how
        many hold each name's sound (its ``t:`` block)."""
        n = self.population
        expected = float(n)
        for tokens in (v.given, v.family):
            if tokens:
                expected *= (self.name_count(token_key(tokens[0])) + 1) / (n + 1)
        factor = _UNKNOWN_DOB_FACTOR - _COMMON_NAME_SLOPE * math.log2(max(1.0, expected))
        return max(_COMMON_NAME_FLOOR, factor)

    def score(self, variants: Sequence[_Names], dob: date | None) -> float:
        name, v, _ = self.best_name(variants)
        d = dob_similarity(self.dob, dob)[0]
        if d is not None:
            return name * (0.6 + 0.4 * d)
        if name >= _EXACT_NAME:
            return name * _UNKNOWN_DOB_FACTOR
        return name * self.unknown_dob_factor(v)

    def _describe_group(self, label: str, qt: tuple[str, ...], qj: str, rt: tuple[str, ...], rj: str) -> str:
        if qj == rj or set(qt) == set(rt):
            return f"{label}: exact"
        if not qt or not rt:
            return f"{label}: missing"
        if set(qt) <= set(rt) or set(rt) <= set(qt):
            return f"{label}: partial (some of the names)"
        if Indel.normalized_similarity(qj, rj) >= 0.9 and len(qt) != len(rt):
            return f"{label}: written together or apart"
        best = [max(rt, key=lambda b, a=a: self.tsim(a, b)) for a in qt]  # type: ignore[misc]
        if any(a != b and are_nicknames(a, b) for a, b in zip(qt, best, strict=True)):
            return f"{label}: nickname or equivalent"
        if min(self.tsim(a, b) for a, b in zip(qt, best, strict=True)) < 0.75:
            return f"{label}: different"
        return f"{label}: similar spelling"

    def explain(self, variants: Sequence[_Names], dob: date | None) -> tuple[str, ...]:
        _, v, swapped = self.best_name(variants)
        q = self.q
        reasons: list[str] = []
        if v.alias:
            reasons.append("matched a recorded alias")
        if not q.family:
            reasons.append("single name searched")
        elif swapped:
            reasons.append("given and family names swapped")
            reasons.append(
                self._describe_group("given name", q.family, q.family_joined, v.given, v.given_joined)
            )
            reasons.append(
                self._describe_group("family name", q.given, q.given_joined, v.family, v.family_joined)
            )
        else:
            reasons.append(
                self._describe_group("given name", q.given, q.given_joined, v.given, v.given_joined)
            )
            reasons.append(
                self._describe_group("family name", q.family, q.family_joined, v.family, v.family_joined)
            )
        reasons.append(dob_similarity(self.dob, dob)[1])
        return tuple(reasons)


# --------------------------------------------------------------------------------------------- index


@dataclass(slots=True)
class _Entry:
    key: int
    variants: tuple[_Names, ...]
    dob: date | None


class MatchIndex:
    """An in-memory blocking index: block key -> indices of the people holding it."""

    def __init__(self) -> None:
        self._entries: list[_Entry | None] = []
        self._position: dict[int, int] = {}
        self._blocks: dict[str, list[int]] = {}

    @classmethod
    def build(cls, records: Iterable[PersonRecord]) -> MatchIndex:
        index = cls()
        for record in records:
            index.add(record)
        return index

    def __len__(self) -> int:
        return len(self._position)

    @property
    def block_count(self) -> int:
        return len(self._blocks)

    def add(self, record: PersonRecord) -> None:
        """Add a person (replacing any earlier record with the same key)."""
        self.remove(record.key)
        variants = _record_variants(record.given, record.family, record.aliases)
        position = len(self._entries)
        self._entries.append(_Entry(record.key, variants, record.dob))
        self._position[record.key] = position
        blocks = self._blocks
        for key in _record_keys(variants, record.dob):
            block = blocks.get(key)
            if block is None:
                blocks[key] = [position]
            else:
                block.append(position)

    def remove(self, key: int) -> None:
        """Forget a person (their block entries stay, pointing at a tombstone)."""
        position = self._position.pop(key, None)
        if position is not None:
            self._entries[position] = None

    def search(
        self,
        given: str,
        family: str,
        dob: date | None = None,
        limit: int = 3,
        threshold: float = SCORE_THRESHOLD,
    ) -> list[Match]:
        """The best ``limit`` people scoring at least ``threshold``, best first."""
        names = _query_names(given, family)
        if names is None or limit <= 0:
            return []
        hits: Counter[int] = Counter()
        blocks = self._blocks
        for key in _query_keys(names, dob):
            block = blocks.get(key)
            if block:
                for _ in range(_DOB_KEY_WEIGHT if key[0] == "d" else 1):
                    hits.update(block)
        if len(hits) > MAX_CANDIDATES:
            candidates = [position for position, _ in hits.most_common(MAX_CANDIDATES)]
        else:
            candidates = list(hits)
        scorer = _Scorer(names, dob, self.name_count, len(self._position))
        entries = self._entries
        return _rank(scorer, (e for e in (entries[p] for p in candidates) if e is not None), limit, threshold)

    def name_count(self, key: str) -> int:
        """How many people hold a blocking key (e.g. a ``token_key``)."""
        return len(self._blocks.get(key, ()))


def token_key(token: str) -> str:
    """The ``t:`` key of one normalised name token. Its block's size tells how common the name is,
    which the scoring needs when there is no date of birth to compare."""
    return f"t:P{phonetic(token)}"


def _rank(scorer: _Scorer, entries: Iterable[_Entry], limit: int, threshold: float) -> list[Match]:
    scored: list[tuple[float, int, _Entry]] = []
    for order, entry in enumerate(entries):
        score = scorer.score(entry.variants, entry.dob)
        if score >= threshold:
            scored.append((score, -order, entry))
    return [
        Match(key=entry.key, score=round(score, 4), reasons=scorer.explain(entry.variants, entry.dob))
        for score, _, entry in heapq.nlargest(limit, scored, key=lambda item: item[:2])
    ]


def score_candidates(
    given: str,
    family: str,
    dob: date | None,
    candidates: Iterable[PersonRecord],
    *,
    population: int,
    name_count: Callable[[str], int] | None = None,
    limit: int = 3,
    threshold: float = SCORE_THRESHOLD,
) -> list[Match]:
    """Score candidates found some other way (the database blocking table) exactly as ``search`` does.
    ``name_count(key)`` is the number of people holding a blocking key (the scoring asks for
    ``token_key``s); without it every name counts as uncommon."""
    names = _query_names(given, family)
    if names is None or limit <= 0:
        return []
    scorer = _Scorer(names, dob, name_count or (lambda key: 0), population)
    entries = (_Entry(r.key, _record_variants(r.given, r.family, r.aliases), r.dob) for r in candidates)
    return _rank(scorer, entries, limit, threshold)
