"""The audit package's layout holds: statistics import nothing above them, the workflow no
files, no import cycle, no import hidden inside a function (but SciPy's, kept lazy for
start-up time), and every method registered behind the one contract."""

from __future__ import annotations

import ast
from pathlib import Path

import escrutinio.audit
from escrutinio.audit.workflow.method import Method
from escrutinio.audit.workflow.registry import METHODS

ROOT = Path(escrutinio.audit.__file__).parent
LAZY = {  # SciPy's stats (and signal) are slow to import
    ("stats/hypergeometric.py", "scipy.stats"),
    ("stats/round_polling.py", "scipy.stats"),
    ("stats/round_polling.py", "scipy.signal"),
    ("stats/suite.py", "scipy.stats"),
}
METHOD_MODULES = {
    "table-comparison": "table_comparison",
    "table-comparison-wor": "table_comparison_wor",
    "macro": "macro",
    "ballot-polling": "ballot_polling",
    "ballot-comparison": "ballot_comparison",
    "full-hand-count": "full_hand_count",
    "fixed-percentage": "fixed_percentage",
    "minerva": "minerva",
    "providence": "providence",
    "hybrid": "hybrid",
}


def modules() -> dict[str, ast.Module]:
    """Every module of the audit package, by dotted name."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        name = ".".join(["escrutinio", "audit", *parts])
        out[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return out


def imported(tree: ast.Module) -> set[str]:
    """Modules a module imports at any depth (``from a import b`` counts both ``a`` and
    ``a.b``, which may be a module). The package imports absolutely only."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, "relative import"
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_no_import_inside_a_function_but_lazy_scipy() -> None:
    hidden = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    key = (path.relative_to(ROOT).as_posix(), mod or "")
                    if key not in LAZY:
                        hidden.append(key)
    assert hidden == []


def test_layers_import_downward_only() -> None:
    io_modules = {"pathlib", "io", "csv", "json", "os", "sqlalchemy", "jinja2", "typer"}
    for name, tree in modules().items():
        deps = imported(tree)
        ours = {d for d in deps if d.startswith("escrutinio.")}
        if name.startswith("escrutinio.audit.stats"):
            assert {d for d in ours if not d.startswith("escrutinio.audit.stats")} == set(), name
            assert deps & io_modules == set(), name
        if name.startswith("escrutinio.audit.workflow"):
            assert {d for d in ours if d.startswith("escrutinio.audit.files")} == set(), name
        upward = ("escrutinio.store", "escrutinio.cli", "escrutinio.publish", "escrutinio.verify")
        assert {d for d in ours if d.startswith(upward)} == set(), name


def test_no_import_cycle() -> None:
    mods = modules()
    packages = {n for n in mods if (ROOT / Path(*n.split(".")[2:]) / "__init__.py").exists()}
    assert all(not mods[p].body[1:] for p in packages)  # an __init__ only documents its package
    graph = {
        name: {d for d in imported(tree) if d in mods and d != name and d not in packages}
        for name, tree in mods.items()
    }
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend([*path, node, nxt])
                return True
            if nxt not in state and visit(nxt, [*path, node]):
                return True
        state[node] = 2
        return False

    for node in sorted(graph):
        if node not in state and visit(node, []):
            break
    assert cycle == []


def test_one_module_per_method_behind_the_contract() -> None:
    assert set(METHODS) == set(METHOD_MODULES)
    for name, method in METHODS.items():
        contract = [m for m in vars(Method) if not m.startswith("_")]
        assert all(callable(getattr(method, m)) for m in contract), name
        assert method.name == name and method.unit in ("tables", "ballots")
        assert type(method).__module__.endswith(METHOD_MODULES[name])
    for path in (ROOT / "workflow").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in METHODS:
            assert f'method == "{name}"' not in text, path
            assert f'method != "{name}"' not in text, path
