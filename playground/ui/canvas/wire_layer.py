"""One item that paints every wire: the wires themselves (EdgeItem) stay selectable and
hit-testable but paint nothing.

With ~400 wires, one Python ``paint`` call per wire (plus Qt's per-item setup) cost more than
drawing them; here a frame is one call that culls to the exposed area and draws the curves,
then the shape labels on top of all curves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from playground.ui.canvas.block_item import SMALL_TEXT_ZOOM
from playground.ui.canvas.edge_item import HAIRLINES, LABEL_BRUSH, EdgeItem, label_font

if TYPE_CHECKING:
    from collections.abc import Mapping


class WireLayer(QGraphicsItem):
    """Spans the whole scene under the blocks; never hit by the mouse (its shape is empty)."""

    def __init__(self, edges: Mapping[str, EdgeItem], extent: QRectF) -> None:
        super().__init__()
        self._edges = edges  # the scene's live {edge_id: EdgeItem} table
        self._extent = QRectF(extent)
        self._hairlines: dict[str, QPainterPath] | None = None  # all wires per look, when far out
        self.setZValue(-1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # for exposedRect
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def wires_changed(self, rect: QRectF | None = None) -> None:
        """Wires in ``rect`` (default: anywhere) changed look or place."""
        self._hairlines = None
        if rect is None:
            self.update()
        else:
            self.update(rect)

    def boundingRect(self) -> QRectF:
        return self._extent

    def shape(self) -> QPainterPath:
        return QPainterPath()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        exposed = option.exposedRect  # type: ignore[attr-defined]
        scale = painter.worldTransform().m11()
        if scale < SMALL_TEXT_ZOOM:
            self._paint_far(painter)
            return
        shown = [e for e in self._edges.values() if e.isVisible() and e.boundingRect().intersects(exposed)]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for edge in shown:
            edge.paint_wire(painter, scale)
        painter.setBrush(LABEL_BRUSH)
        painter.setFont(label_font())
        for edge in shown:
            if edge.shape_text:
                edge.paint_label(painter)

    def _paint_far(self, painter: QPainter) -> None:
        """Far out every wire is a hairline and has no label: one combined path per look."""
        if self._hairlines is None:
            self._hairlines = {}
            for edge in self._edges.values():
                if edge.isVisible():
                    self._hairlines.setdefault(edge.look(), QPainterPath()).addPath(edge.path())
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for look, path in self._hairlines.items():
            painter.setPen(HAIRLINES[look])
            painter.drawPath(path)
