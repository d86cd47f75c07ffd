"""The canvas view: mouse gestures, keys, zoom/pan, the readable fit, tooltips of block parts,
drops from the palette; the editing commands the window's menus call live in ``editing``."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QHelpEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QToolButton, QToolTip, QWidget

from playground.compile.blocks import BLOCKS
from playground.graph.edits import AddNode
from playground.ui import dialogs
from playground.ui.canvas import fitting
from playground.ui.canvas.add_block_popup import AddBlockPopup
from playground.ui.canvas.block_item import (
    HEADER,
    THUMB,
    THUMB_LARGE,
    WIDTH,
    BlockItem,
    set_block_look,
)
from playground.ui.canvas.context_menu import build_context_menu
from playground.ui.canvas.edge_item import EdgeItem
from playground.ui.canvas.edit_builders import layout_moves
from playground.ui.canvas.editing import CanvasEditing
from playground.ui.canvas.fitting import MAX_SCALE, MIN_SCALE, CanvasFitting  # noqa: F401 (re-exported)
from playground.ui.canvas.grid import draw_grid
from playground.ui.canvas.group_item import GroupItem
from playground.ui.canvas.interactions import (
    ButtonInteraction,
    Interaction,
    MoveInteraction,
    NewWireInteraction,
    PanInteraction,
    RubberBandInteraction,
    snap,
    topmost_item,
)
from playground.ui.canvas.port_item import PortItem
from playground.ui.canvas.scene import GraphScene
from playground.ui.document import Document
from playground.ui.palette import BLOCK_MIME

ADD_BLOCK_KEYS = "/ or Ctrl+K"


class GraphCanvasView(CanvasEditing, CanvasFitting, QGraphicsView):
    """Signal ``space_tapped()``: Space pressed and released without panning (the window
    connects it to start/pause, since the canvas takes Space for Space+drag panning).

    Until the person zooms or pans, the view keeps the network fitted (``fit_view``) as the
    canvas is shown and resized: the first fit happens once the canvas has its real size."""

    space_tapped = Signal()
    # told the CPU seconds of each repaint (the window charges them to the views' drawing budget:
    # while training, the heatmaps' repaints cost the training thread the same GIL as a view's)
    paint_charged: Callable[[float], None] | None = None

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.graph_scene = GraphScene(document, self)
        self.setScene(self.graph_scene)
        self.snap_enabled = True
        self._interaction: Interaction | None = None
        self._space_down = False
        self._space_used = False
        self._paste_count = 0
        self._popup: AddBlockPopup | None = None
        self._popup_pos = QPointF()
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        # Every item sets the pen, brush and font it uses, so Qt need not save and restore the
        # painter around each one (that was a third of a full frame with 700 items).
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")  # blocks and their parts have their own tooltips
        self.setAccessibleName("Network canvas")
        self.setAccessibleDescription(f"The network's blocks and wires. Press {ADD_BLOCK_KEYS} to add a block, "
                                      "+ or − to change the units of the selected layer, F to fit.")
        self._auto_fit = True  # fit again at show/resize until the person zooms or pans
        self._reflow_pending = True  # the first fit may wrap a long chain onto rows (fitting.py)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_if_auto)
        document.graph_replaced.connect(self._graph_replaced)
        self.large_thumbnails = False
        self.thumbnail_button = QToolButton(self)
        self.thumbnail_button.setText("Large heatmaps")
        self.thumbnail_button.setCheckable(True)
        self.thumbnail_button.setAccessibleName("Large unit heatmaps")
        self.thumbnail_button.setToolTip("Show the per-unit heatmaps on the blocks large (point at a tile "
                                         "to read its unit and value range)")
        self.thumbnail_button.toggled.connect(self.set_large_thumbnails)
        self.thumbnail_button.hide()
        self._selection_timer = QTimer(self)
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(0)
        self._selection_timer.timeout.connect(
            lambda: self.document.set_selection(self.selected_node_ids()))
        self.graph_scene.selectionChanged.connect(self._selection_timer.start)
        self.centerOn(0, 0)
        self.follow_palette()

    # ------------------------------------------------------------ queries
    def selected_node_ids(self) -> list[str]:
        return self.graph_scene.selected_node_ids()

    def block_item(self, node_id: str) -> BlockItem | None:
        return self.graph_scene.blocks.get(node_id)

    def select_nodes(self, node_ids: list[str]) -> None:
        self.graph_scene.clearSelection()
        for nid in node_ids:
            item = self.graph_scene.blocks.get(nid)
            if item is not None:
                item.setSelected(True)

    def select_all(self) -> None:
        self.select_nodes(list(self.graph_scene.blocks))

    # -------------------------------------------------------------- adding
    def add_block(self, block_type: str, scene_pos: QPointF) -> str | None:
        """Add ``block_type`` with its title bar centred at ``scene_pos``; returns the new id."""
        block = BLOCKS.get(block_type)
        if block is None:
            self.document.message.emit(f"Unknown block type {block_type!r}; it cannot be added")
            return None
        x, y = scene_pos.x() - WIDTH / 2, scene_pos.y() - HEADER / 2
        if self.snap_enabled:
            x, y = snap(x), snap(y)
        edit = AddNode(block_type, block.spec().defaults(), (x, y))
        if not self.document.push(edit):
            return None
        self.select_nodes([edit.node_id or ""])
        return edit.node_id

    def add_block_at_center(self, block_type: str) -> str | None:
        return self.add_block(block_type, self.mapToScene(self.viewport().rect().center()))

    def open_add_popup(self, view_pos: QPoint) -> AddBlockPopup:
        if self._popup is None:
            self._popup = AddBlockPopup(self)
            self._popup.chosen.connect(lambda name: self.add_block(name, self._popup_pos))
        self._popup_pos = self.mapToScene(view_pos)
        self._popup.open_at(self.viewport().mapToGlobal(view_pos))
        return self._popup

    # ------------------------------------------------------------- drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(BLOCK_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(BLOCK_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(BLOCK_MIME):
            event.ignore()
            return
        name = bytes(event.mimeData().data(BLOCK_MIME).data()).decode("utf-8", "replace")
        event.acceptProposedAction()
        self.add_block(name, self.mapToScene(event.position().toPoint()))

    # ------------------------------------------------------------- mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._interaction is not None:
            return
        view_pos = event.position().toPoint()
        scene_pos = self.mapToScene(view_pos)
        button, mods = event.button(), event.modifiers()
        self.setFocus()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space_down):
            self._space_used = True
            self._interaction = PanInteraction(self, view_pos)
            self._auto_fit = False
        elif button == Qt.MouseButton.LeftButton:
            self._interaction = self._start_left_gesture(self.items(view_pos), scene_pos,
                                                         bool(mods & Qt.KeyboardModifier.ControlModifier))
        else:
            super().mousePressEvent(event)
            return
        event.accept()

    def _start_left_gesture(self, items: list, scene_pos: QPointF, ctrl: bool) -> Interaction | None:
        item = topmost_item(items)
        if isinstance(item, PortItem):
            return NewWireInteraction(self, item)
        if isinstance(item, BlockItem) and item.region_at(item.mapFromScene(scene_pos)) in item.button_rects():
            return ButtonInteraction(self, item, item.region_at(item.mapFromScene(scene_pos)) or "")
        if isinstance(item, BlockItem):
            if ctrl:
                item.setSelected(not item.isSelected())
                if not item.isSelected():
                    return None
            elif not item.isSelected():
                self.select_nodes([item.node_id])
            blocks = [b for b in self.graph_scene.blocks.values() if b.isSelected()]
            return MoveInteraction(self, blocks, item, scene_pos)
        if isinstance(item, GroupItem):
            if not ctrl:
                self.graph_scene.clearSelection()
            item.setSelected(True)
            return MoveInteraction(self, item.members(), None, scene_pos)
        if isinstance(item, EdgeItem):
            if not ctrl:
                self.graph_scene.clearSelection()
            item.setSelected(not item.isSelected() if ctrl else True)
            return None
        return RubberBandInteraction(self, scene_pos, ctrl)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._interaction is None:
            super().mouseMoveEvent(event)
            return
        view_pos = event.position().toPoint()
        self._interaction.move(self.mapToScene(view_pos), view_pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._interaction is None:
            super().mouseReleaseEvent(event)
            return
        interaction, self._interaction = self._interaction, None
        view_pos = event.position().toPoint()
        interaction.release(self.mapToScene(view_pos), view_pos)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        view_pos = event.position().toPoint()
        item = topmost_item(self.items(view_pos))
        if item is None:
            self.open_add_popup(view_pos)
        elif isinstance(item, GroupItem):
            title = dialogs.ask_text(self, "Rename group", "Title:", item.title)
            if title and title.strip():
                self.rename_group(item.group_id, title.strip())

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        build_context_menu(self, event.pos()).exec(event.globalPos())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps, event.position().toPoint())
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text, rect = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport(), rect)
                return True
        if event.type() == QEvent.Type.Paint and self.paint_charged is not None:
            started = time.thread_time()
            handled = super().viewportEvent(event)
            self.paint_charged(time.thread_time() - started)
            return handled
        return super().viewportEvent(event)

    def tooltip_at(self, view_pos: QPoint) -> tuple[str, QRect]:
        """The tooltip of the block part at ``view_pos`` (badge: its diagnostics; heatmap: the
        unit and its value range; buttons: what they do) and the viewport rect it holds for;
        ("", empty) where the item's own tooltip applies."""
        block = topmost_item(self.items(view_pos))
        if isinstance(block, BlockItem):
            found = block.tooltip_at(block.mapFromScene(self.mapToScene(view_pos)))
            if found is not None:
                text, rect = found
                return text, self.mapFromScene(block.mapToScene(rect)).boundingRect()
        return "", QRect()

    # ----------------------------------------------------------------- keys
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space:  # type: ignore[attr-defined]
            event.accept()  # Space belongs to panning while the canvas has focus
            return True
        return super().event(event)  # Tab moves the focus on, as everywhere; "/" or Ctrl+K adds a block

    def open_add_popup_here(self) -> AddBlockPopup:
        """The add-block search at the mouse when it is over the canvas, else in the middle."""
        pos = self.cursor_view_pos()
        return self.open_add_popup(pos if pos is not None else self.viewport().rect().center())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_down, self._space_used = True, False
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        elif key == Qt.Key.Key_Escape and self._interaction is not None:
            self._interaction.cancel()
            self._interaction = None
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif key == Qt.Key.Key_F and not ctrl:
            self.fit_view()
        elif (key == Qt.Key.Key_Slash and not ctrl) or (ctrl and key == Qt.Key.Key_K):
            self.open_add_popup_here()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and not ctrl:
            self.change_selected_units(+1)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) and not ctrl:
            self.change_selected_units(-1)
        elif ctrl and key in self._ctrl_keys():
            self._ctrl_keys()[key]()
        else:
            super().keyPressEvent(event)

    def _ctrl_keys(self) -> dict:
        return {Qt.Key.Key_C: self.copy, Qt.Key.Key_X: self.cut, Qt.Key.Key_V: self.paste,
                Qt.Key.Key_D: self.duplicate, Qt.Key.Key_A: self.select_all,
                Qt.Key.Key_G: lambda: self.group_selected("Group")}

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.viewport().unsetCursor()
            if not self._space_used:
                self.space_tapped.emit()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------ zoom/fit
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._auto_fit:
            self._fit_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.thumbnail_button.adjustSize()
        self.thumbnail_button.move(self.width() - self.thumbnail_button.width() - 8, 8)
        if self._auto_fit:
            self._fit_timer.start()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.follow_palette()

    def follow_palette(self) -> None:
        """Blocks take light or dark bodies from the window's palette (the theme)."""
        dark = self.palette().base().color().lightness() < 128
        set_block_look(dark)  # shared by every canvas; another one may have switched it already
        if getattr(self, "_dark", None) != dark:
            self._dark = dark
            for item in self.graph_scene.blocks.values():
                item.update()  # drop each block's cached picture
            self.graph_scene.update()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        draw_grid(painter, rect, self.palette().base().color())

    def set_snap(self, enabled: bool) -> None:
        self.snap_enabled = enabled

    def set_thumbnails(self, images: dict[str, QImage]) -> None:
        """Per-block heatmaps (e.g. ``views.unit_thumbnails``); blocks not named lose theirs.
        Images tagged with ``block_controls.tag_unit_grid`` get a per-unit hover readout."""
        for nid, block in self.graph_scene.blocks.items():
            block.set_thumbnail(images.get(nid))
        self.thumbnail_button.setVisible(any(b.thumbnail is not None for b in self.graph_scene.blocks.values()))

    def set_large_thumbnails(self, large: bool) -> None:
        """Heatmaps as wide as the blocks (True) or the normal size."""
        self.large_thumbnails = large
        self.graph_scene.set_thumbnail_size(THUMB_LARGE if large else THUMB)
        if self.thumbnail_button.isChecked() != large:
            self.thumbnail_button.setChecked(large)

    # ------------------------------------------------------------- layout
    def auto_layout(self) -> None:
        """Layered left-to-right layout as one undoable step, kept where the graph was; a chain
        too long to read in this viewport continues on rows below."""
        positions = fitting.reflow_positions(self)
        per_band = None
        if positions is not None:
            xs = sorted({round(x) for x, _y in positions.values()})
            per_band = len(xs)
        macro = layout_moves(self.graph_scene, self.document.graph, self.snap_enabled, per_band)
        if macro is not None:
            self.document.push(macro)
        self.fit_view()
