"""Graph layer: the network a person wires, as plain Python data.

Layer: bottom. Imports the standard library only (no torch, no Qt).
Holds Graph/Node/Edge, block and parameter *specs* (plain data), reversible
edits, structural validation and the built-in templates.
"""

from playground.graph.model import Edge, Graph, GraphFormatError, Node, PortRef
from playground.graph.spec import BlockSpec, Diagnostic, ParamSpec, PortSpec, TaskSpec

__all__ = [
    "BlockSpec",
    "Diagnostic",
    "Edge",
    "Graph",
    "GraphFormatError",
    "Node",
    "ParamSpec",
    "PortRef",
    "PortSpec",
    "TaskSpec",
]
