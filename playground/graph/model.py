"""Graph: the single source of truth for a network, and the keeper of its own books.

Canvas items mirror this model through its signals; they never hold state that saving reads
back. Node positions live here. The tables are read-only views outside this class: every change
(blocks, wires, groups and their members, positions in the tables, ids) goes through a method
that emits a signal, so nothing can change the graph behind its listeners' backs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from playground.graph.elements import (
    MAX_EDGES,
    MAX_NODES,
    SCHEMA_VERSION,
    Edge,
    GraphEditError,
    GraphFormatError,
    Group,
    Node,
    NodeRemoval,
    PortRef,
    is_valid_label,
)
from playground.graph.observer import Signal
from playground.graph.serialize import parse_graph_dict

__all__ = [
    "MAX_EDGES", "MAX_NODES", "SCHEMA_VERSION", "Edge", "Graph", "GraphEditError", "GraphFormatError",
    "Group", "Node", "NodeRemoval", "PortRef", "is_valid_label",
]
_ID_NUMBER = re.compile(r"[0-9]{1,12}")


def _insert(table: dict[str, Any], key: str, value: Any, index: int | None) -> None:
    """Put ``key`` at position ``index`` (undo restores things where they were)."""
    if index is None or index >= len(table):
        table[key] = value
        return
    items = list(table.items())
    items.insert(max(index, 0), (key, value))
    table.clear()
    table.update(items)


class Graph:
    """Nodes, edges and groups with change signals.

    Signals: ``node_added(node)``, ``node_removed(node)``, ``edge_added(edge)``,
    ``edge_removed(edge)``, ``node_changed(node, what)`` with ``what`` in
    {"params", "pos", "label"}, ``group_changed(group)`` (the group as it is now, or as it was
    when it was removed: listeners look it up in ``groups``), and ``changed()`` after every
    change to what the network computes (blocks, wires, params, labels) for cheap "re-check"
    listeners; moves and groups emit only their own signal.
    """

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._edges: dict[str, Edge] = {}
        self._groups: dict[str, Group] = {}
        self._next = {"n": 1, "e": 1, "g": 1}
        self.node_added = Signal()
        self.node_removed = Signal()
        self.edge_added = Signal()
        self.edge_removed = Signal()
        self.node_changed = Signal()
        self.group_changed = Signal()
        self.changed = Signal()

    # ---------------------------------------------------------------- tables
    @property
    def nodes(self) -> Mapping[str, Node]:
        """Blocks by id, in insertion order (the compile and file order); read-only."""
        return MappingProxyType(self._nodes)

    @property
    def edges(self) -> Mapping[str, Edge]:
        """Wires by id, in order; read-only."""
        return MappingProxyType(self._edges)

    @property
    def groups(self) -> Mapping[str, Group]:
        """Group boxes by id, in order; read-only (change them with ``set_group`` and friends)."""
        return MappingProxyType(self._groups)

    # ----------------------------------------------------------- ids/labels
    def new_id(self, prefix: str) -> str:
        """A fresh "n…", "e…" or "g…" id that this graph has never held since it was made or
        loaded, so weights and records keyed by a deleted block's id never pass to a new one."""
        tables: dict[str, Mapping[str, object]] = {"n": self._nodes, "e": self._edges, "g": self._groups}
        table = tables[prefix]
        while True:
            candidate = f"{prefix}{self._next[prefix]}"
            self._next[prefix] += 1
            if candidate not in table:
                return candidate

    def _note_id(self, prefix: str, key: str) -> None:
        """An id that arrives from outside (a file, a paste, a redo) moves its counter past it."""
        if key.startswith(prefix) and _ID_NUMBER.fullmatch(key[1:]):
            self._next[prefix] = max(self._next[prefix], int(key[1:]) + 1)

    def unique_label(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", base).strip("_").lower() or "block"
        if base[0].isdigit():
            base = "b_" + base
        base = base[:56]
        used = {n.label for n in self._nodes.values()}
        i = 1
        while f"{base}{i}" in used:
            i += 1
        return f"{base}{i}"

    # -------------------------------------------------------------- queries
    def node_index(self, node_id: str) -> int:
        if node_id not in self._nodes:
            raise GraphEditError(f"no block with id {node_id!r}")
        return list(self._nodes).index(node_id)

    def edge_index(self, edge_id: str) -> int:
        if edge_id not in self._edges:
            raise GraphEditError(f"no wire with id {edge_id!r}")
        return list(self._edges).index(edge_id)

    def group_index(self, group_id: str) -> int:
        if group_id not in self._groups:
            raise GraphEditError(f"no group with id {group_id!r}")
        return list(self._groups).index(group_id)

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise GraphEditError(f"no block with id {node_id!r}") from None

    def node_by_label(self, label: str) -> Node | None:
        for n in self._nodes.values():
            if n.label == label:
                return n
        return None

    def edges_into(self, node_id: str) -> list[Edge]:
        return [e for e in self._edges.values() if e.dst.node_id == node_id]

    def edges_out_of(self, node_id: str) -> list[Edge]:
        return [e for e in self._edges.values() if e.src.node_id == node_id]

    def edge_into(self, ref: PortRef) -> Edge | None:
        for e in self._edges.values():
            if e.dst == ref:
                return e
        return None

    def groups_of(self, node_id: str) -> list[Group]:
        return [g for g in self._groups.values() if node_id in g.node_ids]

    # ------------------------------------------------------- blocks, wires
    def add_node(self, node: Node, index: int | None = None) -> Node:
        if node.id in self._nodes:
            raise GraphEditError(f"a block with id {node.id!r} already exists")
        if not is_valid_label(node.label) or self.node_by_label(node.label):
            node.label = self.unique_label(node.label or node.type)
        _insert(self._nodes, node.id, node, index)
        self._note_id("n", node.id)
        self.node_added.emit(node)
        self.changed.emit()
        return node

    def remove_node(self, node_id: str) -> NodeRemoval:
        """Remove a block, its wires and its group memberships; a group that loses its last
        block goes too. The returned record lets ``restore_node`` undo all of it exactly."""
        node = self.node(node_id)
        index = self.node_index(node_id)
        edge_positions = {eid: i for i, eid in enumerate(self._edges)}
        group_positions = {gid: i for i, gid in enumerate(self._groups)}
        touching = [e for e in self._edges.values() if node_id in (e.src.node_id, e.dst.node_id)]
        edges = tuple((edge_positions[e.id], e) for e in touching)
        memberships: list[tuple[str, int]] = []
        emptied: list[tuple[int, Group]] = []
        for group in self.groups_of(node_id):
            if group.node_ids == (node_id,):
                emptied.append((group_positions[group.id], group))
            else:
                memberships.append((group.id, group.node_ids.index(node_id)))
        for edge in touching:
            self.disconnect(edge.id)
        for gid, _ in memberships:
            self.remove_from_group(gid, node_id)
        for _, group in emptied:
            self.set_group(None, group.id)
        del self._nodes[node_id]
        self.node_removed.emit(node)
        self.changed.emit()
        return NodeRemoval(node, index, edges, tuple(memberships), tuple(emptied))

    def restore_node(self, removal: NodeRemoval) -> Node:
        """Put back what ``remove_node`` took, every item in its old place."""
        node = self.add_node(removal.node, removal.index)
        for index, edge in removal.edges:
            self.connect(edge.src, edge.dst, edge.id, index)
        for index, group in removal.emptied:
            self.set_group(group, index=index)
        for gid, position in removal.memberships:
            self.add_to_group(gid, node.id, position)
        return node

    def connect(self, src: PortRef, dst: PortRef, edge_id: str | None = None,
                index: int | None = None) -> Edge:
        for ref, what in ((src, "source"), (dst, "target")):
            if ref.node_id not in self._nodes:
                raise GraphEditError(f"{what} block {ref.node_id!r} does not exist")
        if src.node_id == dst.node_id:
            raise GraphEditError("a block cannot be wired to itself")
        if self.edge_into(dst) is not None:
            raise GraphEditError(
                f"input {dst.port!r} of {self._nodes[dst.node_id].label!r} is already wired"
            )
        edge = Edge(edge_id or self.new_id("e"), src, dst)
        if edge.id in self._edges:
            raise GraphEditError(f"an edge with id {edge.id!r} already exists")
        _insert(self._edges, edge.id, edge, index)
        self._note_id("e", edge.id)
        self.edge_added.emit(edge)
        self.changed.emit()
        return edge

    def disconnect(self, edge_id: str) -> Edge:
        edge = self._edges.pop(edge_id, None)
        if edge is None:
            raise GraphEditError(f"no wire with id {edge_id!r}")
        self.edge_removed.emit(edge)
        self.changed.emit()
        return edge

    # --------------------------------------------------------- node fields
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

    # --------------------------------------------------------------- groups
    def set_group(self, group: Group | None, group_id: str | None = None,
                  index: int | None = None) -> Group | None:
        """Insert or replace ``group`` (a new one at ``index``, default last; a replaced one
        keeps its place), or delete ``group_id`` when ``group`` is None. Returns the old group.

        Checks that the members exist, each once, and that there is at least one.
        """
        gid = group.id if group is not None else group_id
        if gid is None or (group is not None and group_id not in (None, group.id)):
            raise GraphEditError("set_group needs one group id")
        if group is not None:
            self._check_members(group)
        old = self._groups.get(gid)
        if group is None:
            self._groups.pop(gid, None)
        elif old is not None:
            self._groups[gid] = group
        else:
            _insert(self._groups, gid, group, index)
            self._note_id("g", gid)
        if group is not None or old is not None:
            self.group_changed.emit(self._groups.get(gid, old))
        return old

    def add_to_group(self, group_id: str, node_id: str, index: int | None = None) -> Group:
        """Make ``node_id`` a member of ``group_id`` (at ``index`` in its list, default last)."""
        group = self._existing_group(group_id)
        self.node(node_id)
        if node_id in group.node_ids:
            raise GraphEditError(f"{self._nodes[node_id].label!r} is already in group {group.title!r}")
        members = list(group.node_ids)
        members.insert(len(members) if index is None else max(0, min(index, len(members))), node_id)
        group = self._groups[group_id] = Group(group.id, group.title, tuple(members))
        self.group_changed.emit(group)
        return group

    def remove_from_group(self, group_id: str, node_id: str) -> int:
        """Take ``node_id`` out of ``group_id``; returns where it was in the member list.
        A group left without blocks is removed (an empty box would be invisible yet saved)."""
        group = self._existing_group(group_id)
        if node_id not in group.node_ids:
            raise GraphEditError(f"block {node_id!r} is not in group {group.title!r}")
        position = group.node_ids.index(node_id)
        if len(group.node_ids) == 1:
            self.set_group(None, group_id)
        else:
            members = [n for n in group.node_ids if n != node_id]
            group = self._groups[group_id] = Group(group.id, group.title, tuple(members))
            self.group_changed.emit(group)
        return position

    def _existing_group(self, group_id: str) -> Group:
        try:
            return self._groups[group_id]
        except KeyError:
            raise GraphEditError(f"no group with id {group_id!r}") from None

    def _check_members(self, group: Group) -> None:
        if not group.node_ids:
            raise GraphEditError(f"group {group.title!r} needs at least one block")
        missing = [n for n in group.node_ids if n not in self._nodes]
        if missing:
            raise GraphEditError(f"group {group.title!r} names blocks that do not exist: {missing[:5]}")
        if len(set(group.node_ids)) != len(group.node_ids):
            raise GraphEditError(f"group {group.title!r} names a block twice")

    def clear(self) -> None:
        for nid in list(self._nodes):
            self.remove_node(nid)
        for gid in list(self._groups):
            self.set_group(None, gid)

    # --------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "nodes": [n.to_dict() for n in self._nodes.values()],
            "edges": [e.to_dict() for e in self._edges.values()],
            "groups": [g.to_dict() for g in self._groups.values()],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Graph:
        """Build a graph from untrusted data; raise GraphFormatError listing problems."""
        parts = parse_graph_dict(data)
        graph = cls()
        # A fresh graph has no listeners, so its tables are filled without one signal per item.
        for node in parts.nodes:
            graph._nodes[node.id] = node
            graph._note_id("n", node.id)
        for edge in parts.edges:
            graph._edges[edge.id] = edge
            graph._note_id("e", edge.id)
        for group in parts.groups:
            graph._groups[group.id] = group
            graph._note_id("g", group.id)
        return graph

    def copy(self) -> Graph:
        return Graph.from_dict(self.to_dict())

    def __repr__(self) -> str:
        return f"<Graph {len(self._nodes)} blocks, {len(self._edges)} wires>"
