"""The far-out look of the blocks, painted in a handful of batched calls.

Zoomed out below ``OVERVIEW_ZOOM`` no text is readable, and with hundreds of blocks the cost of a
frame (and of every wheel step, which re-rendered each block's cached picture) was the per-block
work, not the pixels. Then blocks stop painting themselves (``ItemHasNoContents``; they stay
selectable and hit-testable) and this one item draws them all: one batch of filled rectangles per
colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from playground.ui.canvas.block_item import BADGE_COLORS, HEADER, OVERVIEW_BODY, SELECTED_COLOR, WIDTH

if TYPE_CHECKING:
    from collections.abc import Mapping

    from playground.ui.canvas.block_item import BlockItem

_SELECTED_PEN = QPen(SELECTED_COLOR, 2.0)
_SELECTED_PEN.setCosmetic(True)
_BADGE = 8.0


class BlockOverview(QGraphicsItem):
    """Spans the whole scene at the blocks' depth; shown only while the view is far out. Its
    batches are built at the first paint after ``invalidate`` (any change to a block)."""

    def __init__(self, blocks: Mapping[str, BlockItem], extent: QRectF) -> None:
        super().__init__()
        self._blocks = blocks  # the scene's live {node_id: BlockItem} table
        self._extent = QRectF(extent)
        self._built = False
        self._bodies: list[QRectF] = []
        self._headers: dict[int, tuple[QBrush, list[QRectF]]] = {}
        self._selected: list[QRectF] = []
        self._badges: dict[str, list[QRectF]] = {}
        self._thumbnails: list[tuple[QRectF, QImage]] = []
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setVisible(False)

    def boundingRect(self) -> QRectF:
        return self._extent

    def shape(self) -> QPainterPath:
        return QPainterPath()  # never under the mouse: the blocks themselves take the clicks

    def invalidate(self) -> None:
        self._built = False
        self.update()

    def _build(self) -> None:
        self._bodies, self._selected, self._thumbnails = [], [], []
        self._headers, self._badges = {}, {}
        for block in self._blocks.values():
            if not block.isVisible():
                continue
            pos = block.pos()
            x, y = pos.x(), pos.y()
            body = QRectF(x, y, WIDTH, block.size()[1])
            self._bodies.append(body)
            color = block.color
            self._headers.setdefault(color.rgba(), (QBrush(color), []))[1].append(QRectF(x, y, WIDTH, HEADER))
            if block.isSelected():
                self._selected.append(body)
            badge = block.badge
            if badge is not None:
                self._badges.setdefault(badge, []).append(
                    QRectF(x + WIDTH - _BADGE, y - _BADGE, 2 * _BADGE, 2 * _BADGE))
            if block.thumbnail is not None:
                self._thumbnails.append((block.thumbnail_rect().translated(x, y), block.thumbnail))
        self._built = True

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if not self._built:
            self._build()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # axis-aligned rectangles
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(OVERVIEW_BODY)
        painter.drawRects(self._bodies)
        for brush, rects in self._headers.values():
            painter.setBrush(brush)
            painter.drawRects(rects)
        for rect, image in self._thumbnails:
            painter.drawImage(rect, image)
        for badge, rects in self._badges.items():
            painter.setBrush(BADGE_COLORS[badge])
            painter.drawRects(rects)
        if self._selected:
            painter.setPen(_SELECTED_PEN)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRects(self._selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)  # DontSavePainterState: put it back
