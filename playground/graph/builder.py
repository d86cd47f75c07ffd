"""GraphBuilder: write a small network in a few lines (templates, tests, benchmarks, scripts).

Every block goes in through the ``AddNode`` edit and every wire through ``Connect``, the same
reversible edits the app applies for a person's gestures, so ids ("n1", "n2", ...) and default
labels ("linear1", "relu1", ...) are exactly what a person placing the same blocks would get.

Blocks are named by label. A source may name its output port after a colon, "halves:b"; labels
never contain a colon, so this cannot be misread. The default ports are "out" and "in".

    b = GraphBuilder()
    b.then("Input", "input").then("Linear", "fc1", out_features=16).then("ReLU")   # a chain
    b.add("Linear", "head", "relu1", out_features=2)                              # wired from relu1
    b.add("Add", "sum").wire("fc1", "sum", "a").wire("head", "sum", "b")          # any wiring
    graph = b.laid_out()  # positions from auto-layout; ``b.graph`` is the graph as built

Mistakes raise at once: an unknown label raises ``KeyError`` naming it, a refused wire the
Graph's ``GraphEditError``.
"""

from __future__ import annotations

import itertools
from typing import Any

from playground.graph.edits import AddNode, Connect
from playground.graph.layout import auto_layout
from playground.graph.model import Graph, Node, PortRef


class GraphBuilder:
    """Adds labelled blocks and wires to ``graph`` (a new one by default); methods chain."""

    def __init__(self, graph: Graph | None = None) -> None:
        self.graph = graph if graph is not None else Graph()
        self.last: str | None = None  # label of the block added last (``then`` wires from it)

    # ------------------------------------------------------------------ blocks
    def add(self, type_: str, label: str = "", source: str | None = None, *, port: str = "in",
            pos: tuple[float, float] = (0.0, 0.0), node_id: str | None = None,
            **params: Any) -> GraphBuilder:
        """Add a block of ``type_`` with ``params``; wire ``source`` (a label, or "label:port")
        into its ``port``. An empty label gets the app's default; a taken one is made unique,
        as the app does: read the result from ``last``."""
        edit = AddNode(type_, params, pos, label, node_id)
        edit.apply(self.graph)
        self.last = edit.label
        if source is not None:
            self.wire(source, edit.label, port)
        return self

    def then(self, type_: str, label: str = "", *, port: str = "in", pos: tuple[float, float] = (0.0, 0.0),
             node_id: str | None = None, **params: Any) -> GraphBuilder:
        """Add a block wired from the block added last (if any) into ``port``."""
        return self.add(type_, label, self.last, port=port, pos=pos, node_id=node_id, **params)

    # ------------------------------------------------------------------- wires
    def wire(self, src: str, dst: str, port: str = "in", src_port: str = "out") -> GraphBuilder:
        """Connect ``src``'s output (``src_port``, or the port after a colon in ``src``) to
        ``dst``'s input ``port``."""
        label, _, named = src.partition(":")
        Connect(PortRef(self.id(label), named or src_port), PortRef(self.id(dst), port)).apply(self.graph)
        return self

    def chain(self, *labels: str) -> GraphBuilder:
        """Wire each block's "out" into the next one's "in"."""
        for a, b in itertools.pairwise(labels):
            self.wire(a, b)
        return self

    # ----------------------------------------------------------------- queries
    def node(self, label: str) -> Node:
        """The block labelled ``label``; KeyError naming it (and the known labels) otherwise."""
        node = self.graph.node_by_label(label)
        if node is None:
            known = ", ".join(n.label for n in self.graph.nodes.values()) or "none yet"
            raise KeyError(f"no block labelled {label!r} (blocks: {known})")
        return node

    def id(self, label: str) -> str:
        return self.node(label).id

    def laid_out(self) -> Graph:
        """The graph with every block placed by auto-layout, left to right."""
        for nid, pos in auto_layout(self.graph).items():
            self.graph.move_node(nid, pos)
        return self.graph


def chain_graph(*blocks: tuple[str, dict[str, Any]], with_io: bool = True) -> Graph:
    """``Input -> blocks... -> Output`` (or just the blocks when ``with_io`` is False), each with
    its default label, e.g. ``chain_graph(("Linear", {"out_features": 8}), ("ReLU", {}))``."""
    builder = GraphBuilder()
    steps = (("Input", {}), *blocks, ("Output", {})) if with_io else blocks
    for type_, params in steps:
        builder.then(type_, **params)
    return builder.graph
