"""Fitting the network into the canvas so that it can be read.

The fit never zooms out below ``READABLE_ZOOM`` (block titles at 9 pt or more on screen). A
chain too long for the viewport at that zoom is wrapped onto bands by auto-layout, when its
blocks still sit where a layout put them (a hand-made arrangement is never rearranged); what
still does not fit is shown from its start (top left) and can be panned. Everything depends on
the canvas's own viewport size, not on the window's.

The wrap happens once per loaded network, at its first fit in a real viewport (at loading when
the canvas is on screen). It moves blocks in the model without an undo step: it is how the
network is shown, like the zoom, so it leaves nothing unsaved and nothing to undo. Later fits
(resizes, F) only zoom and scroll; Auto Layout wraps as an undoable edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRectF

from playground.graph.edits import Macro, MoveNode
from playground.graph.layout import COLUMN_GAP as TEMPLATE_COLUMN_GAP
from playground.graph.layout import columns_that_fit, is_machine_layout
from playground.ui.canvas.block_item import OVERVIEW_ZOOM, READABLE_ZOOM, WIDTH
from playground.ui.canvas.edit_builders import COLUMN_GAP, layout_positions

if TYPE_CHECKING:
    from playground.graph.model import Graph
    from playground.ui.canvas.scene import GraphScene
    from playground.ui.canvas.view import GraphCanvasView

FIT_MARGIN = 40.0
MAX_FIT_ZOOM = 1.5
_MAX_REFLOW_NODES = 150  # beyond this a layout per candidate band width costs too much at a resize
_GRID_SLACK = 11.0
MIN_SCALE, MAX_SCALE = 0.1, 4.0  # what the wheel allows; a fit stays at READABLE_ZOOM or above  # positions snapped to the 20-unit grid still count as a machine layout


def blocks_rect(scene: GraphScene) -> QRectF:
    rect = QRectF()
    for item in scene.blocks.values():
        rect = rect.united(item.sceneBoundingRect())
    return rect


def _zoom_for(width: float, height: float, vw: float, vh: float) -> float:
    return min(vw / (width + 2 * FIT_MARGIN), vh / (height + 2 * FIT_MARGIN), MAX_FIT_ZOOM)


def _size(scene: GraphScene, node_id: str) -> tuple[float, float]:
    block = scene.blocks.get(node_id)
    return block.size() if block is not None else (WIDTH, 110.0)  # a block not drawn yet


def _extent(scene: GraphScene, positions: dict[str, tuple[float, float]]) -> tuple[float, float]:
    right = max(x + _size(scene, n)[0] for n, (x, _y) in positions.items())
    bottom = max(y + _size(scene, n)[1] for n, (_x, y) in positions.items())
    return right - min(x for x, _ in positions.values()), bottom - min(y for _, y in positions.values())


def laid_out_by_machine(graph: Graph) -> bool:
    """The blocks sit where an auto-layout (the templates' or the canvas's) put them."""
    return is_machine_layout(graph, (TEMPLATE_COLUMN_GAP, COLUMN_GAP), tolerance=_GRID_SLACK)


def reflow_positions(view: GraphCanvasView, graph: Graph | None = None,
                     force: bool = False) -> dict[str, tuple[float, float]] | None:
    """Where the blocks of ``graph`` (default: the document's) should go to be read in this
    viewport (relative), or None to leave them (hand-placed, unless ``force``)."""
    scene = view.graph_scene
    graph = graph if graph is not None else view.document.graph
    if not graph.nodes or len(graph.nodes) > _MAX_REFLOW_NODES:
        return None
    if not force and not laid_out_by_machine(graph):
        return None
    vw, vh = view.viewport().width(), view.viewport().height()
    flat = layout_positions(scene, graph)
    width, _height = _extent(scene, flat)
    if _zoom_for(width, 0.0, vw, vh) >= READABLE_ZOOM:
        return flat  # one band is readable: no wrap (or undo an earlier one in a smaller window)
    best: tuple[float, dict[str, tuple[float, float]]] | None = None
    widest = columns_that_fit(vw / READABLE_ZOOM - 2 * FIT_MARGIN, WIDTH, COLUMN_GAP)
    for per_band in range(widest, 0, -1):
        positions = layout_positions(scene, graph, per_band)
        zoom = _zoom_for(*_extent(scene, positions), vw, vh)
        if best is None or zoom > best[0] + 1e-6:
            best = (zoom, positions)
    return best[1] if best else None


def reflow(view: GraphCanvasView) -> bool:
    """Lay a machine-laid-out network out again for this viewport; True if blocks moved."""
    positions = reflow_positions(view)
    graph = view.document.graph
    if positions is None:
        return False
    x0 = min(n.pos[0] for n in graph.nodes.values())
    y0 = min(n.pos[1] for n in graph.nodes.values())
    moves = [MoveNode(nid, (x0 + x, y0 + y)) for nid, (x, y) in positions.items()
             if abs(graph.nodes[nid].pos[0] - x0 - x) > 0.5 or abs(graph.nodes[nid].pos[1] - y0 - y) > 0.5]
    if not moves:
        return False
    view.document.model.apply(Macro(list(moves), "Wrap onto rows"))
    return True


def readable_fit(view: GraphCanvasView, allow_reflow: bool) -> None:
    """Show as much of the network as fits at a readable zoom (see the module text)."""
    if allow_reflow:
        reflow(view)
    rect = blocks_rect(view.graph_scene)
    if rect.isNull():
        view.set_zoom(1.0)
        view.centerOn(0, 0)
        return
    vw, vh = view.viewport().width(), view.viewport().height()
    zoom = max(READABLE_ZOOM, _zoom_for(rect.width(), rect.height(), vw, vh))
    view.set_zoom(zoom)
    seen_w, seen_h = vw / zoom, vh / zoom
    cx = rect.center().x() if rect.width() + 2 * FIT_MARGIN <= seen_w else rect.left() - FIT_MARGIN + seen_w / 2
    cy = rect.center().y() if rect.height() + 2 * FIT_MARGIN <= seen_h else rect.top() - FIT_MARGIN + seen_h / 2
    view.centerOn(cx, cy)


class CanvasFitting:
    """Zoom and fit, mixed into GraphCanvasView (``self`` is the view)."""

    _auto_fit: bool
    _reflow_pending: bool

    def zoom(self: GraphCanvasView) -> float:
        return self.transform().m11()

    def zoom_by(self: GraphCanvasView, factor: float, view_pos: QPoint | None = None) -> None:
        """Scale by ``factor`` keeping the scene point under ``view_pos`` (default: centre) fixed
        (a person's zoom, or a saved one: the view stops fitting itself, and wraps nothing)."""
        self._auto_fit = False
        self._reflow_pending = False
        anchor = view_pos if view_pos is not None else self.viewport().rect().center()
        factor = max(MIN_SCALE, min(MAX_SCALE, self.zoom() * factor)) / self.zoom()
        before = self.mapToScene(anchor)
        self.scale(factor, factor)
        after = self.mapToScene(anchor)
        delta = (after - before) * self.zoom()
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(round(h.value() - delta.x()))
        v.setValue(round(v.value() - delta.y()))
        self._sync_detail()

    def _sync_detail(self: GraphCanvasView) -> None:
        self.graph_scene.set_overview(self.zoom() < OVERVIEW_ZOOM)

    def set_zoom(self: GraphCanvasView, zoom: float) -> None:
        """The scale, exactly (for fits; keeps the centre)."""
        center = self.mapToScene(self.viewport().rect().center())
        self.resetTransform()
        self.scale(zoom, zoom)
        self.centerOn(center)
        self._sync_detail()

    def fit_view(self: GraphCanvasView) -> None:
        """Show the network at a readable zoom (``fitting``), now if the canvas is on screen,
        else as soon as it is; then keep it fitted through resizes until the person zooms."""
        self._auto_fit = True
        if self._can_fit():
            self._fit_timer.stop()
            self._fit_now()
        else:
            self._fit_timer.start()

    def _fit_now(self: GraphCanvasView) -> None:
        # Blocks are wrapped onto rows at most once per loaded network, at its first fit in a real
        # viewport: later fits (resizes, F) only zoom and scroll, so blocks never move under a person.
        readable_fit(self, allow_reflow=self._reflow_pending)
        self._reflow_pending = False
        self._auto_fit = True  # set_zoom/centerOn are not a person's zoom

    def _can_fit(self: GraphCanvasView) -> bool:
        return self.isVisible() and self.viewport().width() > 50 and self.viewport().height() > 50

    def _fit_if_auto(self: GraphCanvasView) -> None:
        if self._auto_fit and self._can_fit():
            self._fit_now()

    def _graph_replaced(self: GraphCanvasView) -> None:
        """Other work was loaded: fit it soon. The window restores a saved viewport right after
        (a person's view: kept as it was, nothing wrapped) or asks for ``fit_view`` (then the
        fit, and any wrap, is part of loading rather than a later surprise)."""
        self._auto_fit = True
        self._reflow_pending = True
        self._fit_timer.start()
