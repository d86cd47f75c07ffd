"""A titled box drawn around a group's blocks; dragging its title bar moves them all."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from playground.graph.model import Group

TITLE_HEIGHT = 24.0
MARGIN = 18.0
_FILL = QBrush(QColor(120, 140, 170, 40))
_TITLE_FILL = QBrush(QColor(120, 140, 170, 110))
_PEN = QPen(QColor(110, 125, 150), 1.2)
_SELECTED = QPen(QColor(255, 170, 0), 2.0)
_FONT: dict[str, Any] = {}


class GroupItem(QGraphicsItem):
    """Only the title bar is hit-testable, so a rubber band can still start inside the box."""

    def __init__(self, group: Group, blocks: dict[str, Any]) -> None:
        super().__init__()
        self.group_id = group.id
        self.title = group.title
        self.node_ids: list[str] = list(group.node_ids)
        self._blocks = blocks  # the scene's live {node_id: BlockItem} table
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-2)
        self.sync(group)

    def sync(self, group: Group) -> None:
        for nid in self.node_ids:
            block = self._blocks.get(nid)
            if block is not None and self in block.groups:
                block.groups.remove(self)
        self.title = group.title
        self.node_ids = list(group.node_ids)
        for nid in self.node_ids:
            block = self._blocks.get(nid)
            if block is not None and self not in block.groups:
                block.groups.append(self)
        self.setToolTip(f"Group “{self.title}”: drag the title bar to move its {len(self.node_ids)} block(s)")
        self.update_geometry()

    def detach(self) -> None:
        for block in self._blocks.values():
            if self in block.groups:
                block.groups.remove(self)

    def members(self) -> list[Any]:
        return [self._blocks[n] for n in self.node_ids if n in self._blocks]

    def update_geometry(self) -> None:
        rect = QRectF()
        for block in self.members():
            rect = rect.united(block.sceneBoundingRect())
        if not rect.isNull():
            rect = rect.adjusted(-MARGIN, -MARGIN - TITLE_HEIGHT, MARGIN, MARGIN)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect

    def title_rect(self) -> QRectF:
        return QRectF(self._rect.left(), self._rect.top(), self._rect.width(), TITLE_HEIGHT)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.title_rect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._rect.isNull():
            return
        if not _FONT:
            font = QFont()
            font.setBold(True)
            _FONT["font"] = font
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(_SELECTED if selected else _PEN)
        painter.setBrush(_FILL)
        painter.drawRoundedRect(self._rect, 8, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_TITLE_FILL)
        title = self.title_rect()
        painter.drawRoundedRect(title, 8, 8)
        painter.setPen(QColor(30, 34, 40))
        painter.setFont(_FONT["font"])
        painter.drawText(title.adjusted(10, 0, -10, 0), Qt.AlignmentFlag.AlignVCenter, self.title)
