"""The person-matching engine: unit tests, and a labelled evaluation on a synthetic population.

The population (``make_population``) draws names with Zipf-like frequencies from US/Latin American name
lists plus a long tail of invented surnames, so that many people share common names ("María García",
"Michael Smith") and only the date of birth tells them apart. About 45% follow Spanish naming customs
(a third of those with two surnames, some hyphenated, compound given names such as "José Luis"), names
keep their accents in about 70% of records, 4% have no date of birth and 10% carry an alias.

``make_queries`` builds the labelled set deterministically (fixed seed): each query names its target and
its kind: typos of the four kinds, a typo in each name, English and Spanish nicknames, swapped order, one
of two surnames, missing accents, hyphens/spaces, date-of-birth typos, common names told apart by date
of birth, aliases, combinations, the whole name typed in one box, no date of birth, and a record without
a date of birth looked up with one. Queries without a date of birth only target people whose name (as
queried) is unique in the population: otherwise no engine could rank the right one. The nickname
queries draw from the engine's own table, so they test that the table is used, not its coverage.
``make_strangers`` builds people who are not in the population (neither their full name nor their
first given + first family name occurs, not even as an alias) with a date of birth of their own.

bench/lookup.py imports these generators for the 100,000-person benchmark.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from leadline.participants.matching import (
    SCORE_THRESHOLD,
    MatchIndex,
    PersonRecord,
    are_nicknames,
    blocking_keys,
    dob_similarity,
    nickname_table,
    normalise,
    phonetic,
    score_candidates,
)

# ------------------------------------------------------------------------------------- name lists
# Rough frequency order (most common first); weights are Zipf-like over the order.


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


SPANISH_SURNAMES = _words(
    "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores Rivera Gómez "
    "Díaz Cruz Morales Reyes Gutiérrez Ortiz Chávez Ramos Ruiz Mendoza Álvarez Castillo Jiménez Vásquez "
    "Moreno Romero Herrera Medina Aguilar Vargas Guzmán Castro Fernández Juárez Muñoz Méndez Salazar Soto "
    "Delgado Peña Ríos Alvarado Sandoval Contreras Valdez Guerrero Ortega Estrada Núñez Maldonado Vega "
    "Domínguez Santiago Rojas Espinoza Marquez Silva Padilla Cortez Acosta Luna Campos Figueroa Cervantes "
    "Ibarra Cabrera Navarro Fuentes Ávila Mejía Carrillo Salinas Rosales Tapia Rangel Pacheco Lara "
    "Villanueva Suárez Solís Cardenas Miranda Molina Escobar Bautista Zamora Galván Orozco Trujillo "
    "Velásquez Cisneros Zúñiga Arellano Benítez Barrera Duarte Quintero Montoya Beltrán Serrano Calderón "
    "Villarreal Robles Ochoa Cuevas Sosa Ayala Ponce Lozano Esquivel Cano Meléndez Zavala Gallegos Bravo "
    "Murillo Valencia Palacios Rubio Hidalgo Olivares Quiroz Bermúdez Arroyo Villegas"
)

OTHER_SURNAMES = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin "
    "Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Nguyen Hill Green "
    "Adams Nelson Baker Hall Campbell Mitchell Carter Roberts Phillips Evans Turner Parker Collins Edwards "
    "Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Kelly Howard Cox Ward "
    "Richardson Watson Brooks Wood James Bennett Gray Hughes Price Sanders Myers Long Ross Foster Powell "
    "Jenkins Perry Russell Sullivan Butler Barnes Fisher Henderson Coleman Simmons Patterson Jordan "
    "Reynolds Hamilton Graham Kim Wallace Cole West Tran Stevens Washington Ellis Freeman Wells Webb "
    "Henry Tucker Crawford Boyd Mason Warren Dixon Burns Gordon Shaw Holmes Rice Hunt Black Daniels "
    "Palmer Mills Grant Knight Ferguson Stone Hawkins Dunn Perkins Hudson Spencer Stephens Pierce Hansen "
    "Wagner Porter Hunter Hart Payne Lane Harper Lawson Hoffman Carroll Duncan Armstrong Berry Andrews "
    "Johnston Ray Riley Fields Schmidt Matthews Chapman Little Pham O'Brien O'Neil McDonald McCarthy "
    "Oliver Weaver Greene Franklin Lawrence Olson Bishop Walsh Fox Schneider Obi Okafor Begum Yazzie "
    "Begaye Tsosie Kowalski Nowak Becker Kaur Singh Patel Chen Wang Li Zhang Liu Yang Huang Le Vu"
)

SPANISH_MALE = _words(
    "José Juan Luis Carlos Jesús Jorge Miguel Francisco Antonio Pedro Manuel Alejandro Ricardo Roberto "
    "Javier Fernando Daniel Eduardo Rafael Sergio Raúl Mario Héctor Arturo Alberto Ramón Víctor Enrique "
    "Óscar Guillermo Armando Gerardo Rubén Alfredo Ignacio Salvador Gustavo Andrés Ernesto Adrián Hugo "
    "Julio Martín Marco Pablo Diego Angel Rodolfo Gabriel Santiago Joaquín Gonzalo Felipe Rogelio "
    "Alfonso Humberto Lorenzo Octavio Sebastián Mateo Emiliano Leonardo Vicente Cristian Esteban "
    "Reynaldo Rigoberto Federico Nicolás Tomás Gregorio Abelardo Adolfo Domingo Efraín Isidro Jacinto"
)

SPANISH_FEMALE = _words(
    "María Guadalupe Ana Rosa Juana Margarita Verónica Patricia Leticia Elizabeth Gabriela Alejandra "
    "Adriana Laura Claudia Sandra Silvia Martha Teresa Araceli Yolanda Sofía Isabel Daniela Carmen "
    "Lucía Mónica Gloria Alicia Norma Beatriz Josefina Elena Graciela Dolores Mercedes Rocío Pilar "
    "Cristina Fernanda Andrea Natalia Jimena Valeria Camila Paola Esperanza Consuelo Rosario Concepción "
    "Francisca Antonia Catalina Carolina Marisol Mariana Lourdes Luisa Socorro Soledad Irma Blanca Ximena"
)

SPANISH_COMPOUND_GIVEN = _words(
    "María Guadalupe|José Luis|Juan Carlos|Ana María|María Elena|José Antonio|Juan José|Luz María|"
    "María del Carmen|Miguel Ángel|José Manuel|María Isabel|Jesús Alberto|María de Jesús|Juan Pablo|"
    "María Fernanda|Luis Fernando|José Francisco|María Teresa|Rosa María",
    "|",
)

ENGLISH_MALE = _words(
    "Michael James John Robert David William Richard Joseph Thomas Christopher Charles Daniel Matthew "
    "Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy Ronald Jason "
    "Edward Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin "
    "Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry "
    "Zachary Douglas Peter Kyle Noah Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean Gerald "
    "Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert "
    "Willie Elijah Wayne Randy Vincent Mason Roy Ralph Bobby Russell Bradley Philip Eugene Darnell "
    "Tyrone DeShawn Marcus Jamal Terrell Malik Andre Lamar Cedric Reginald Dwayne"
)

ENGLISH_FEMALE = _words(
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra "
    "Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy "
    "Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha "
    "Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane Olivia Julie "
    "Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea Hannah Megan Cheryl "
    "Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice "
    "Judy Isabella Julia Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana "
    "Brittany Doris Kayla Alexis Lori Marie Tamika Latoya Ebony Keisha Shanice Jasmine Aaliyah"
)

STREET_NAMES = _words(
    "Junior Smokey Flaco Gordo Chino Güero Shorty Tex Red Slim Pelón Chato Lefty Boots Mono"
)

_ONSETS = _words("b br c ch cr d dr f g gr h j k kr l m n p pr r s st t tr v w z")
_VOWEL_PARTS = _words("a e i o u ai ea ie ou")
_CODAS = ["", "", "n", "r", "l", "s", "t", "nd", "rt", "ck", "ll", "nn", "x"]
_ENDINGS = ["", "", "son", "er", "ez", "ski", "ley", "ton", "ov", "ian", "elli", "berg", "ford", "ham"]


def _invented_surnames(rng: random.Random, count: int) -> list[str]:
    out: set[str] = set()
    while len(out) < count:
        parts = [rng.choice(_ONSETS) + rng.choice(_VOWEL_PARTS) + rng.choice(_CODAS)]
        if rng.random() < 0.6:
            parts.append(rng.choice(_ONSETS) + rng.choice(_VOWEL_PARTS) + rng.choice(_CODAS))
        word = "".join(parts) + rng.choice(_ENDINGS)
        if 4 <= len(word) <= 12:
            out.add(word.capitalize())
    return sorted(out)


def _zipf(n: int, s: float = 0.9, k: float = 2.0) -> list[float]:
    return [1.0 / (rank + k) ** s for rank in range(n)]


# --------------------------------------------------------------------------------------- population


@dataclass(frozen=True)
class Person:
    key: int
    given: str
    family: str
    dob: date | None
    aliases: tuple[str, ...]
    hispanic: bool

    def record(self) -> PersonRecord:
        return PersonRecord(self.key, self.given, self.family, list(self.aliases), self.dob)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _NameLists:
    def __init__(self, rng: random.Random) -> None:
        tail = _invented_surnames(rng, 6000)
        self.spanish_surnames = (SPANISH_SURNAMES, _zipf(len(SPANISH_SURNAMES), 1.0, 1.0))
        self.other_surnames = (OTHER_SURNAMES, _zipf(len(OTHER_SURNAMES), 0.9, 2.0))
        self.tail = tail
        self.sm = (SPANISH_MALE, _zipf(len(SPANISH_MALE), 1.0, 1.5))
        self.sf = (SPANISH_FEMALE, _zipf(len(SPANISH_FEMALE), 1.1, 0.5))
        self.em = (ENGLISH_MALE, _zipf(len(ENGLISH_MALE), 0.9, 3.0))
        self.ef = (ENGLISH_FEMALE, _zipf(len(ENGLISH_FEMALE), 0.9, 3.0))


def _pick(rng: random.Random, table: tuple[list[str], list[float]]) -> str:
    return rng.choices(table[0], weights=table[1])[0]


def _random_dob(rng: random.Random) -> date:
    age_days = int(rng.triangular(18 * 365, 78 * 365, 32 * 365))
    return date(2025, 6, 1) - timedelta(days=age_days)


def _new_person(rng: random.Random, names: _NameLists, key: int) -> Person:
    hispanic = rng.random() < 0.45
    female = rng.random() < 0.4
    if hispanic:
        if rng.random() < 0.15:
            given = rng.choice(SPANISH_COMPOUND_GIVEN)
        elif rng.random() < 0.12:
            given = _pick(rng, names.ef if female else names.em)
        else:
            given = _pick(rng, names.sf if female else names.sm)
        first = _pick(rng, names.spanish_surnames) if rng.random() > 0.08 else rng.choice(names.tail)
        if rng.random() < 0.33:
            second = _pick(rng, names.spanish_surnames)
            family = f"{first}-{second}" if rng.random() < 0.15 else f"{first} {second}"
        else:
            family = first
        if rng.random() < 0.3:  # typed without accents at intake
            given, family = strip_accents(given), strip_accents(family)
    else:
        given = _pick(rng, names.ef if female else names.em)
        family = _pick(rng, names.other_surnames) if rng.random() > 0.3 else rng.choice(names.tail)
        if rng.random() < 0.04:
            family = f"{family}-{_pick(rng, names.other_surnames)}"
    dob = None if rng.random() < 0.04 else _random_dob(rng)
    aliases: tuple[str, ...] = ()
    if rng.random() < 0.10:
        roll = rng.random()
        nicks = _nicknames_of(given.split()[0])
        if roll < 0.4 and nicks:
            aliases = (f"{rng.choice(nicks).capitalize()} {family}",)
        elif roll < 0.7:
            aliases = (rng.choice(STREET_NAMES),)
        else:
            other = _pick(rng, names.spanish_surnames if hispanic else names.other_surnames)
            aliases = (f"{given} {other}",)
    return Person(key, given, family, dob, aliases, hispanic)


def make_population(n: int, seed: int = 20250601) -> list[Person]:
    rng = random.Random(seed)
    names = _NameLists(rng)
    return [_new_person(rng, names, key) for key in range(1, n + 1)]


_REVERSE_NICKNAMES: dict[str, list[str]] = {}


def _nicknames_of(given: str) -> list[str]:
    """Nicknames of a given name (from the engine's table: this tests that the table is used)."""
    if not _REVERSE_NICKNAMES:
        for nick, canonicals in nickname_table().items():
            for canonical in canonicals:
                _REVERSE_NICKNAMES.setdefault(canonical, []).append(nick)
        for nicks in _REVERSE_NICKNAMES.values():
            nicks.sort()
    return _REVERSE_NICKNAMES.get(normalise(given), [])


# ------------------------------------------------------------------------------------------ queries


@dataclass(frozen=True)
class Case:
    kind: str
    given: str
    family: str
    dob: date | None
    target: int | None  # None: a stranger, nothing should be found


_KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm",
    "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji", "v": "cfgb",
    "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
TYPOS = ("insert", "delete", "substitute", "transpose")


def typo(word: str, kind: str, rng: random.Random) -> str:
    """One typing error of the given kind at a random position (accents dropped first)."""
    w = strip_accents(word)
    letters = [i for i, c in enumerate(w) if c.isalpha()]
    if kind == "insert":
        p = rng.randint(0, len(w))
        return w[:p] + rng.choice(_LETTERS) + w[p:]
    if kind == "delete" and len(letters) > 2:
        p = rng.choice(letters)
        return w[:p] + w[p + 1 :]
    if kind == "transpose":
        spots = [i for i in letters[:-1] if i + 1 in letters and w[i].lower() != w[i + 1].lower()]
        if spots:
            p = rng.choice(spots)
            swapped = w[p + 1] + w[p]
            if p == 0:
                swapped = swapped.capitalize() if w[0].isupper() else swapped.lower()
            return w[:p] + swapped + w[p + 2 :]
    p = rng.choice(letters)  # substitution (also the fallback)
    original = w[p].lower()
    near = _KEYBOARD.get(original, _LETTERS)
    new = rng.choice(near if rng.random() < 0.6 else _LETTERS.replace(original, ""))
    if w[p].isupper():
        new = new.upper()
    return w[:p] + new + w[p + 1 :]


def _typo_in_name(name: str, kind: str, rng: random.Random) -> str:
    words = name.split()
    i = rng.randrange(len(words))
    words[i] = typo(words[i], kind, rng)
    return " ".join(words)


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def dob_typo(dob: date, rng: random.Random) -> date:
    for _ in range(50):
        kind = rng.choice(["swap", "digit", "digit", "transpose", "year"])
        new: date | None = None
        if kind == "swap":
            new = _valid(dob.year, dob.day, dob.month)
        elif kind == "year":
            new = _valid(dob.year + rng.choice([-1, 1]), dob.month, dob.day)
        else:
            s = list(f"{dob:%Y%m%d}")
            p = rng.randrange(2, 8)  # not the century
            if kind == "digit":
                s[p] = rng.choice([c for c in "0123456789" if c != s[p]])
            elif p < 7 and s[p] != s[p + 1]:
                s[p], s[p + 1] = s[p + 1], s[p]
            text = "".join(s)
            new = _valid(int(text[:4]), int(text[4:6]), int(text[6:]))
        if new is not None and new != dob and new.year < 2025:
            return new
    return dob.replace(day=1 if dob.day != 1 else 2)


class _Picker:
    def __init__(self, population: list[Person], rng: random.Random) -> None:
        self.population = population
        self.rng = rng
        name_counts = Counter(self.full(p) for p in population)
        self.unique = {p.key for p in population if name_counts[self.full(p)] == 1}
        self.common = {p.key for p in population if name_counts[self.full(p)] >= 5}
        partial_counts = Counter(self.partial(p) for p in population)
        self.unique_partial = {
            p.key for p in population if len(p.family.split()) == 2 and partial_counts[self.partial(p)] == 1
        }

    @staticmethod
    def partial(p: Person) -> tuple[str, str]:
        return normalise(p.given), normalise(p.family).split()[0]

    @staticmethod
    def full(p: Person) -> str:
        return normalise(f"{p.given} {p.family}")

    def pick(self, ok: Callable[[Person], bool], *, dob: bool = True) -> Person:
        for _ in range(100_000):
            p = self.rng.choice(self.population)
            if (not dob or p.dob is not None) and ok(p):
                return p
        raise LookupError("no person fits")


def make_queries(population: list[Person], per_kind: int, seed: int = 7) -> list[Case]:
    """``per_kind`` queries of each kind (see the module docstring), deterministic for a seed."""
    rng = random.Random(seed)
    pick = _Picker(population, rng)
    cases: list[Case] = []

    def add(kind: str, p: Person, given: str, family: str, dob: date | None) -> None:
        cases.append(Case(kind, given, family, dob, p.key))

    def nick_of(p: Person) -> list[str]:
        return _nicknames_of(p.given.split()[0])

    def surname_parts(p: Person) -> list[str]:
        return p.family.replace("-", " ").split()

    for _ in range(per_kind):
        for kind in TYPOS:
            p = pick.pick(lambda p: True)
            if rng.random() < 0.5:
                add(f"typo-{kind}", p, _typo_in_name(p.given, kind, rng), p.family, p.dob)
            else:
                add(f"typo-{kind}", p, p.given, _typo_in_name(p.family, kind, rng), p.dob)

        p = pick.pick(lambda p: True)
        add(
            "typo-both",
            p,
            _typo_in_name(p.given, rng.choice(TYPOS), rng),
            typo(p.family, rng.choice(TYPOS), rng),
            p.dob,
        )

        for lang, hispanic in (("en", False), ("es", True)):

            def nicknamed(p: Person, hispanic: bool = hispanic) -> bool:
                return p.hispanic == hispanic and bool(nick_of(p))

            p = pick.pick(nicknamed)
            add(f"nickname-{lang}", p, rng.choice(nick_of(p)).capitalize(), p.family, p.dob)

        p = pick.pick(lambda p: True)
        add("swapped", p, p.family, p.given, p.dob)

        p = pick.pick(lambda p: len(surname_parts(p)) == 2)
        parts = surname_parts(p)
        add(
            "compound-partial", p, strip_accents(p.given), parts[0] if rng.random() < 0.8 else parts[1], p.dob
        )

        p = pick.pick(lambda p: strip_accents(p.given + p.family) != p.given + p.family)
        add("accents-missing", p, strip_accents(p.given).upper(), strip_accents(p.family).lower(), p.dob)

        p = pick.pick(lambda p: len(surname_parts(p)) == 2)
        parts = surname_parts(p)
        joined = "".join(parts) if rng.random() < 0.5 else "-".join(parts)
        add("hyphen-or-space", p, p.given, joined, p.dob)

        p = pick.pick(lambda p: True)
        assert p.dob is not None
        add("dob-typo", p, strip_accents(p.given), p.family, dob_typo(p.dob, rng))

        p = pick.pick(lambda p: p.key in pick.common)
        given = p.given if rng.random() < 0.5 else _typo_in_name(p.given, "substitute", rng)
        add("common-name-dob", p, given, p.family, p.dob)

        p = pick.pick(lambda p: bool(p.aliases))
        alias = p.aliases[0]
        given, _, family = alias.partition(" ")
        add("alias", p, given, family or p.family, p.dob)

        p = pick.pick(lambda p: bool(nick_of(p)))
        assert p.dob is not None
        combo = rng.choice(["nickname+swapped", "typo+dob-typo", "nickname+typo"])
        if combo == "nickname+swapped":
            add(combo, p, p.family, rng.choice(nick_of(p)).capitalize(), p.dob)
        elif combo == "typo+dob-typo":
            add(
                combo,
                p,
                p.given,
                _typo_in_name(p.family, rng.choice(["insert", "delete"]), rng),
                dob_typo(p.dob, rng),
            )
        else:
            add(combo, p, rng.choice(nick_of(p)), typo(p.family, "substitute", rng), p.dob)

        p = pick.pick(lambda p: True)
        add("one-box", p, f"{p.given} {p.family}", "", p.dob)

        roll = rng.random()
        if roll < 0.2:
            p = pick.pick(lambda p: p.key in pick.unique_partial, dob=False)
            add("no-dob-partial", p, p.given, surname_parts(p)[0], None)
        else:
            p = pick.pick(lambda p: p.key in pick.unique, dob=False)
            if roll < 0.5:
                add("no-dob-exact", p, strip_accents(p.given), strip_accents(p.family), None)
            elif roll < 0.8:
                add("no-dob-typo", p, p.given, _typo_in_name(p.family, rng.choice(TYPOS), rng), None)
            else:
                add("no-dob-swapped", p, p.family, p.given, None)

        # The record has no date of birth; the officer has one. Common names are not expected to match
        # (see matching.py: the name alone must be distinctive), so these count against recall too.
        p = pick.pick(lambda p: p.dob is None, dob=False)
        given = p.given if rng.random() < 0.5 else _typo_in_name(p.given, rng.choice(TYPOS), rng)
        add("record-without-dob", p, given, p.family, _random_dob(rng))
    return cases


def make_strangers(population: list[Person], n: int, seed: int = 99) -> list[Case]:
    """People not in the population: neither their full name nor their first given + first family name
    occurs, not even as an alias."""
    rng = random.Random(seed)
    names = _NameLists(random.Random(seed + 1))
    known = [(p.given, p.family) for p in population]
    known += [(a.partition(" ")[0], a.partition(" ")[2] or p.family) for p in population for a in p.aliases]
    taken = {normalise(f"{given} {family}") for given, family in known}
    firsts = {(normalise(given).split()[0], normalise(family).split()[0]) for given, family in known}
    out: list[Case] = []
    key = 10_000_000
    while len(out) < n:
        key += 1
        s = _new_person(rng, names, key)
        if s.dob is None:
            continue
        full = normalise(f"{s.given} {s.family}")
        first = (full.split()[0], normalise(s.family).split()[0])
        if full in taken or first in firsts:
            continue
        out.append(Case("stranger", s.given, s.family, s.dob, None))
    return out


def evaluate(
    index: MatchIndex, cases: list[Case], limit: int = 3
) -> tuple[float, dict[str, tuple[int, int]]]:
    """(top-``limit`` recall, {kind: (found, total)})."""
    per_kind: dict[str, list[int]] = {}
    for case in cases:
        found = any(
            m.key == case.target for m in index.search(case.given, case.family, case.dob, limit=limit)
        )
        tally = per_kind.setdefault(case.kind, [0, 0])
        tally[0] += found
        tally[1] += 1
    total_found = sum(t[0] for t in per_kind.values())
    return total_found / len(cases), {k: (t[0], t[1]) for k, t in sorted(per_kind.items())}


# --------------------------------------------------------------------------------------- unit tests


def test_normalise():
    assert normalise("  María-José  O'Brien ") == "maria jose obrien"
    assert normalise("NÚÑEZ, jr.") == "nunez jr"
    assert normalise("Øyvind Łukasz Straße") == "oyvind lukasz strasse"
    assert normalise("D’Angelo") == "dangelo"
    assert normalise("") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("garcia", "garsia"),
        ("garcia", "gracia"),
        ("gonzalez", "gonzales"),
        ("jimenez", "gimenez"),
        ("vasquez", "basquez"),
        ("smith", "smyth"),
        ("christopher", "kristopher"),
        ("hernandez", "ernandez"),
    ],
)
def test_phonetic_codes_agree_on_spelling_variants(a, b):
    assert phonetic(a) == phonetic(b)


