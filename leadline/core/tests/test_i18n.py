"""The Spanish catalogue is complete, compiled, and covers every string marked for translation.

None of these tests need the GNU gettext binaries: the catalogue is read with polib, Python
sources are read with ``ast``, and templates are read with Django's own ``templatize`` (the
pure-Python lexer that ``makemessages`` feeds to xgettext). When a test here fails, run
``manage.py makemessages -l es ... --no-obsolete``, translate, then ``manage.py compilemessages``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

REPO = Path(settings.BASE_DIR)
PO_PATH = REPO / "leadline" / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
TEMPLATE_DIR = REPO / "leadline" / "templates"
# What makemessages scans (it is run from the repo root, ignoring .venv, var, e2e and bench).
PY_ROOTS = [REPO / "leadline", REPO / "config"]
PY_SKIP_PARTS = {"tests", "migrations", "__pycache__"}

# printf-style conversions, as gettext's python-format checks them: %(name)s, %s, %5.2f, %% ...
PRINTF_RE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])"
)
BRACE_RE = re.compile(r"(?<!\{)\{(\w*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")
ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")

# Python: the call names xgettext looks for under makemessages (django adds the _lazy / p* ones).
# Value: (index of msgctxt or None, index of msgid, index of msgid_plural or None).
PY_KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _live(catalog: polib._BaseFile) -> list[polib._BaseEntry]:
    """Entries that count: not the header, not obsolete (#~) leftovers."""
    return [e for e in catalog if e.msgid and not e.obsolete]


def _msgstrs(entry: polib._BaseEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _printf_specs(s: str) -> tuple[Counter, list[str]]:
    """(named placeholders -> count of conversions, ordered unnamed conversions), %% excluded."""
    named: Counter = Counter()
    unnamed: list[str] = []
    for m in PRINTF_RE.finditer(s):
        if m["conv"] == "%":
            continue
        if m["name"] is not None:
            named[(m["name"], m["conv"])] += 1
        else:
            unnamed.append(m["conv"])
    return named, unnamed


def _edges(s: str) -> tuple[str, str]:
    """The leading and trailing whitespace (newlines included) of s."""
    if not s.strip():
        return (s, "")
    return (s[: len(s) - len(s.lstrip())], s[len(s.rstrip()) :])


def _label(entry: polib._BaseEntry) -> str:
    where = ", ".join(f"{f}:{line}" for f, line in entry.occurrences[:3])
    return f"{entry.msgid!r} ({where})"


# --- the catalogue itself -------------------------------------------------------------------


def test_po_header_is_spanish():
    md = _po().metadata
    assert md.get("Language") == "es"
    assert md.get("Content-Type", "").replace(" ", "").lower() == "text/plain;charset=utf-8"
    assert md.get("Plural-Forms", "").replace(" ", "") == "nplurals=2;plural=(n!=1);"


def test_po_has_no_untranslated_or_fuzzy_entries():
    po = _po()
    untranslated = [_label(e) for e in _live(po) if not all(s.strip() for s in _msgstrs(e))]
    fuzzy = [_label(e) for e in _live(po) if "fuzzy" in e.flags]
    assert not untranslated, "untranslated msgids:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy entries (check the translation, then drop the flag):\n" + "\n".join(fuzzy)
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"


def test_po_translations_keep_placeholders_entities_and_edges():
    problems = []
    for e in _live(_po()):
        python_format = "python-format" in e.flags
        for s in _msgstrs(e):
            if python_format:
                # Named conversions may be reordered but none may be lost or invented; unnamed
                # ones are positional, so order and kind must match exactly.
                id_named, id_unnamed = _printf_specs(e.msgid)
                s_named, s_unnamed = _printf_specs(s)
                if set(id_named) != set(s_named) or id_unnamed != s_unnamed:
                    problems.append(
                        f"{_label(e)}: placeholders {sorted(id_named) + id_unnamed} != "
                        f"{sorted(s_named) + s_unnamed} in {s!r}"
                    )
            else:
                # Not flagged python-format, but a %(name)s still must not go missing.
                wanted = set(re.findall(r"%\(\w+\)[a-z]", e.msgid))
                if wanted and wanted != set(re.findall(r"%\(\w+\)[a-z]", s)):
                    problems.append(f"{_label(e)}: placeholders {wanted} not kept in {s!r}")
            if "python-brace-format" in e.flags and set(BRACE_RE.findall(e.msgid)) != set(
                BRACE_RE.findall(s)
            ):
                problems.append(f"{_label(e)}: brace placeholders differ in {s!r}")
            if Counter(ENTITY_RE.findall(e.msgid)) != Counter(ENTITY_RE.findall(s)):
                problems.append(f"{_label(e)}: HTML entities differ in {s!r}")
            if _edges(e.msgid) != _edges(s):
                problems.append(f"{_label(e)}: leading/trailing whitespace differs in {s!r}")
    assert not problems, "\n".join(problems)


def test_mo_is_compiled_from_the_current_po():
    """The committed .mo holds exactly the .po's translations; a stale or missing .mo fails.

    Compared by content, not mtime: a git checkout gives both files the same, meaningless, time.
    """
    assert MO_PATH.exists(), "django.mo is missing: run manage.py compilemessages"

    def pairs(catalog: polib._BaseFile) -> set[tuple]:
        out = set()
        for e in _live(catalog):
            if "fuzzy" in e.flags or not all(_msgstrs(e)):
                continue  # msgfmt leaves these out of the .mo
            out.add((e.msgctxt or None, e.msgid, e.msgid_plural or None, tuple(_msgstrs(e))))
        return out

    po_pairs, mo_pairs = pairs(_po()), pairs(polib.mofile(str(MO_PATH)))
    stale = sorted(po_pairs - mo_pairs, key=repr)
    extra = sorted(mo_pairs - po_pairs, key=repr)
    assert not stale and not extra, (
        "django.mo does not match django.po: run manage.py compilemessages\n"
        f"in .po only: {stale[:10]}\nin .mo only: {extra[:10]}"
    )


# --- everything marked for translation is in the catalogue ----------------------------------


_NOT_LITERAL = object()


def _literal_arg(args: list[ast.expr], i: int | None) -> object:
    """Argument i as a str if it is a string literal, None if not wanted, else _NOT_LITERAL."""
    if i is None:
        return None
    arg = args[i] if i < len(args) else None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value  # adjacent literals ("a" "b") are already joined by the parser
    return _NOT_LITERAL  # a variable or an expression: xgettext cannot extract it either


def _py_marked(path: Path) -> list[tuple[tuple, int]]:
    """((msgctxt, msgid, msgid_plural), line) for each gettext call with literal arguments."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)  # _() or x.gettext()
        if name not in PY_KEYWORDS:
            continue
        key = tuple(_literal_arg(node.args, i) for i in PY_KEYWORDS[name])
        if _NOT_LITERAL not in key:
            found.append((key, node.lineno))
    return found


def _template_marked(path: Path) -> list[tuple[tuple, int]]:
    """The same, for a template, via django's templatize.

    templatize is exactly what makemessages runs on templates before handing them to xgettext, so
    {% translate %}, {% trans %}, _("...") filter arguments, `context`, `noop`, and every form of
    {% blocktranslate %} ({{ var }} -> %(var)s, `count`/{% plural %}, `context`, `trimmed`, and %
    doubled to %%) are handled fully, not best-effort. Its output is pseudo-Python: gettext calls
    with repr()'d literals among blanked-out text, which is scanned here with the tokenizer.
    """
    source = path.read_text(encoding="utf-8")
    code = templatize(source, origin=str(path))
    # Leading whitespace is meaningless in templatize output and would upset tokenize's
    # indentation tracking; stripping it keeps line numbers.
    code = "\n".join(line.lstrip() for line in code.splitlines()) + "\n"
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(code).readline)
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)
    ]
    found = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if (
            t.type == tokenize.NAME
            and t.string in PY_KEYWORDS
            and i + 1 < len(tokens)
            and tokens[i + 1].string == "("
        ):
            args: list[str | None] = []
            j = i + 2
            current: list[str] = []
            literal = True
            while j < len(tokens) and tokens[j].string != ")":
                tok = tokens[j]
                if tok.string == ",":
                    args.append("".join(current) if literal and current else None)
                    current, literal = [], True
                elif tok.type == tokenize.STRING:
                    current.append(ast.literal_eval(tok.string))
                else:
                    literal = False
                j += 1
            args.append("".join(current) if literal and current else None)
            ctx_i, id_i, plural_i = PY_KEYWORDS[t.string]
            picks = [
                None if k is None else (args[k] if k < len(args) else None) for k in (ctx_i, id_i, plural_i)
            ]
            needed = [k for k in (ctx_i, id_i, plural_i) if k is not None]
            if all(k < len(args) and args[k] is not None for k in needed):
                found.append((tuple(picks), t.start[0]))
            i = j
        i += 1
    return found


def _marked_strings() -> list[tuple[tuple, str]]:
    marked = []
    for root in PY_ROOTS:
        for path in sorted(root.rglob("*.py")):
            if PY_SKIP_PARTS & set(path.relative_to(REPO).parts):
                continue
            marked += [(key, f"{path.relative_to(REPO)}:{line}") for key, line in _py_marked(path)]
    for path in sorted(TEMPLATE_DIR.rglob("*.html")) + sorted(TEMPLATE_DIR.rglob("*.txt")):
        marked += [(key, f"{path.relative_to(REPO)}:{line}") for key, line in _template_marked(path)]
    return marked


def test_extractor_sees_known_strings():
    """Guard against the scan below passing because it found nothing."""
    keys = {key for key, _ in _marked_strings()}
    assert (None, "Sign in", None) in keys  # {% translate %} in accounts/login.html
    assert (None, "Hello, %(name)s", None) in keys  # {% blocktranslate with %} in web/home.html
    assert (None, "Page %(n)s of %(total)s", None) in keys  # includes/pager.html
    assert (None, "Audit reports", None) in keys  # gettext_lazy in core/nav.py
    assert (
        None,
        "Someone else changed this record while you were editing. Their version is "
        "shown below; make your change again.",
        None,
    ) in keys  # implicit concatenation


def test_every_marked_string_is_in_the_po():
    in_po = {(e.msgctxt or None, e.msgid, e.msgid_plural or None) for e in _live(_po())}
    missing = sorted(
        {
            f"{where}: {key[1]!r}" + (f" (context {key[0]!r})" if key[0] else "")
            for key, where in _marked_strings()
            if key not in in_po
        }
    )
    assert not missing, (
        "marked for translation but not in django.po (run makemessages, then translate):\n"
        + "\n".join(missing)
    )


# --- it actually shows up in Spanish ---------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_page_renders_in_spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Iniciar sesión" in html
    assert "Sign in" not in html
    assert "Contraseña" in html  # a form label, from the Python side of the catalogue


@pytest.mark.django_db
def test_sign_in_page_stays_english_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html
