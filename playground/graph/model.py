"""Graph, Node, Edge: the single source of truth for a network.

Canvas items mirror this model through its signals; they never hold state
that saving reads back. Node positions live here.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from playground.graph.observer import Signal

SCHEMA_VERSION = 1
MAX_NODES = 5000
MAX_EDGES = 20000
_LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class GraphFormatError(ValueError):
    """A graph dict that cannot be loaded; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid graph: " + "; ".join(problems[:20]))


class GraphEditError(ValueError):
    """An edit that cannot be applied (e.g. wiring an occupied input)."""


@dataclass(frozen=True)
class PortRef:
    node_id: str
    port: str

    def to_list(self) -> list[str]:
        return [self.node_id, self.port]


@dataclass
class Node:
    id: str
    type: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "label": self.label,
            "params": copy.deepcopy(self.params),
            "pos": [float(self.pos[0]), float(self.pos[1])],
        }


@dataclass
class Edge:
    id: str
    src: PortRef
    dst: PortRef

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "src": self.src.to_list(), "dst": self.dst.to_list()}


@dataclass
class Group:
    """A titled box around some nodes (purely organisational)."""

    id: str
    title: str
    node_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "node_ids": list(self.node_ids)}


def _insert(table: dict, key: str, value: Any, index: int | None) -> None:
    """Put ``key`` at position ``index`` (undo restores things where they were)."""
    if index is None or index >= len(table):
        table[key] = value
        return
    items = list(table.items())
    items.insert(max(index, 0), (key, value))
    table.clear()
    table.update(items)


def is_valid_label(label: str) -> bool:
    return bool(_LABEL_RE.match(label))


