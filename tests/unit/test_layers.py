"""The layer rules of DESIGN.md, enforced: imports only point downward."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "playground"

# layer -> playground subpackages it may import
ALLOWED = {
    "graph": {"graph"},
    "data": {"data", "graph"},
    "compile": {"compile", "graph"},
    "train": {"train", "compile", "data", "graph"},
    "session": {"session", "train", "compile", "data", "graph"},
    "workspace": {"workspace", "session", "train", "compile", "data", "graph"},
}
QT = ("PySide6", "pyqtgraph", "shiboken6")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_point_downward(layer):
    files = list((PKG / layer).rglob("*.py"))
    assert files, f"layer {layer} has no modules"
    for f in files:
        for name in _imports(f):
            assert not name.startswith(QT), f"{f} imports {name}: only playground/ui may import Qt"
            if name.startswith("playground."):
                target = name.split(".")[1]
                assert target in ALLOWED[layer], f"{f} ({layer}) must not import {name}"
            if layer == "graph":
                assert not name.startswith(("torch", "numpy")), f"{f}: graph layer is stdlib only"


def test_every_package_says_its_layer():
    for init in PKG.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert (doc and "Layer" in doc) or init.parent.name == "blocks" or init.parent == PKG, init