def test_phonetic_codes_tell_different_names_apart():
    assert len({phonetic(n) for n in ["garcia", "lopez", "smith", "martinez", "nguyen", "perez"]}) == 6
    assert phonetic("") == "A"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("bill", "william"),
        ("billy", "will"),
        ("bob", "robert"),
        ("liz", "betty"),
        ("pepe", "jose"),
        ("paco", "francisco"),
        ("lupe", "guadalupe"),
        ("chuy", "jesus"),
        ("memo", "guillermo"),
        ("memo", "bill"),
        ("beto", "roberto"),
        ("kate", "katherine"),
        ("tony", "antonio"),
    ],
)
def test_nicknames_are_equivalent(a, b):
    assert are_nicknames(a, b)
    assert are_nicknames(b, a)


def test_nicknames_are_not_transitive_through_an_ambiguous_nickname():
    assert are_nicknames("chris", "christopher") and are_nicknames("chris", "christina")
    assert not are_nicknames("christopher", "christina")
    assert not are_nicknames("maria", "jose")


def test_the_nickname_table_is_large_and_loaded_normalised():
    table = nickname_table()
    assert len(table) >= 300
    assert table["pepe"] == frozenset({"jose"})
    assert all(nick == normalise(nick) for nick in table)


@pytest.mark.parametrize(
    ("query", "score", "reason"),
    [
        (date(1985, 3, 4), 1.0, "exact"),
        (date(1985, 4, 3), 0.85, "day and month swapped"),
        (date(1985, 3, 5), 0.8, "one digit differs"),
        (date(1958, 3, 4), 0.8, "two digits transposed"),
        (date(1986, 3, 4), 0.8, "one digit differs"),
        (date(1979, 3, 4), 0.35, "same day and month"),
        (date(1985, 3, 28), 0.3, "same month and year"),
        (date(1985, 11, 28), 0.15, "same year"),
        (date(1970, 11, 28), 0.0, "differs"),
        (None, None, "not known"),
    ],
)
def test_dob_similarity(query, score, reason):
    got, why = dob_similarity(query, date(1985, 3, 4))
    assert got == score
    assert reason in why


