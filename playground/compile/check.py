"""One call that tells a person everything wrong with a graph."""

from __future__ import annotations

from playground.compile.blocks import catalog
from playground.compile.shapes import infer_shapes
from playground.graph.model import Graph
from playground.graph.spec import ShapeReport, TaskSpec
from playground.graph.validate import validate_structure

_CATALOG = None


def check(graph: Graph, task: TaskSpec | None) -> ShapeReport:
    """Structural validation plus shape inference. Never raises for a bad graph."""
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = catalog()
    report = ShapeReport(diagnostics=validate_structure(graph, _CATALOG))
    return infer_shapes(graph, task, report)