class Graph:
    """Nodes, edges and groups with change signals.

    Signals: ``node_added(node)``, ``node_removed(node)``, ``edge_added(edge)``,
    ``edge_removed(edge)``, ``node_changed(node, what)`` with ``what`` in
    {"params", "pos", "label"}, ``group_changed(group_or_None)`` and
    ``changed()`` after every mutation (for cheap "re-check" listeners).
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.groups: dict[str, Group] = {}
        self._next = {"n": 1, "e": 1, "g": 1}
        self.node_added = Signal()
        self.node_removed = Signal()
        self.edge_added = Signal()
        self.edge_removed = Signal()
        self.node_changed = Signal()
        self.group_changed = Signal()
        self.changed = Signal()

    # ----------------------------------------------------------- ids/labels
    def new_id(self, prefix: str) -> str:
        table = {"n": self.nodes, "e": self.edges, "g": self.groups}[prefix]
        while True:
            candidate = f"{prefix}{self._next[prefix]}"
            self._next[prefix] += 1
            if candidate not in table:
                return candidate

    def unique_label(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", base).strip("_").lower() or "block"
        if base[0].isdigit():
            base = "b_" + base
        base = base[:56]
        used = {n.label for n in self.nodes.values()}
        i = 1
        while f"{base}{i}" in used:
            i += 1
        return f"{base}{i}"

    # -------------------------------------------------------------- queries
    def node_index(self, node_id: str) -> int:
        if node_id not in self.nodes:
            raise GraphEditError(f"no block with id {node_id!r}")
        return list(self.nodes).index(node_id)

    def edge_index(self, edge_id: str) -> int:
        if edge_id not in self.edges:
            raise GraphEditError(f"no wire with id {edge_id!r}")
        return list(self.edges).index(edge_id)

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphEditError(f"no block with id {node_id!r}") from None

    def node_by_label(self, label: str) -> Node | None:
        for n in self.nodes.values():
            if n.label == label:
                return n
        return None

    def edges_into(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if e.dst.node_id == node_id]

    def edges_out_of(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if e.src.node_id == node_id]

    def edge_into(self, ref: PortRef) -> Edge | None:
        for e in self.edges.values():
            if e.dst == ref:
                return e
        return None

    # ------------------------------------------------------------ mutations
    def add_node(self, node: Node, index: int | None = None) -> Node:
        if node.id in self.nodes:
            raise GraphEditError(f"a block with id {node.id!r} already exists")
        if not is_valid_label(node.label) or self.node_by_label(node.label):
            node.label = self.unique_label(node.label or node.type)
        _insert(self.nodes, node.id, node, index)
        self.node_added.emit(node)
        self.changed.emit()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        node = self.node(node_id)
        removed = [self.disconnect(e.id) for e in list(self.edges.values())
                   if node_id in (e.src.node_id, e.dst.node_id)]
        for g in self.groups.values():
            if node_id in g.node_ids:
                g.node_ids.remove(node_id)
        del self.nodes[node_id]
        self.node_removed.emit(node)
        self.changed.emit()
        return node, removed

    def connect(self, src: PortRef, dst: PortRef, edge_id: str | None = None,
                index: int | None = None) -> Edge:
        for ref, what in ((src, "source"), (dst, "target")):
            if ref.node_id not in self.nodes:
                raise GraphEditError(f"{what} block {ref.node_id!r} does not exist")
        if src.node_id == dst.node_id:
            raise GraphEditError("a block cannot be wired to itself")
        taken = self.edge_into(dst)
        if taken is not None:
            raise GraphEditError(
                f"input {dst.port!r} of {self.nodes[dst.node_id].label!r} is already wired"
            )
        edge = Edge(edge_id or self.new_id("e"), src, dst)
        if edge.id in self.edges:
            raise GraphEditError(f"an edge with id {edge.id!r} already exists")
        _insert(self.edges, edge.id, edge, index)
        self.edge_added.emit(edge)
        self.changed.emit()
        return edge

    def disconnect(self, edge_id: str) -> Edge:
        edge = self.edges.pop(edge_id, None)
        if edge is None:
            raise GraphEditError(f"no wire with id {edge_id!r}")
        self.edge_removed.emit(edge)
        self.changed.emit()
        return edge

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        node = self.node(node_id)
        old = node.params.get(name)
        node.params[name] = copy.deepcopy(value)
        self.node_changed.emit(node, "params")
        self.changed.emit()
        return old

    def set_params(self, node_id: str, params: dict[str, Any]) -> dict[str, Any]:
        node = self.node(node_id)
        old = node.params
        node.params = copy.deepcopy(params)
        self.node_changed.emit(node, "params")
        self.changed.emit()
        return old

    def move_node(self, node_id: str, pos: tuple[float, float]) -> tuple[float, float]:
        node = self.node(node_id)
        old = node.pos
        node.pos = (float(pos[0]), float(pos[1]))
        self.node_changed.emit(node, "pos")
        return old

    def rename_node(self, node_id: str, label: str) -> str:
        node = self.node(node_id)
        if not is_valid_label(label):
            raise GraphEditError(
                f"{label!r} is not a valid name: use letters, digits and _ (not first), up to 64"
            )
        other = self.node_by_label(label)
        if other is not None and other.id != node_id:
            raise GraphEditError(f"another block is already called {label!r}")
        old = node.label
        node.label = label
        self.node_changed.emit(node, "label")
        self.changed.emit()
        return old

    def set_group(self, group: Group | None, group_id: str | None = None) -> Group | None:
        """Insert/replace ``group`` (or delete ``group_id`` when group is None)."""
        gid = group.id if group else group_id
        assert gid is not None
        old = self.groups.get(gid)
        if group is None:
            self.groups.pop(gid, None)
        else:
            self.groups[gid] = group
        self.group_changed.emit(group or old)
        return old

    def clear(self) -> None:
        for nid in list(self.nodes):
            self.remove_node(nid)
        for gid in list(self.groups):
            self.set_group(None, gid)

    # --------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "nodes": [n.to_dict() for n in self.nodes.values()],
            "edges": [e.to_dict() for e in self.edges.values()],
            "groups": [g.to_dict() for g in self.groups.values()],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Graph:
        """Build a graph from untrusted data; raise GraphFormatError listing problems."""
        from playground.graph.serialize import parse_graph_dict

        return parse_graph_dict(cls(), data)

    def copy(self) -> Graph:
        return Graph.from_dict(self.to_dict())

    def __repr__(self) -> str:
        return f"<Graph {len(self.nodes)} blocks, {len(self.edges)} wires>"