def test_dob_similarity_year_off_by_one_across_a_decade():
    assert dob_similarity(date(1990, 3, 4), date(1989, 3, 4)) == (0.7, "date of birth: year off by one")


def test_blocking_keys_are_shared_by_swapped_and_misspelt_queries():
    stored = blocking_keys("María Guadalupe", "García López", date(1985, 3, 4))
    assert all(k[:2] in {"n:", "y:", "d:", "t:"} for k in stored)
    assert len(stored) < 120
    for given, family, dob in [
        ("Garcia", "Maria", None),
        ("Lupe", "Garcia", None),
        ("Maria", "Grcia", None),
        ("Mraia", "Garcia", None),
        ("Maria", "Garcialopez", None),
        ("Mxrxa", "Lopez", date(1985, 3, 4)),
        ("Zzz", "Qqq", date(1985, 4, 3)),
    ]:
        assert stored & blocking_keys(given, family, dob, query=True), (given, family)


def test_query_keys_read_single_token_blocks_only_for_a_single_name():
    assert any(k.startswith("t:") for k in blocking_keys("Garcia", "", None, query=True))
    assert not any(k.startswith("t:") for k in blocking_keys("Maria", "Garcia", None, query=True))
    assert blocking_keys("", "", None, query=True) == set()


@pytest.fixture
def small_records():
    people = [
        PersonRecord(1, "William", "Johnson", [], date(1980, 1, 15)),
        PersonRecord(2, "María Guadalupe", "García López", [], date(1991, 7, 2)),
        PersonRecord(3, "José", "Hernández", ["Flaco"], date(1975, 12, 30)),
        PersonRecord(4, "Katherine", "O'Brien-Walsh", [], None),
        PersonRecord(5, "Jesús", "de la Cruz", ["Chuy Cruz"], date(2000, 2, 29)),
    ]
    # Many people called María García, told apart by their date of birth.
    people += [
        PersonRecord(100 + i, "María", "García", [], date(1960 + i, 1 + i % 12, 1 + i % 28))
        for i in range(40)
    ]
    return people


