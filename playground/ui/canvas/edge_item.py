"""A wire between an output port and an input port, labelled with its inferred shape."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from playground.graph.spec import Shape, format_shape
from playground.ui.canvas.block_item import OVERVIEW_ZOOM
from playground.ui.canvas.port_item import PortItem

_PENS = {"normal": QPen(QColor(120, 150, 190), 2.0), "error": QPen(QColor(220, 50, 47), 2.2),
         "selected": QPen(QColor(255, 170, 0), 3.0)}
# Far out, one-pixel cosmetic lines: Qt draws them directly instead of stroking a scaled 2-unit pen.
_OVERVIEW_PENS = {name: QPen(pen.color(), 0) for name, pen in _PENS.items()}
_LABEL_BG = QBrush(QColor(255, 255, 255, 220))
_LABEL_PEN = QPen(QColor(60, 64, 72))
_FONT: dict[str, Any] = {}


def _font() -> tuple[QFont, QFontMetricsF]:
    if not _FONT:
        font = QFont()
        font.setPointSizeF(7.5)
        _FONT.update(font=font, metrics=QFontMetricsF(font))
    return _FONT["font"], _FONT["metrics"]


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A horizontal-tangent cubic curve, the usual look of node-editor wires."""
    dx = max(abs(end.x() - start.x()) * 0.5, 40.0)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


class EdgeItem(QGraphicsItem):
    """Lives in scene coordinates; ``update_path`` follows the two ports."""

    def __init__(self, edge_id: str, src: PortItem, dst: PortItem) -> None:
        super().__init__()
        self.edge_id = edge_id
        self.src = src
        self.dst = dst
        self.shape_text = ""
        self.has_error = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)
        self._path = QPainterPath()
        self._hit: QPainterPath | None = None
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self.update_path()

    def set_shape(self, shape: Shape | None, error: str | None = None) -> None:
        text = format_shape(shape) if shape is not None else ""
        if text != self.shape_text or (error is not None) != self.has_error:
            self.shape_text = text
            self.has_error = error is not None
            self.setToolTip(error or (f"{text} per batch" if text else "shape unknown"))
            self.update_path()

    def update_path(self) -> None:
        self.prepareGeometryChange()
        a, b = self.src.anchor(), self.dst.anchor()
        self._path = wire_path(a, b)
        self._hit = None
        bounds = self._path.boundingRect()
        if self.shape_text:
            _, metrics = _font()
            mid = self._path.pointAtPercent(0.5)
            w = metrics.horizontalAdvance(self.shape_text) + 8
            h = metrics.height() + 2
            self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
            bounds = bounds.united(self._label_rect)
        else:
            self._label_rect = QRectF()
        self._bounds = bounds.adjusted(-3, -3, 3, 3)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._hit is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._hit = stroker.createStroke(self._path)
            if not self._label_rect.isNull():
                self._hit.addRect(self._label_rect)
        return self._hit

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        name = "selected" if selected else ("error" if self.has_error else "normal")
        overview = painter.worldTransform().m11() < OVERVIEW_ZOOM
        pen = (_OVERVIEW_PENS if overview else _PENS)[name]
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        if self.shape_text and not overview:
            font, _ = _font()
            painter.setPen(pen if self.has_error else _LABEL_PEN)
            painter.setBrush(_LABEL_BG)
            painter.drawRoundedRect(self._label_rect, 3, 3)
            painter.setFont(font)
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.shape_text)
