"""The scene mirrors the document's Graph through its signals, item by item.

Nothing here decides anything: items are created, updated and removed as the
model changes, and the latest ShapeReport paints shape labels and badges.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QObject, QRectF
from PySide6.QtWidgets import QGraphicsScene
from shiboken6 import isValid

from playground.compile.blocks import catalog
from playground.graph.model import Edge, Graph, Group, Node
from playground.graph.spec import Diagnostic, ShapeReport
from playground.ui.canvas.block_item import THUMB, BlockItem
from playground.ui.canvas.edge_item import EdgeItem
from playground.ui.canvas.group_item import GroupItem
from playground.ui.canvas.overview import BlockOverview
from playground.ui.canvas.wire_layer import WireLayer
from playground.ui.document import Document

SCENE_EXTENT = 100_000.0


class GraphScene(QGraphicsScene):
    """``blocks``, ``edges`` and ``group_items`` map model ids to the items showing them."""

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.catalog = catalog()
        self.blocks: dict[str, BlockItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.group_items: dict[str, GroupItem] = {}
        self._graph: Graph | None = None
        self.overview = False
        self.thumbnail_size = THUMB
        self._extent = QRectF(-SCENE_EXTENT / 2, -SCENE_EXTENT / 2, SCENE_EXTENT, SCENE_EXTENT)
        self._wire_layer: WireLayer  # both made by rebuild
        self._block_overview: BlockOverview
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setSceneRect(self._extent)
        document.graph_replaced.connect(self.rebuild)
        document.report_changed.connect(self.apply_report)
        self.selectionChanged.connect(self._selection_changed)
        self.rebuild()

    # ------------------------------------------------------------ whole graph
    def rebuild(self) -> None:
        self._subscribe(None)
        self.clear()
        self.blocks.clear()
        self.edges.clear()
        self.group_items.clear()
        # clear() deleted the two layers too
        self._wire_layer = WireLayer(self.edges, self._extent)
        self._block_overview = BlockOverview(self.blocks, self._extent)
        self._block_overview.setVisible(self.overview)
        self.addItem(self._wire_layer)
        self.addItem(self._block_overview)
        graph = self.document.graph
        for node in graph.nodes.values():
            self._node_added(node)
        for edge in graph.edges.values():
            self._edge_added(edge)
        for group in graph.groups.values():
            self._group_changed(group)
        self._subscribe(graph)
        self.apply_report(self.document.report)

    def _subscribe(self, graph: Graph | None) -> None:
        pairs = (("node_added", self._node_added), ("node_removed", self._node_removed),
                 ("edge_added", self._edge_added), ("edge_removed", self._edge_removed),
                 ("node_changed", self._node_changed), ("group_changed", self._group_changed))
        if self._graph is not None:
            for name, slot in pairs:
                getattr(self._graph, name).disconnect(slot)
        self._graph = graph
        if graph is not None:
            for name, slot in pairs:
                getattr(graph, name).connect(slot)

    # ------------------------------------------------------------- model events
    def _node_added(self, node: Node) -> None:
        item = BlockItem(node, self.catalog.get(node.type))
        item.set_overview(self.overview)
        item.set_thumbnail_size(self.thumbnail_size)
        self.blocks[node.id] = item
        self.addItem(item)
        self.overview_changed()
        for group in self.group_items.values():
            if node.id in group.node_ids:
                group.sync(self.document.graph.groups[group.group_id])

    def _node_removed(self, node: Node) -> None:
        item = self.blocks.pop(node.id, None)
        if item is None:
            return
        groups = list(item.groups)
        item.groups.clear()
        self.removeItem(item)
        self.overview_changed()
        for group in groups:
            group.update_geometry()

    def _edge_added(self, edge: Edge) -> None:
        src_block = self.blocks.get(edge.src.node_id)
        dst_block = self.blocks.get(edge.dst.node_id)
        if src_block is None or dst_block is None:
            return
        src = src_block.port(edge.src.port, True)
        dst = dst_block.port(edge.dst.port, False)
        item = EdgeItem(edge.id, src, dst)
        self.edges[edge.id] = item
        src_block.edges.append(item)
        dst_block.edges.append(item)
        dst.set_wired(True)
        src.set_wired(True)
        self.addItem(item)
        item.redraw()

    def _edge_removed(self, edge: Edge) -> None:
        item = self.edges.pop(edge.id, None)
        if item is None:
            return
        for block in (self.blocks.get(edge.src.node_id), self.blocks.get(edge.dst.node_id)):
            if block is not None and item in block.edges:
                block.edges.remove(item)
        item.dst.set_wired(False)
        src_block = self.blocks.get(edge.src.node_id)
        if src_block is not None:
            item.src.set_wired(any(e.src is item.src for e in src_block.edges))
        self.removeItem(item)
        self.wires_changed(item.boundingRect())

    def _node_changed(self, node: Node, what: str) -> None:
        item = self.blocks.get(node.id)
        if item is None:
            return
        if what == "pos":
            item.setPos(*node.pos)
        else:
            item.sync(node)

    def _group_changed(self, group: Group | None) -> None:
        if group is None:
            return
        current = self.document.graph.groups.get(group.id)
        item = self.group_items.get(group.id)
        if current is None:
            if item is not None:
                item.detach()
                self.removeItem(item)
                del self.group_items[group.id]
            return
        if item is None:
            item = GroupItem(current, self.blocks)
            self.group_items[group.id] = item
            self.addItem(item)
        else:
            item.sync(current)

    # ------------------------------------------------------------------ report
    def apply_report(self, report: ShapeReport) -> None:
        """Shape labels on wires, badges on blocks with problems."""
        by_node: dict[str, list[Diagnostic]] = defaultdict(list)
        by_edge: dict[str, str] = {}
        for diag in report.diagnostics:
            if diag.node_id is not None:
                by_node[diag.node_id].append(diag)
            if diag.edge_id is not None:
                by_edge.setdefault(diag.edge_id, diag.message)
        heads = self._head_layers()
        for nid, block in self.blocks.items():
            block.set_diagnostics(by_node.get(nid, []))
            block.set_unit_controls(nid not in heads)
        for eid, edge in self.edges.items():
            edge.set_shape(report.edge_shapes.get(eid), by_edge.get(eid))

    def _head_layers(self) -> set[str]:
        """Blocks wired straight into an Output: their width is the task's, so no +/− buttons."""
        graph = self.document.graph
        outputs = {nid for nid, n in graph.nodes.items()
                   if (spec := self.catalog.get(n.type)) is not None and spec.role == "output"}
        return {e.src.node_id for e in graph.edges.values() if e.dst.node_id in outputs}

    def set_thumbnail_size(self, size: float) -> None:
        """Every block's heatmap side, in scene units (block_item.THUMB or THUMB_LARGE)."""
        self.thumbnail_size = size
        for block in self.blocks.values():
            block.set_thumbnail_size(size)

    def set_overview(self, overview: bool) -> None:
        """Far out (see overview.py) blocks are drawn together, as plain silhouettes."""
        if overview != self.overview:
            self.overview = overview
            for block in self.blocks.values():
                block.set_overview(overview)
            self._block_overview.setVisible(overview)
            self.overview_changed()

    def overview_changed(self) -> None:
        """Something the overview shows changed: rebuild it at the next paint."""
        if self.overview and isValid(self._block_overview):
            self._block_overview.invalidate()

    def wires_changed(self, rect: QRectF) -> None:
        """Wires in ``rect`` changed look or place: repaint them."""
        self._wire_layer.wires_changed(rect)

    def _selection_changed(self) -> None:
        # Qt also reports the selection emptied while it deletes the scene's items at quit, after
        # the layers' C++ halves are gone: nothing is left to repaint then.
        if not isValid(self) or not isValid(self._wire_layer) or not isValid(self._block_overview):
            return
        self._wire_layer.wires_changed()
        self.overview_changed()

    # ----------------------------------------------------------------- queries
    def selected_node_ids(self) -> list[str]:
        return [item.node_id for item in self.selectedItems() if isinstance(item, BlockItem)]

    def selected_edge_ids(self) -> list[str]:
        return [item.edge_id for item in self.selectedItems() if isinstance(item, EdgeItem)]

    def selected_group_ids(self) -> list[str]:
        return [item.group_id for item in self.selectedItems() if isinstance(item, GroupItem)]

    def resync_positions(self) -> None:
        """Put every block back where the model says (after a refused or cancelled move)."""
        for nid, block in self.blocks.items():
            node = self.document.graph.nodes.get(nid)
            if node is not None:
                block.sync(node)
