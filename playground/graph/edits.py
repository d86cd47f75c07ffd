"""Reversible edits: every user gesture is one of these (or a Macro of them).

An edit calls only the Graph's public mutation methods. ``apply`` may be
called again after ``revert`` (redo) and must recreate identical ids, so the
app's QUndoStack can wrap edits one to one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from playground.graph.model import Edge, Graph, Group, Node, NodeRemoval, PortRef


class Edit:
    text = "edit"

    def apply(self, graph: Graph) -> None:
        raise NotImplementedError

    def revert(self, graph: Graph) -> None:
        raise NotImplementedError


@dataclass
class AddNode(Edit):
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    node_id: str | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Add {self.type}"

    def apply(self, graph: Graph) -> None:
        if self.node_id is None:
            self.node_id = graph.new_id("n")
        if not self.label:
            self.label = graph.unique_label(self.type)
        node = Node(self.node_id, self.type, self.label, copy.deepcopy(self.params), self.pos)
        graph.add_node(node)
        self.label = node.label

    def revert(self, graph: Graph) -> None:
        assert self.node_id is not None
        graph.remove_node(self.node_id)


@dataclass
class RemoveNode(Edit):
    """Delete a block; the Graph's removal record (wires, groups, places) makes undo exact."""

    node_id: str
    _removal: NodeRemoval | None = None

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Delete {self._removal.node.label if self._removal else self.node_id}"

    def apply(self, graph: Graph) -> None:
        self._removal = graph.remove_node(self.node_id)

    def revert(self, graph: Graph) -> None:
        assert self._removal is not None
        graph.restore_node(self._removal)


@dataclass
class Connect(Edit):
    src: PortRef
    dst: PortRef
    edge_id: str | None = None
    text = "Connect"

    def apply(self, graph: Graph) -> None:
        edge = graph.connect(self.src, self.dst, self.edge_id)
        self.edge_id = edge.id

    def revert(self, graph: Graph) -> None:
        assert self.edge_id is not None
        graph.disconnect(self.edge_id)


@dataclass
class Disconnect(Edit):
    edge_id: str
    _edge: Edge | None = None
    _index: int = 0
    text = "Disconnect"

    def apply(self, graph: Graph) -> None:
        self._index = graph.edge_index(self.edge_id)
        self._edge = graph.disconnect(self.edge_id)

    def revert(self, graph: Graph) -> None:
        assert self._edge is not None
        graph.connect(self._edge.src, self._edge.dst, self._edge.id, self._index)


@dataclass
class SetParam(Edit):
    node_id: str
    name: str
    value: Any
    _old: Any = None
    _had: bool = False

    @property
    def text(self) -> str:  # type: ignore[override]
        return f"Set {self.name}"

    def apply(self, graph: Graph) -> None:
        node = graph.node(self.node_id)
        self._had = self.name in node.params
        self._old = graph.set_param(self.node_id, self.name, self.value)

    def revert(self, graph: Graph) -> None:
        if self._had:
            graph.set_param(self.node_id, self.name, self._old)
        else:
            params = dict(graph.node(self.node_id).params)
            params.pop(self.name, None)
            graph.set_params(self.node_id, params)


@dataclass
class MoveNode(Edit):
    node_id: str
    pos: tuple[float, float]
    old_pos: tuple[float, float] | None = None
    text = "Move"

    def apply(self, graph: Graph) -> None:
        old = graph.move_node(self.node_id, self.pos)
        if self.old_pos is None:
            self.old_pos = old

    def revert(self, graph: Graph) -> None:
        assert self.old_pos is not None
        graph.move_node(self.node_id, self.old_pos)


@dataclass
class RenameNode(Edit):
    node_id: str
    label: str
    _old: str = ""
    text = "Rename"

    def apply(self, graph: Graph) -> None:
        self._old = graph.rename_node(self.node_id, self.label)

    def revert(self, graph: Graph) -> None:
        graph.rename_node(self.node_id, self._old)


@dataclass
class SetGroup(Edit):
    """Create, change or (with ``group=None``) delete a group box."""

    group_id: str
    group: Group | None
    _old: Group | None = None
    _index: int | None = None
    text = "Group"

    def apply(self, graph: Graph) -> None:
        self._index = graph.group_index(self.group_id) if self.group_id in graph.groups else None
        new = copy.deepcopy(self.group) if self.group else None
        self._old = graph.set_group(new, self.group_id)

    def revert(self, graph: Graph) -> None:
        old = copy.deepcopy(self._old) if self._old else None
        graph.set_group(old, self.group_id, index=self._index)


@dataclass
class Macro(Edit):
    """Several edits as one undo step (e.g. paste, delete selection)."""

    edits: list[Edit]
    label_text: str = "Edit"

    @property
    def text(self) -> str:  # type: ignore[override]
        return self.label_text

    def apply(self, graph: Graph) -> None:
        done: list[Edit] = []
        try:
            for e in self.edits:
                e.apply(graph)
                done.append(e)
        except Exception:
            for e in reversed(done):
                e.revert(graph)
            raise

    def revert(self, graph: Graph) -> None:
        for e in reversed(self.edits):
            e.revert(graph)


def remove_nodes(graph: Graph, node_ids: list[str]) -> Macro:
    """One undoable step that deletes several blocks and their wires."""
    return Macro([RemoveNode(n) for n in node_ids if n in graph.nodes],
                 f"Delete {len(node_ids)} block(s)")
