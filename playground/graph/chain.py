"""Build a straight chain of blocks in one call (scripts and tests; the app uses edits directly)."""

from __future__ import annotations

from typing import Any

from playground.graph.edits import AddNode, Connect
from playground.graph.model import Graph, PortRef


def chain_graph(*blocks: tuple[str, dict[str, Any]], with_io: bool = True) -> Graph:
    """``Input -> blocks... -> Output`` (or just the blocks when ``with_io`` is False), built with
    the same reversible edits the app uses, so labels and ids are what a person would get."""
    graph = Graph()
    steps = (("Input", {}), *blocks, ("Output", {})) if with_io else blocks
    previous = None
    for type_, params in steps:
        add = AddNode(type_, dict(params))
        add.apply(graph)
        assert add.node_id is not None  # apply() allocated it
        if previous is not None:
            Connect(PortRef(previous, "out"), PortRef(add.node_id, "in")).apply(graph)
        previous = add.node_id
    return graph
