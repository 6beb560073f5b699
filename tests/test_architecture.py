"""The import rules of docs/architecture.md, enforced over the source with ``ast``.

``COMPONENTS`` is the one table of layers: docs/architecture.md prints the same table, and
``test_docs_print_the_same_table`` keeps the two equal. Every module of ``src/escrutinio``
belongs to the component with the longest matching name. The rules:

* nothing imports upward (a component imports only components of its own or a lower layer);
* pure components import no database, CLI, file-format, publication, verifier, witness or
  web code (neither ours nor a third party's);
* the verifier imports only the model and the tally (it re-derives everything itself);
* no import cycle between components, nor between modules (imports inside functions count:
  a function-level import hides a cycle, it does not remove it).

Where today's code breaks a rule, the break is listed in ``KNOWN_*`` with the reason and
the issue that removes it; a listed break that no longer occurs fails the test too, so the
list only shrinks.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "escrutinio"
DOC = ROOT / "docs" / "architecture.md"


@dataclass(frozen=True)
class Component:
    """One row of the layer table."""

    name: str  # module path below ``escrutinio``, e.g. "audit.stats"
    layer: int  # imports go to the same or a lower layer only
    pure: bool  # no database, CLI, io, publish, verify, witness or web imports
    may_import: frozenset[str] | None = None  # when set: the only components it may import


# The layer table (docs/architecture.md prints the same rows, in this order).
COMPONENTS: tuple[Component, ...] = (
    Component("model", 0, pure=True),
    Component("io", 1, pure=False),
    Component("ledger", 1, pure=True),
    Component("tally", 1, pure=True),
    Component("submission", 1, pure=True),
    Component("geometry", 1, pure=True),
    Component("audit.stats", 1, pure=True),
    Component("images.qr_payload", 1, pure=True),
    Component("images.qr_check", 1, pure=True),
    Component("claims", 2, pure=True),
    Component("store", 2, pure=False),
    Component("images", 3, pure=False),
    Component("interop.nist", 2, pure=True),
    Component("reads", 4, pure=False),
    Component("publish", 4, pure=False),
    Component("audit", 4, pure=False),  # the package root: its errors
    Component("audit.workflow", 4, pure=False),
    Component("audit.files", 4, pure=False),
    Component("reconcile", 4, pure=True),
    Component("forensics", 4, pure=True),
    Component("interop", 4, pure=False),
    Component("verify", 5, pure=False, may_import=frozenset({"model", "tally", "audit.stats"})),
    Component("website", 5, pure=False),
    Component("witness", 6, pure=False),
    Component("receive", 6, pure=False),
    Component("serve", 6, pure=False),
    Component("submit_client", 6, pure=False),
    Component("cli", 7, pure=False),
)
BY_NAME = {c.name: c for c in COMPONENTS}

# What a pure component may never import: our components with I/O or side effects, and
# third-party database, CLI and web libraries.
IMPURE_COMPONENTS = frozenset(
    {"io", "store", "reads", "publish", "verify", "witness", "cli"}
    | {"audit", "audit.workflow", "audit.files"}
)
IMPURE_LIBRARIES = frozenset(
    {
        "sqlalchemy",
        "alembic",
        "psycopg",
        "psycopg2",
        "typer",
        "rich",
        "click",
        "fastapi",
        "starlette",
        "flask",
        "django",
        "aiohttp",
        "uvicorn",
        "httpx",
        "requests",
        "urllib.request",
        "http.client",
        "http.server",
        "socket",
    }
)
# No audit module (errors, workflow, files) may reach the store or anything above it.
AUDIT_NEVER = frozenset({"store", "reads", "publish", "verify", "witness", "cli"})

# Breaks of the rules in today's code, each with its reason; these must only disappear.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}
KNOWN_COMPONENT_CYCLES: dict[frozenset[str], str] = {}
KNOWN_MODULE_CYCLES: dict[frozenset[str], str] = {}


@dataclass(frozen=True)
class Import:
    """One import statement: importing module, imported name, line."""

    source: str
    target: str
    line: int


def module_names() -> dict[str, Path]:
    """Every module below ``escrutinio`` by dotted name without the ``escrutinio.`` prefix
    (a package by its own name; the root package is left out)."""
    out: dict[str, Path] = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            out[".".join(parts)] = path
    return out


MODULES = module_names()


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute dotted name a (possibly relative) ``from`` import refers to."""
    if not node.level:
        return node.module or ""
    base = ["escrutinio", *module.split(".")]
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path) -> list[Import]:
    """Every import in a module, at any depth (function bodies included), as absolute
    dotted names; ``from package import submodule`` names the submodule."""
    out: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.extend(Import(module, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, path, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                inner = sub.removeprefix("escrutinio.")
                out.append(Import(module, sub if inner in MODULES else base, node.lineno))
    return out


ALL_IMPORTS = list(
    dict.fromkeys(imp for name, path in MODULES.items() for imp in imports_of(name, path))
)


def internal(target: str) -> str | None:
    """The module of ours an import names (without the prefix), or None for a library."""
    if target == "escrutinio" or not target.startswith("escrutinio."):
        return None
    name = target.removeprefix("escrutinio.")
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def component_of(module: str) -> str | None:
    """The component a module belongs to: the longest table name that prefixes it."""
    best: str | None = None
    for c in COMPONENTS:
        if (module == c.name or module.startswith(c.name + ".")) and (
            best is None or len(c.name) > len(best)
        ):
            best = c.name
    return best


def where(imp: Import) -> str:
    """``src/escrutinio/x/y.py:LINE imports z`` for a failure message."""
    path = MODULES[imp.source].relative_to(ROOT)
    return f"{path}:{imp.line} imports {imp.target}"


def component_edges() -> dict[tuple[str, str], list[Import]]:
    """Imports between different components, grouped by (importer, imported)."""
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in ALL_IMPORTS:
        target = internal(imp.target)
        if target is None:
            continue
        a, b = component_of(imp.source), component_of(target)
        if a is not None and b is not None and a != b:
            edges[(a, b)].append(imp)
    return edges


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """The cycles of a directed graph: its strongly connected components of more than one
    node, or of one node importing itself (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    counter = 0
    nodes = sorted(set(graph) | {n for targets in graph.values() for n in targets})
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                scc: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    scc.add(member)
                    if member == node:
                        break
                if len(scc) > 1 or node in graph.get(node, ()):
                    out.append(scc)
    return out


# --- the rules -----------------------------------------------------------------------------


def test_every_module_has_a_place_in_the_table() -> None:
    homeless = sorted(m for m in MODULES if component_of(m) is None)
    assert not homeless, (
        f"modules outside the layer table: {homeless}; add their package to COMPONENTS in "
        "tests/test_architecture.py and to docs/architecture.md"
    )


def test_nothing_imports_upward() -> None:
    found: set[tuple[str, str]] = set()
    problems: list[str] = []
    for (a, b), imps in sorted(component_edges().items()):
        if BY_NAME[b].layer <= BY_NAME[a].layer:
            continue
        found.add((a, b))
        if (a, b) not in KNOWN_UPWARD:
            problems.extend(
                f"{where(i)}: {a} (layer {BY_NAME[a].layer}) imports {b} (layer {BY_NAME[b].layer})"
                for i in imps
            )
    stale = sorted(set(KNOWN_UPWARD) - found)
    assert not problems, "upward imports:\n" + "\n".join(problems)
    assert not stale, f"no longer imported upward, remove from KNOWN_UPWARD: {stale}"


def test_pure_components_import_no_io_store_cli_or_web() -> None:
    problems: list[str] = []
    for imp in ALL_IMPORTS:
        comp = component_of(imp.source)
        if comp is None or not BY_NAME[comp].pure:
            continue
        target = internal(imp.target)
        if target is not None:
            other = component_of(target)
            if other in IMPURE_COMPONENTS and other != comp:
                problems.append(f"{where(imp)}: pure {comp} imports {other}")
        elif any(imp.target == lib or imp.target.startswith(lib + ".") for lib in IMPURE_LIBRARIES):
            problems.append(f"{where(imp)}: pure {comp} imports the library {imp.target}")
    assert not problems, "\n".join(problems)


def test_audit_never_reaches_the_store_or_above() -> None:
    problems = [
        f"{where(i)}"
        for (a, b), imps in component_edges().items()
        if a.split(".")[0] == "audit" and b in AUDIT_NEVER
        for i in imps
    ]
    assert not problems, "\n".join(problems)


def test_components_with_an_explicit_allowance() -> None:
    problems = [
        f"{where(i)}: {a} may import only {sorted(allowed)}"
        for (a, b), imps in component_edges().items()
        if (allowed := BY_NAME[a].may_import) is not None and b not in allowed
        for i in imps
    ]
    assert not problems, "\n".join(problems)


def test_no_cycle_between_components() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in component_edges():
        graph[a].add(b)
    cycles = {frozenset(c) for c in strongly_connected(graph)}
    new = sorted(sorted(c) for c in cycles - set(KNOWN_COMPONENT_CYCLES))
    stale = sorted(sorted(c) for c in set(KNOWN_COMPONENT_CYCLES) - cycles)
    assert not new, f"import cycles between components: {new}"
    assert not stale, f"cycles that are gone, remove from KNOWN_COMPONENT_CYCLES: {stale}"


def test_no_cycle_between_modules() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in ALL_IMPORTS:
        target = internal(imp.target)
        if target is not None and target != imp.source:
            graph[imp.source].add(target)
    cycles = {frozenset(c) for c in strongly_connected(graph)}
    new = sorted(sorted(c) for c in cycles - set(KNOWN_MODULE_CYCLES))
    stale = sorted(sorted(c) for c in set(KNOWN_MODULE_CYCLES) - cycles)
    assert not new, f"import cycles between modules: {new}"
    assert not stale, f"cycles that are gone, remove from KNOWN_MODULE_CYCLES: {stale}"


def test_docs_print_the_same_table() -> None:
    """docs/architecture.md has one table row per component: name, layer, pure, may import."""
    rows = re.findall(
        r"^\|\s*`([a-z._]+)`\s*\|\s*(\d+)\s*\|\s*(yes|no)\s*\|\s*([^|]*?)\s*\|",
        DOC.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    printed = [(name, int(layer), pure == "yes", allowed) for name, layer, pure, allowed in rows]
    expected = [
        (
            c.name,
            c.layer,
            c.pure,
            ", ".join(f"`{m}`" for m in sorted(c.may_import)) if c.may_import else "lower layers",
        )
        for c in COMPONENTS
    ]
    assert printed == expected


# --- the checker checks itself ------------------------------------------------------------


def test_finds_function_level_imports_and_cycles(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(
        "import os\n"
        "def f() -> None:\n"
        "    from escrutinio.store import schema\n"
        "    from . import sibling\n",
        encoding="utf-8",
    )
    found = imports_of("tally.mod", path)
    assert [(i.target, i.line) for i in found] == [
        ("os", 1),
        ("escrutinio.store.schema", 3),
        ("escrutinio.tally", 4),
    ]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"a"}}) == [{"a"}]
    assert strongly_connected({"a": {"b"}}) == []


@pytest.mark.parametrize(
    ("module", "component"),
    [
        ("audit.stats.alpha", "audit.stats"),
        ("audit.workflow", "audit.workflow"),
        ("audit.bravo", "audit"),
        ("store.migrations.env", "store"),
        ("reads.results", "reads"),
        ("nothing", None),
    ],
)
def test_longest_name_wins(module: str, component: str | None) -> None:
    assert component_of(module) == component