@pytest.fixture
def small_index(small_records):
    return MatchIndex.build(small_records)


@pytest.mark.parametrize(
    ("given", "family", "dob", "key"),
    [
        ("William", "Johnson", date(1980, 1, 15), 1),
        ("Bill", "Jonson", date(1980, 1, 15), 1),
        ("Johnson", "Billy", None, 1),
        ("Lupe", "Garcia", date(1991, 7, 2), 2),
        ("Maria", "Garcia-Lopez", date(1991, 2, 7), 2),
        ("Guadalupe", "Lopez", date(1991, 7, 2), 2),
        ("Pepe", "Hernandez", date(1975, 12, 30), 3),
        ("Flaco", "Hernandez", date(1975, 12, 30), 3),
        ("Kate", "OBrien Walsh", None, 4),
        ("Katherine", "Obrien", date(1970, 1, 1), 4),
        ("Chuy", "Delacruz", date(2000, 2, 29), 5),
        ("Jesus", "Cruz", None, 5),
        ("Maria", "Garcia", date(1965, 6, 6), 105),
        ("Mraia", "Garcia", date(1965, 6, 6), 105),
        ("Maria", "Garcia", date(1965, 6, 16), 105),
        ("Maria Garcia", "", date(1965, 6, 6), 105),
    ],
)
def test_search_finds_the_person_first(small_index, given, family, dob, key):
    matches = small_index.search(given, family, dob)
    assert matches, "nothing found"
    assert matches[0].key == key, matches
    assert all(m.score >= SCORE_THRESHOLD for m in matches)
    assert matches == sorted(matches, key=lambda m: -m.score)


