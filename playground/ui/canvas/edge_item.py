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
    QStaticText,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from playground.graph.spec import Shape, format_shape
from playground.ui.canvas.port_item import PortItem
from playground.ui.canvas.static_text import placed_text

WIRE_COLORS = {"normal": QColor(120, 150, 190), "error": QColor(220, 50, 47), "selected": QColor(255, 170, 0)}
_PENS = {"normal": QPen(WIRE_COLORS["normal"], 2.0), "error": QPen(WIRE_COLORS["error"], 2.2),
         "selected": QPen(WIRE_COLORS["selected"], 3.0)}
HAIRLINES = {name: QPen(pen.color(), 0) for name, pen in _PENS.items()}
LABEL_BRUSH = QBrush(QColor(255, 255, 255, 220))
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
        # Selectable and hit-testable, but painted with all other wires by the scene's WireLayer:
        # one paint call for every wire instead of one (Python) call each.
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        self.setZValue(-1)
        self._path = QPainterPath()
        self._hit: QPainterPath | None = None
        self._label_rect = QRectF()
        self._label: tuple[QPointF, QStaticText] | None = None
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
        old = self._bounds
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
            self._label = None  # laid out at the first detailed paint
            bounds = bounds.united(self._label_rect)
        else:
            self._label_rect = QRectF()
            self._label = None
        self._bounds = bounds.adjusted(-3, -3, 3, 3)
        self.redraw(old.united(self._bounds))

    def path(self) -> QPainterPath:
        """The wire's curve in scene coordinates."""
        return self._path

    def redraw(self, rect: QRectF | None = None) -> None:
        """Repaint this wire (or ``rect`` of the scene) in the layer that paints wires."""
        scene = self.scene()
        if scene is not None:
            scene.wires_changed(self._bounds if rect is None else rect)  # type: ignore[attr-defined]

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
        pass  # ItemHasNoContents: the WireLayer paints wires

    def paint_wire(self, painter: QPainter, scale: float) -> None:
        """Draw the curve; ``scale`` is the view's zoom."""
        pen = _PENS[self.look()]
        # A wire no wider than a pixel on screen: a cosmetic hairline looks the same and takes
        # Qt's direct line path instead of stroking the curve into a polygon first.
        painter.setPen(HAIRLINES[self.look()] if pen.widthF() * scale <= 1.25 else pen)
        painter.drawPath(self._path)

    def paint_label(self, painter: QPainter) -> None:
        """Draw the shape label (the caller sets the label font and brush)."""
        if self._label is None:
            self._label = placed_text(self.shape_text, _font()[0], self._label_rect, Qt.AlignmentFlag.AlignCenter)
        painter.setPen(_PENS["error"] if self.has_error else _LABEL_PEN)
        painter.drawRoundedRect(self._label_rect, 3, 3)
        painter.drawStaticText(*self._label)

    def look(self) -> str:
        """normal, error or selected: picks the pen."""
        return "selected" if self.isSelected() else ("error" if self.has_error else "normal")


def label_font() -> QFont:
    """The font of shape labels."""
    return _font()[0]

