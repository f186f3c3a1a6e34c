"""docs/ARCHITECTURE.md holds: imports point down the layers, no import cycles (function-level
imports included), PyAV only in io/video, modules of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gradecli", "training")
#: What each layer of gradecli may not import.
FORBIDDEN = {
    "gradecli.color": ("gradecli.io", "gradecli.engine", "gradecli.pipeline", "gradecli.cli",
                       "gradecli.models"),
    "gradecli.io": ("gradecli.engine", "gradecli.pipeline", "gradecli.cli"),
    "gradecli.engine": ("gradecli.pipeline", "gradecli.cli"),
    "gradecli.pipeline": ("gradecli.cli",),
    "gradecli.models": ("gradecli.pipeline", "gradecli.cli", "gradecli.engine"),
}
MAX_LINES = 500  # "split a module before it passes ~500 lines"


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if "data" in path.relative_to(ROOT / pkg).parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The repository modules ``name`` imports (anywhere in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = _modules()
    return {n: _imports(n, p, set(mods)) for n, p in mods.items()}


def test_layers_import_downwards_only(graph):
    bad = [(m, i) for m, deps in graph.items() for layer, banned in FORBIDDEN.items()
           if m == layer or m.startswith(layer + ".") for i in deps
           if any(i == b or i.startswith(b + ".") for b in banned)]
    assert not bad, f"imports against the layering: {bad}"


def test_no_import_cycles(graph):
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    # A package's __init__ re-exporting its submodules, which import siblings through the
    # package, is not a cycle of behaviour; every other one is.
    real = [c for c in cycles if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]
    assert not real, f"import cycles: {real}"


def test_pyav_only_in_io_video():
    users = [str(p.relative_to(ROOT)) for p in (ROOT / "gradecli").rglob("*.py")
             if any(isinstance(n, ast.Import) and any(a.name.split(".")[0] == "av"
                                                      for a in n.names)
                    or isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "av"
                    for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert users and all(u.startswith("gradecli/io/video/") for u in users), users


def test_modules_stay_readable():
    long = {str(p.relative_to(ROOT)): n for p in _modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
