"""Reversible edits: every user gesture is one of these (or a Macro of them).

An edit calls only the Graph's public mutation methods. ``apply`` may be
called again after ``revert`` (redo) and must recreate identical ids, so the
app's QUndoStack can wrap edits one to one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from playground.graph.model import Edge, Graph, GraphEditError, Group, Node, NodeRemoval, PortRef
from playground.graph.spec import BlockSpec


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


# ---------------------------------------------------------------- units and layers
# The canvas's +/− buttons, as TensorFlow Playground's neuron and layer buttons: each is one
# undo step built from the edits above. Block types are described by their BlockSpec (passed in:
# the graph layer does not know the block library).

UNIT_PARAMS = ("out_features", "out_channels")  # the width of a Linear / a convolution
INPUT_PARAMS = ("in_features", "in_channels")  # an explicit input width a consumer may pin


def unit_param(spec: BlockSpec | None) -> str | None:
    """The parameter that counts a block's units (Linear) or channels (convolutions), if any."""
    if spec is None:
        return None
    return next((name for name in UNIT_PARAMS if spec.param(name) is not None), None)


def unit_count(graph: Graph, node_id: str, spec: BlockSpec | None) -> int | None:
    name = unit_param(spec)
    if name is None or spec is None:
        return None
    value = graph.node(node_id).params.get(name, spec.param(name).default)  # type: ignore[union-attr]
    return int(value) if isinstance(value, int) else None


def _pinned_consumers(graph: Graph, node_id: str, specs: Mapping[str, BlockSpec]) -> list[tuple[str, str]]:
    """(node id, param) of the blocks downstream that pin their input width, up to and including
    the first block on each path that has units of its own (its input is this block's output)."""
    found: list[tuple[str, str]] = []
    seen = {node_id}
    todo = [node_id]
    while todo:
        for edge in graph.edges_out_of(todo.pop()):
            nid = edge.dst.node_id
            if nid in seen:
                continue
            seen.add(nid)
            node = graph.nodes[nid]
            spec = specs.get(node.type)
            pinned = [p for p in INPUT_PARAMS if node.params.get(p) is not None]
            found += [(nid, p) for p in pinned]
            if unit_param(spec) is None:
                todo.append(nid)
    return found


def resize_units(graph: Graph, node_id: str, delta: int, specs: Mapping[str, BlockSpec]) -> Macro:
    """One step that adds (``delta`` > 0) or removes units of a Linear, or channels of a
    convolution (in steps of its ``groups``), at the end. A consumer that pinned its input
    width goes back to taking it from its input, so the shapes downstream stay valid.
    Raises GraphEditError when the block has no units or would be left with none."""
    node = graph.node(node_id)
    spec = specs.get(node.type)
    name = unit_param(spec)
    count = unit_count(graph, node_id, spec)
    if name is None or count is None:
        raise GraphEditError(f"{node.label} ({node.type}) has no units or channels to change")
    step = max(1, int(node.params.get("groups") or 1)) if name == "out_channels" else 1
    new = count + delta * step
    what = "units" if name == "out_features" else "channels"
    if new < 1:
        raise GraphEditError(f"{node.label} cannot have fewer than {step} {what}")
    edits: list[Edit] = [SetParam(node_id, name, new)]
    edits += [SetParam(nid, param, None) for nid, param in _pinned_consumers(graph, node_id, specs)]
    sign = "+" if delta > 0 else "−"
    return Macro(edits, f"{node.label}: {count} → {new} {what} ({sign})")


def _layer_tail(graph: Graph, node_id: str, specs: Mapping[str, BlockSpec]) -> list[str]:
    """The block and the activation right after it (when it is its only consumer): the pair a
    new layer copies, so "+ layer" after a Linear→ReLU adds another Linear→ReLU."""
    out = graph.edges_out_of(node_id)
    if len(out) == 1:
        nxt = graph.nodes[out[0].dst.node_id]
        spec = specs.get(nxt.type)
        if spec is not None and spec.category == "Activation" and len(graph.edges_into(nxt.id)) == 1:
            return [node_id, nxt.id]
    return [node_id]


def _new_layer_params(node: Node) -> dict[str, Any]:
    """A copy of ``node``'s params for a layer right after it: as wide as it, taking its input
    width from it, and (convolutions) keeping the picture size."""
    params = copy.deepcopy(node.params)
    for name in INPUT_PARAMS:
        if name in params:
            params[name] = None
    if "out_channels" in params:
        kernel = int(params.get("kernel_size") or 3)
        params.update(stride=1, groups=1, padding=kernel // 2 if kernel % 2 else 0)
    return params


def add_layer_after(graph: Graph, node_id: str, specs: Mapping[str, BlockSpec],
                    column_gap: float) -> tuple[Macro, list[str]]:
    """One step that inserts a copy of the block (and of the activation after it) between it and
    what it feeds; the blocks downstream move ``column_gap`` right per inserted block. Returns
    the edit and the new node ids (ids are fixed now, so redo recreates the same ones)."""
    node = graph.node(node_id)
    if unit_param(specs.get(node.type)) is None:
        raise GraphEditError(f"{node.label} ({node.type}) is not a layer with units: no layer to copy")
    tail = _layer_tail(graph, node_id, specs)
    last = tail[-1]
    downstream = set()
    todo = [last]
    while todo:
        for edge in graph.edges_out_of(todo.pop()):
            if edge.dst.node_id not in downstream:
                downstream.add(edge.dst.node_id)
                todo.append(edge.dst.node_id)
    shift = column_gap * len(tail)
    edits: list[Edit] = [MoveNode(nid, (graph.nodes[nid].pos[0] + shift, graph.nodes[nid].pos[1]))
                         for nid in graph.nodes if nid in downstream]
    used = {n.label for n in graph.nodes.values()}
    ids: list[str] = []
    x, y = graph.nodes[last].pos
    for i, source_id in enumerate(tail):
        source = graph.nodes[source_id]
        label = _fresh_label(source.label, used)
        params = _new_layer_params(source) if i == 0 else copy.deepcopy(source.params)
        ids.append(graph.new_id("n"))
        edits.append(AddNode(source.type, params, (x + column_gap * (i + 1), y), label, ids[-1]))
    outputs = graph.edges_out_of(last)
    edits += [Disconnect(e.id) for e in outputs]
    # the new copies take the ports of the blocks they copy: last -> copy of tail[0] -> ...
    types = [graph.nodes[last].type, *(graph.nodes[t].type for t in tail)]
    chain = [last, *ids]
    for i in range(len(ids)):
        edits.append(Connect(PortRef(chain[i], _port(types[i], specs, True)),
                             PortRef(chain[i + 1], _port(types[i + 1], specs, False))))
    edits += [Connect(PortRef(ids[-1], _port(types[-1], specs, True)), e.dst) for e in outputs]
    return Macro(edits, f"Add a layer after {node.label}"), ids


def _fresh_label(copied: str, used: set[str]) -> str:
    """``fc1`` copied gives the first free ``fcN``."""
    stem = re.sub(r"\d+$", "", copied) or "block"
    i = 1
    while f"{stem}{i}" in used:
        i += 1
    used.add(f"{stem}{i}")
    return f"{stem}{i}"


def _port(block_type: str, specs: Mapping[str, BlockSpec], output: bool) -> str:
    """The first output (or input) port of a block type ("out" / "in" when it is unknown)."""
    spec = specs.get(block_type)
    ports = (spec.outputs if output else spec.inputs) if spec is not None else ()
    return ports[0].name if ports else ("out" if output else "in")