@pytest.mark.parametrize(
    ("given", "family", "dob"),
    [
        ("Maria", "Garcia", date(1999, 9, 9)),  # the name is common; the date of birth belongs to nobody
        ("Robert", "Smith", date(1980, 1, 15)),  # somebody's date of birth, nobody's name
        ("William", "Johnson", date(1955, 5, 5)),  # the right name, a wholly wrong date of birth
        ("Xochitl", "Zamudio", None),
    ],
)
def test_search_stays_silent_when_nobody_matches(small_index, given, family, dob):
    assert small_index.search(given, family, dob) == []


def test_reasons_explain_without_names_or_dates(small_index):
    [match] = small_index.search("Garcia", "Billy", date(1980, 1, 15), limit=1) or [None]
    assert match is None  # Billy Garcia is nobody
    [match] = small_index.search("Johnson", "Billy", date(1980, 10, 15), limit=1)
    assert match.key == 1
    assert "given and family names swapped" in match.reasons
    assert "given name: nickname or equivalent" in match.reasons
    assert "date of birth: two digits transposed" in match.reasons
    text = " ".join(match.reasons).lower()
    assert "billy" not in text and "johnson" not in text and "1980" not in text
    [match] = small_index.search("Flaco", "Hernandez", None, limit=1)
    assert "matched a recorded alias" in match.reasons
    assert "date of birth: not known" in match.reasons


