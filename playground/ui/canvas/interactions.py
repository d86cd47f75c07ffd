"""Mouse gestures on the canvas, each a small state machine: press starts it, ``move`` updates
it, ``release`` finishes it with at most one edit, ``cancel`` (Escape) undoes its preview."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem

from playground.graph.edits import Connect, Disconnect, Edit, Macro, MoveNode
from playground.graph.model import Graph, PortRef
from playground.ui.canvas.block_item import BlockItem
from playground.ui.canvas.edge_item import wire_path
from playground.ui.canvas.port_item import PortItem

if TYPE_CHECKING:
    from playground.ui.canvas.view import GraphCanvasView

GRID = 20.0


def snap(value: float, grid: float = GRID) -> float:
    return round(value / grid) * grid


def _reachable(graph: Graph, start: str, forward: bool) -> set[str]:
    nxt: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges.values():
        a, b = (e.src.node_id, e.dst.node_id) if forward else (e.dst.node_id, e.src.node_id)
        nxt[a].append(b)
    seen = {start}
    todo = [start]
    while todo:
        for m in nxt[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def wire_endpoints(a: PortItem, b: PortItem) -> tuple[PortRef, PortRef] | None:
    """(source, target) when one end is an output and the other an input."""
    if a.is_output == b.is_output:
        return None
    return (a.ref, b.ref) if a.is_output else (b.ref, a.ref)


class WireRules:
    """Which ports a wire started at ``start`` may end on, and why not."""

    def __init__(self, graph: Graph, start: PortItem) -> None:
        self.graph = graph
        self.start = start
        # Wiring src -> dst closes a cycle when src is reachable from dst.
        self._blocked = _reachable(graph, start.node_id, forward=not start.is_output)

    def problem(self, other: PortItem) -> str | None:
        if other is self.start:
            return "Drop the wire on a port of another block"
        if other.is_output == self.start.is_output:
            kind = "outputs" if other.is_output else "inputs"
            return f"Cannot wire two {kind} together: connect an output to an input"
        if other.node_id == self.start.node_id:
            return "A block cannot be wired to itself"
        if not other.known:
            return f"This block has no port called “{other.name}”"
        if other.node_id in self._blocked:
            return "That wire would make a cycle; networks must flow one way"
        src, dst = wire_endpoints(self.start, other)  # type: ignore[misc]
        existing = self.graph.edge_into(dst)
        if existing is not None and existing.src == src:
            return "These ports are already wired"
        return None

    def edit_for(self, other: PortItem) -> Edit:
        src, dst = wire_endpoints(self.start, other)  # type: ignore[misc]
        existing = self.graph.edge_into(dst)
        if existing is None:
            return Connect(src, dst)
        return Macro([Disconnect(existing.id), Connect(src, dst)], "Replace wire")


class Interaction:
    def __init__(self, view: GraphCanvasView) -> None:
        self.view = view
        self.scene = view.graph_scene
        self.document = view.document

    def move(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        pass

    def release(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        pass

    def cancel(self) -> None:
        pass


class NewWireInteraction(Interaction):
    """Drag from a port: a live preview curve; compatible ports light up, others dim."""

    def __init__(self, view: GraphCanvasView, start: PortItem) -> None:
        super().__init__(view)
        self.start = start
        self.rules = WireRules(self.document.graph, start)
        self.ok_ports: set[PortItem] = set()
        for block in self.scene.blocks.values():
            for port in block.ports():
                if port is start:
                    continue
                if self.rules.problem(port) is None:
                    self.ok_ports.add(port)
                else:
                    port.set_state("dimmed")
        self.preview = QGraphicsPathItem()
        self.preview.setPen(QPen(QColor(255, 170, 0), 2.0, Qt.PenStyle.DashLine))
        self.preview.setZValue(10)
        self.scene.addItem(self.preview)
        self._hover: PortItem | None = None
        self.move(start.anchor(), QPoint())

    def _port_at(self, scene_pos: QPointF) -> PortItem | None:
        for item in self.scene.items(scene_pos):
            if isinstance(item, PortItem) and item is not self.start:
                return item
        return None

    def move(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        port = self._port_at(scene_pos)
        if self._hover is not None and self._hover is not port:
            self._hover.set_state("normal")
            self._hover = None
        end = scene_pos
        if port is not None and port in self.ok_ports:
            port.set_state("target")
            self._hover = port
            end = port.anchor()
        a, b = (self.start.anchor(), end) if self.start.is_output else (end, self.start.anchor())
        self.preview.setPath(wire_path(a, b))

    def release(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        port = self._port_at(scene_pos)
        self.cancel()
        if port is None and self.start.contains(self.start.mapFromScene(scene_pos)):
            return  # a click on a port without dragging: nothing to say
        if port is None:
            self.document.message.emit("Wire not connected: drop it on a port of another block")
            return
        problem = self.rules.problem(port)
        if problem is not None:
            self.document.message.emit(f"Wire refused: {problem}")
            return
        self.document.push(self.rules.edit_for(port))

    def cancel(self) -> None:
        for block in self.scene.blocks.values():
            for port in block.ports():
                port.set_state("normal")
        if self.preview.scene() is not None:
            self.scene.removeItem(self.preview)


class MoveInteraction(Interaction):
    """Drag selected blocks; on release one MoveNode per moved block, in one macro."""

    def __init__(self, view: GraphCanvasView, blocks: list[BlockItem], grab: BlockItem | None,
                 scene_pos: QPointF) -> None:
        super().__init__(view)
        self.blocks = blocks
        self.grab = grab or (blocks[0] if blocks else None)
        self.origin = scene_pos
        self.starts = {b.node_id: QPointF(b.pos()) for b in blocks}

    def move(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        if self.grab is None:
            return
        delta = scene_pos - self.origin
        if self.view.snap_enabled:
            target = self.starts[self.grab.node_id] + delta
            delta = QPointF(snap(target.x()), snap(target.y())) - self.starts[self.grab.node_id]
        for block in self.blocks:
            block.setPos(self.starts[block.node_id] + delta)

    def release(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        graph = self.document.graph
        edits: list[Edit] = []
        for block in self.blocks:
            node = graph.nodes.get(block.node_id)
            new = (block.pos().x(), block.pos().y())
            if node is not None and (abs(node.pos[0] - new[0]) > 1e-6 or abs(node.pos[1] - new[1]) > 1e-6):
                edits.append(MoveNode(block.node_id, new))
        if edits and not self.document.push(Macro(edits, f"Move {len(edits)} block(s)")):
            self.scene.resync_positions()

    def cancel(self) -> None:
        self.scene.resync_positions()


class RubberBandInteraction(Interaction):
    """Drag on empty canvas: select the blocks the band touches (Ctrl adds to the selection)."""

    def __init__(self, view: GraphCanvasView, scene_pos: QPointF, add: bool) -> None:
        super().__init__(view)
        self.origin = scene_pos
        self.keep = set(self.scene.selectedItems()) if add else set()
        if not add:
            self.scene.clearSelection()
        self.band = QGraphicsRectItem()
        self.band.setPen(QPen(QColor(80, 140, 230), 1.0, Qt.PenStyle.DashLine))
        self.band.setBrush(QBrush(QColor(80, 140, 230, 40)))
        self.band.setZValue(20)
        self.scene.addItem(self.band)

    def move(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        rect = QRectF(self.origin, scene_pos).normalized()
        self.band.setRect(rect)
        hit = {i for i in self.scene.items(rect) if isinstance(i, BlockItem)}
        for block in self.scene.blocks.values():
            block.setSelected(block in hit or block in self.keep)

    def release(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        self.cancel()

    def cancel(self) -> None:
        if self.band.scene() is not None:
            self.scene.removeItem(self.band)


class PanInteraction(Interaction):
    """Middle-drag, or Space + drag: scroll the view."""

    def __init__(self, view: GraphCanvasView, view_pos: QPoint) -> None:
        super().__init__(view)
        self.last = view_pos
        view.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def move(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        delta = view_pos - self.last
        self.last = view_pos
        h, v = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        h.setValue(h.value() - delta.x())
        v.setValue(v.value() - delta.y())

    def release(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        self.cancel()

    def cancel(self) -> None:
        self.view.viewport().unsetCursor()


def topmost_item(items: list[QGraphicsItem]) -> QGraphicsItem | None:
    """The item a press means: ports first, then a block (or a block's child), then the rest."""
    for item in items:
        if isinstance(item, PortItem):
            return item
    for item in items:
        parent = item
        while parent is not None and not isinstance(parent, BlockItem):
            parent = parent.parentItem()
        if parent is not None:
            return parent
    return items[0] if items else None


class ButtonInteraction(Interaction):
    """Press on a block's +/− or "+ layer" button: it acts on release over the same button."""

    def __init__(self, view: GraphCanvasView, block: BlockItem, region: str) -> None:
        super().__init__(view)
        self.block = block
        self.region = region

    def release(self, scene_pos: QPointF, view_pos: QPoint) -> None:
        if self.block.scene() is None or self.block.region_at(self.block.mapFromScene(scene_pos)) != self.region:
            return  # dragged off the button: nothing happens, as with any button
        node_id = self.block.node_id
        if self.region == "layer_plus":
            self.view.add_layer(node_id)
        else:
            self.view.change_units(node_id, +1 if self.region == "unit_plus" else -1)
