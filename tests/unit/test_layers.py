"""The layer rules of DESIGN.md, enforced: imports only point downward, and no module imports
itself back round a loop.

Layers, lowest first: graph (stdlib only), compile, data, train, session, export, analysis, experiments,
workspace, cli, ui.
Function-level imports count for cycles: a lazy import that closes a loop is still a loop (the
old cli modules hid one behind 43 of them). Imports under ``if TYPE_CHECKING:`` never run and
count for nothing.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "playground"

# layer -> playground layers it may import
ALLOWED = {
    "graph": {"graph"},
    "data": {"data", "graph"},
    "compile": {"compile", "graph"},
    "train": {"train", "compile", "data", "graph"},
    "session": {"session", "train", "compile", "data", "graph"},
    "export": {"export", "session", "train", "compile", "data", "graph"},
    "analysis": {"analysis", "session", "train", "compile", "data", "graph"},
    "experiments": {"experiments", "analysis", "export", "session", "train", "compile", "data", "graph"},
    "workspace": {"workspace", "experiments", "analysis", "export", "session", "train", "compile", "data", "graph"},
    "cli": {"cli", "workspace", "experiments", "analysis", "export", "session", "train", "compile", "data", "graph"},
    "ui": {"ui", "cli", "workspace", "experiments", "analysis", "export", "session", "train", "compile", "data", "graph"},
    "main": {"cli"},  # playground/__main__.py: python -m playground runs the CLI
    "version": set(),  # playground/__init__.py holds __version__, imports nothing of ours
}
for _layer in ALLOWED.values():
    _layer.add("version")  # anyone may read playground.__version__
# Imports a layer may make only inside a function: the CLI starts the app, never builds on it.
LAUNCH_ONLY = {"cli": {"ui"}}
QT = ("PySide6", "pyqtgraph", "shiboken6")


@dataclass(frozen=True)
class Import:
    target: str  # absolute dotted name of what is imported (a module when it is one of ours)
    line: int
    top_level: bool  # executed on import of the module (not inside a function)


def module_names(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module under ``package`` (named after its folder)."""
    names = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "version"
    if parts[1] == "__main__":
        return "main"
    return parts[1]


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """Every import the module can execute, relative ones made absolute."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other, top)
                continue
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, child.lineno, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.append(Import(sub if sub in known else base, child.lineno, top))
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inner)

    visit(ast.parse(path.read_text(), filename=str(path)), True)
    return found


def _ours(target: str, known: set[str]) -> str | None:
    """The module of ours that ``target`` names (a function or class import names its module)."""
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def import_graph(package: Path) -> dict[str, dict[str, int]]:
    """module -> {imported module of ours: line of the first such import}."""
    modules = module_names(package)
    known = set(modules)
    edges: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges[name] = {}
        for imp in imports_of(name, path, known):
            target = _ours(imp.target, known)
            if target is not None and target != name:
                edges[name].setdefault(target, imp.line)
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(edges) + 100))
    try:
        for v in sorted(edges):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def _describe(group: list[str], edges: dict[str, dict[str, int]]) -> str:
    inside = set(group)
    links = [f"{a} -> {b} (line {line})" for a in group for b, line in sorted(edges[a].items()) if b in inside]
    return "; ".join(links)


# ------------------------------------------------------------------ the rules
def test_every_package_is_a_known_layer_and_shipped():
    packages = {p.parent for p in PKG.rglob("__init__.py")}
    top = {p.name for p in packages if p.parent == PKG}
    assert top <= set(ALLOWED) - {"main", "version"}, f"a new package needs a layer in ALLOWED: {sorted(top - set(ALLOWED))}"
    shipped = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    dotted = {".".join(p.relative_to(ROOT).parts) for p in packages}
    assert dotted <= shipped, f"add to pyproject.toml's packages: {sorted(dotted - shipped)}"


def test_layer_imports_point_downward():
    modules = module_names(PKG)
    known = set(modules)
    offenders = []
    for name, path in sorted(modules.items()):
        layer = layer_of(name)
        for imp in imports_of(name, path, known):
            where = f"{path.relative_to(ROOT)}:{imp.line} ({layer})"
            if imp.target.startswith(QT) and layer != "ui":
                offenders.append(f"{where} imports {imp.target}: only playground/ui may import Qt")
            if imp.target.startswith("playground"):
                target = layer_of(imp.target)
                lazy_ok = not imp.top_level and target in LAUNCH_ONLY.get(layer, set())
                if target not in ALLOWED[layer] and not lazy_ok:
                    offenders.append(f"{where} must not import {imp.target}")
            elif layer == "graph" and imp.target.split(".")[0] not in sys.stdlib_module_names:
                offenders.append(f"{where} imports {imp.target}: the graph layer is stdlib only")
    assert not offenders, "\n".join(offenders)


def test_no_import_cycles_between_modules():
    edges = import_graph(PKG)
    loops = cycles(edges)
    assert not loops, "modules import each other in a loop:\n" + "\n".join(_describe(g, edges) for g in loops)


def test_every_package_says_its_layer():
    for init in PKG.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert (doc and "Layer" in doc) or init.parent.name == "blocks" or init.parent == PKG, init


# ------------------------------------------------------- the scanner itself
@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A package where a imports b lazily, b imports a at the top, c only for type checking."""
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from toy.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from .. import a\nfrom toy.sub.c import thing\n")
    (pkg / "sub" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                      "    from toy.sub.b import x\n")
    return pkg


def test_the_cycle_finder_sees_lazy_and_relative_imports_but_not_type_checking(toy):
    edges = import_graph(toy)
    assert edges["toy.a"] == {"toy.sub.b": 2}
    assert edges["toy.sub.b"] == {"toy.a": 1, "toy.sub.c": 2}
    assert edges["toy.sub.c"] == {}
    assert cycles(edges) == [["toy.a", "toy.sub.b"]]
    flags = {i.target: i.top_level for i in imports_of("toy.a", toy / "a.py", set(edges))}
    assert flags == {"toy.sub.b": False}