def test_limit_threshold_add_and_remove(small_index):
    assert len(small_index.search("Maria", "Garcia", None, limit=10)) == 10
    assert small_index.search("Maria", "Garcia", None, limit=0) == []
    assert small_index.search("", "  ", None) == []
    assert all(m.score >= 0.5 for m in small_index.search("Maria", "Garcia", date(1999, 9, 9), threshold=0.5))
    small_index.add(PersonRecord(1, "Wilhelmina", "Jansen", [], date(1980, 1, 15)))  # replaces key 1
    assert [m.key for m in small_index.search("Wilhelmina", "Jansen", None)] == [1]
    assert small_index.search("William", "Johnson", date(1980, 1, 15)) == []
    small_index.remove(1)
    small_index.remove(12345)  # unknown: no error
    assert small_index.search("Wilhelmina", "Jansen", None) == []
    assert len(small_index) == 44


@pytest.mark.parametrize(
    ("given", "family", "dob"),
    [
        ("Bill", "Jonson", date(1980, 1, 15)),
        ("Maria", "Garcia-Lopez", date(1991, 2, 7)),
        ("Chuy", "Delacruz", None),
        ("Katherine", "Obrien", date(1970, 1, 1)),
        ("Mraia", "Garcia", date(1965, 6, 6)),
        ("Flaco", "", date(1975, 12, 30)),
    ],
)
def test_the_database_form_finds_what_the_index_finds(small_records, small_index, given, family, dob):
    """Stored keys + a query's keys select the candidates (as a SQL join would); scoring is shared."""
    stored = {r.key: blocking_keys(r.given, r.family, r.dob, r.aliases) for r in small_records}
    key_counts = Counter(key for keys in stored.values() for key in keys)
    query_keys = blocking_keys(given, family, dob, query=True)
    candidates = [r for r in small_records if stored[r.key] & query_keys]
    found = score_candidates(
        given, family, dob, candidates, population=len(small_records), name_count=key_counts.__getitem__
    )
    assert found
    assert found == small_index.search(given, family, dob)
    assert small_index.name_count("t:PMR") == key_counts["t:PMR"] >= 40


