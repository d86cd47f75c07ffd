"""No module outside playground/graph/ touches a private field or method of the Graph.

The Graph keeps its own books (tables, id counters, group members); code elsewhere that reached
into them would change the network without the signals the canvas and the checker listen to.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "playground" / "graph" / "model.py"
SCANNED = [ROOT / "playground", ROOT / "benchmarks"]


def graph_private_names() -> set[str]:
    """Every ``_name`` the Graph class defines: methods, and attributes it assigns on ``self``."""
    tree = ast.parse(MODEL.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Graph")
    names = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_") and not node.name.startswith("__"):
            names.add(node.name)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
                and isinstance(node.ctx, ast.Store) and node.attr.startswith("_")):
            names.add(node.attr)
    return names


def private_uses(source: str, private: set[str]) -> list[tuple[int, str]]:
    """(line, text) of each ``x._name`` or ``getattr(x, "_name")`` with ``_name`` in ``private``,
    where ``x`` is not the module's own ``self``/``cls`` (its own class's fields are its business)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in private:
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append((node.lineno, ast.unparse(node)))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and node.args[1].value in private):
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def test_the_scan_knows_the_graphs_books():
    private = graph_private_names()
    assert {"_nodes", "_edges", "_groups", "_next"} <= private
    # what the scan flags, and what it leaves alone
    assert private_uses("graph._next['n'] = 3\nsetattr(g, '_nodes', {})\n", private) == [
        (1, "graph._next"), (2, "setattr(g, '_nodes', {})")]
    assert private_uses("self._nodes = {}\nx = graph.nodes\n", private) == []


def test_no_module_outside_graph_touches_private_graph_fields():
    private = graph_private_names()
    offenders = []
    for folder in SCANNED:
        for path in sorted(folder.rglob("*.py")):
            if (ROOT / "playground" / "graph") in path.parents:
                continue
            for line, text in private_uses(path.read_text(), private):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not offenders, "use the Graph's public methods instead:\n" + "\n".join(offenders)
