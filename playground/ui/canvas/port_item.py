"""A named input or output port on a block: the handle wires are dragged from and to."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from playground.graph.model import PortRef

RADIUS = 5.5
_HIT = RADIUS + 4.0  # a little larger than drawn, so ports are easy to grab
_PEN = QPen(QColor(40, 44, 52), 1.2)
_FILL = {"normal": QBrush(QColor(150, 200, 255)), "wired": QBrush(QColor(90, 160, 240)),
         "dimmed": QBrush(QColor(120, 120, 120, 70)), "target": QBrush(QColor(80, 220, 120)),
         "unknown": QBrush(QColor(230, 80, 80))}


class PortItem(QGraphicsItem):
    """Child of a BlockItem; ``state`` picks its look while a wire is being dragged."""

    def __init__(self, node_id: str, name: str, is_output: bool, parent: QGraphicsItem,
                 help_text: str = "", known: bool = True) -> None:
        super().__init__(parent)
        self.node_id = node_id
        self.name = name
        self.is_output = is_output
        self.known = known
        self.wired = False
        self.state = "normal"  # normal | dimmed | target
        # Drawn by the parent block (one cached picture per block, not one per port).
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        kind = "output" if is_output else "input"
        tip = f"{kind} “{name}”" + (f": {help_text}" if help_text else "")
        self.setToolTip(tip if known else f"{tip} (this block type has no such port)")
        self.setZValue(1)

    @property
    def ref(self) -> PortRef:
        return PortRef(self.node_id, self.name)

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._redraw()

    def set_wired(self, wired: bool) -> None:
        if wired != self.wired:
            self.wired = wired
            self._redraw()

    def _redraw(self) -> None:
        parent = self.parentItem()
        if parent is not None:
            parent.ports_changed()  # type: ignore[attr-defined]

    def anchor(self) -> QPointF:
        """Where wires attach, in scene coordinates."""
        return self.scenePos()

    def boundingRect(self) -> QRectF:
        return QRectF(-_HIT, -_HIT, 2 * _HIT, 2 * _HIT)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pass  # ItemHasNoContents: the block draws its ports

    def look(self) -> tuple[QPen | Qt.PenStyle, QBrush, float]:
        """(pen, brush, radius) the parent block paints this port with."""
        if not self.known:
            brush = _FILL["unknown"]
        elif self.state != "normal":
            brush = _FILL[self.state]
        else:
            brush = _FILL["wired" if self.wired else "normal"]
        pen = _PEN if self.state != "dimmed" else Qt.PenStyle.NoPen
        return pen, brush, RADIUS + (1.5 if self.state == "target" else 0.0)