# ------------------------------------------------------------------------------ labelled evaluation

POPULATION = 20_000
PER_KIND = 30  # x 18 draws = 540 labelled queries
STRANGERS = 1000


@pytest.fixture(scope="module")
def population():
    return make_population(POPULATION)


@pytest.fixture(scope="module")
def index(population):
    return MatchIndex.build(p.record() for p in population)


def test_the_population_is_realistic(population):
    names = Counter(normalise(f"{p.given} {p.family}") for p in population)
    assert len(population) == POPULATION
    assert names["maria garcia"] >= 20  # so the date of birth has to do the work
    assert sum(1 for c in names.values() if c >= 5) >= 100
    assert sum(1 for p in population if "-" in p.family) >= 100
    assert sum(1 for p in population if len(p.family.split()) == 2) >= 1000


def test_top3_recall_on_the_labelled_set(index, population):
    cases = make_queries(population, PER_KIND)
    assert len(cases) >= 300
    assert len({c.kind for c in cases}) >= 15
    started = time.perf_counter()
    recall, per_kind = evaluate(index, cases)
    per_lookup_ms = (time.perf_counter() - started) * 1000 / len(cases)
    detail = ", ".join(f"{kind} {found}/{total}" for kind, (found, total) in per_kind.items())
    message = f"top-3 recall {recall:.3f} on {len(cases)} queries ({per_lookup_ms:.1f} ms/lookup): {detail}"
    print(message)
    assert recall >= 0.95, message


def test_strangers_are_not_matched(index, population):
    strangers = make_strangers(population, STRANGERS)
    false_positives = [c for c in strangers if index.search(c.given, c.family, c.dob)]
    rate = len(false_positives) / len(strangers)
    message = f"false-positive rate {rate:.3f} ({len(false_positives)}/{len(strangers)} strangers matched)"
    print(message)
    assert rate <= 0.05, message
