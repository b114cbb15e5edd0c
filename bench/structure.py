"""How is Leadline's code shaped? Figures for issue #16, printed one a line, deterministic.

    python bench/structure.py [--verbose]

- ``except classes in views``: the distinct exception classes named in ``except`` clauses of the view
  files (``views.py``, ``apis.py``, ``*_views.py``), each resolved through the file's imports to a dotted
  name, so two apps' ``NotAllowed`` count twice and ``services.NotAllowed`` / ``NotAllowed`` once.
- ``add_error in except``: the places a view copies an error onto a form by hand (an ``add_error(`` call
  inside an ``except`` block of a view file).

- ``app import cycles``: strongly connected groups of two or more apps in the graph of imports between apps
  (any import, at module level or inside a function), and how many apps they hold.
- ``function-level imports``: ``import`` statements inside a function, split into: of another app of
  Leadline, of the same app, inside ``AppConfig.ready()`` (where Django wants registrations), and of other
  packages (lazy loading of heavy libraries: duckdb, statsmodels, psycopg, pypdf...).
- ``largest file``: the longest non-test, non-migration ``.py`` file under leadline/, in lines.

Reads the source with ``ast`` only; imports nothing of Leadline. Tests and migrations are left out.
"""

from __future__ import annotations

import ast
import builtins
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "leadline"


def view_files() -> list[Path]:
    """Every views.py, apis.py and *_views.py under leadline/, tests left out, in a fixed order."""
    found = [
        path
        for path in ROOT.rglob("*.py")
        if (path.name in ("views.py", "apis.py") or path.name.endswith("_views.py"))
        and "tests" not in path.relative_to(ROOT).parts
    ]
    return sorted(found)


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)


def imported_names(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name -> dotted name, from the file's imports (relative ones resolved against ``module``)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                names[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: -node.level]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
    return names


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def source_of(module: str) -> Path | None:
    """The file of a leadline module (a package's __init__.py), or None outside leadline."""
    if not module.startswith("leadline."):
        return None
    base = ROOT.parent.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def follow(qualified: str, seen: int = 0) -> str:
    """Follow a re-export (``from .referrals import NotAllowed`` in a package) or an alias
    (``NotAllowed = refusals.NotAllowed``) to where the class is defined, so one class caught under two
    names counts once."""
    module, _, name = qualified.rpartition(".")
    path = source_of(module)
    if path is None or seen > 10:
        return qualified
    tree = ast.parse(path.read_text(), filename=str(path))
    if any(isinstance(node, ast.ClassDef) and node.name == name for node in tree.body):
        return qualified
    names = imported_names(tree, module if path.name != "__init__.py" else f"{module}.__init__")
    head = name.split(".")[0]
    for node in tree.body:  # an alias: ``NotAllowed = refusals.NotAllowed``
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == head for t in node.targets)
            and (target := dotted(node.value))
        ):
            return follow(resolve_in(target, names, module) + name[len(head) :], seen + 1)
    if head in names:
        return follow(names[head] + name[len(head) :], seen + 1)
    return qualified


def resolve_in(name: str, names: dict[str, str], module: str) -> str:
    """A dotted name as written in ``module`` (its imports ``names``), not yet followed."""
    head, _, rest = name.partition(".")
    if head in names:
        return names[head] + (f".{rest}" if rest else "")
    return f"{module}.{name}"


def resolve(name: str, names: dict[str, str], module: str) -> str:
    head, _, rest = name.partition(".")
    if head in names:
        return follow(names[head] + (f".{rest}" if rest else ""))
    if hasattr(builtins, head):
        return f"builtins.{name}"
    return f"{module}.{name}"  # defined in the file itself


def caught(handler: ast.ExceptHandler) -> list[ast.expr]:
    if handler.type is None:
        return []
    if isinstance(handler.type, ast.Tuple):
        return list(handler.type.elts)
    return [handler.type]


def measure() -> tuple[set[str], list[str]]:
    classes: set[str] = set()
    add_errors: list[str] = []
    for path in view_files():
        module = module_of(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        names = imported_names(tree, module)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ExceptHandler):
                continue
            for expr in caught(node):
                name = dotted(expr)
                if name:
                    classes.add(resolve(name, names, module))
            for statement in node.body:
                for inner in ast.walk(statement):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr == "add_error"
                    ):
                        add_errors.append(f"{path.relative_to(ROOT.parent)}:{inner.lineno}")
    return classes, sorted(add_errors, key=lambda place: (place.split(":")[0], int(place.split(":")[1])))


def source_files() -> list[Path]:
    return sorted(
        path for path in ROOT.rglob("*.py") if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
    )


def app_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else path.stem


def imports_of(path: Path) -> list[tuple[ast.stmt, str, list[str]]]:
    """Each import in the file: the statement, the name of the function it sits in ("" at module level),
    and the dotted modules it names (relative imports resolved to this app)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[ast.stmt, str, list[str]]] = []

    def walk(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.append((child, function, [alias.name for alias in child.names]))
            elif isinstance(child, ast.ImportFrom):
                base = f"leadline.{app_of(path)}" if child.level else (child.module or "")
                found.append((child, function, [base]))
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            walk(child, inner)

    walk(tree, "")
    return found


def app_cycles() -> list[list[str]]:
    edges: dict[str, set[str]] = {}
    for path in source_files():
        app = app_of(path)
        for _node, _function, modules in imports_of(path):
            for name in modules:
                parts = name.split(".")
                if parts[0] == "leadline" and len(parts) > 1 and parts[1] != app:
                    edges.setdefault(app, set()).add(parts[1])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)


def function_imports() -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {
        "other app": [],
        "same app": [],
        "ready()": [],
        "cli, before django.setup()": [],
        "other package": [],
    }
    for path in source_files():
        app = app_of(path)
        for node, function, modules in imports_of(path):
            if not function:
                continue
            place = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            ours = [m.split(".")[1] for m in modules if m.startswith("leadline.") and len(m.split(".")) > 1]
            if app == "cli":
                kinds["cli, before django.setup()"].append(place)
            elif not ours and not any(m == "leadline" for m in modules):
                kinds["other package"].append(place)
            elif function == "ready":
                kinds["ready()"].append(place)
            elif any(target != app for target in ours):
                kinds["other app"].append(place)
            else:
                kinds["same app"].append(place)
    return kinds


def largest_file() -> tuple[int, str]:
    return max(
        (len(path.read_text().splitlines()), str(path.relative_to(ROOT.parent))) for path in source_files()
    )


def main() -> None:
    classes, add_errors = measure()
    print(f"except classes in views: {len(classes)}")
    print(f"add_error in except: {len(add_errors)}")
    cycles = app_cycles()
    print(f"app import cycles: {len(cycles)} (apps in them: {sum(len(group) for group in cycles)})")
    kinds = function_imports()
    print(
        f"function-level imports: {sum(len(v) for v in kinds.values())} — "
        + ", ".join(f"{k} {len(v)}" for k, v in kinds.items())
    )
    lines, name = largest_file()
    print(f"largest file: {name} ({lines} lines)")
    if "--verbose" in sys.argv:
        for name in sorted(classes):
            print(f"  class {name}")
        for place in add_errors:
            print(f"  add_error {place}")
        for group in cycles:
            print(f"  cycle {' '.join(group)}")
        for kind, places in kinds.items():
            for place in places:
                print(f"  {kind}: {place}")


if __name__ == "__main__":
    main()
