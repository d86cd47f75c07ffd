"""DrawPad: an 8×8 or 16×16 grid to draw a picture on with the mouse (left paints, right erases)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

CELL_PIXELS = 160  # the pad's side, whatever the grid: a 16×16 pad has smaller cells


class DrawPad(QWidget):
    """``drawn(rows)`` is emitted when a stroke ends (rows: lists of values in [low, high])."""

    drawn = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[list[float]] = []
        self.low, self.high = 0.0, 1.0
        self._painting: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFixedSize(CELL_PIXELS, CELL_PIXELS)
        self.setAccessibleName("Drawing pad")
        self.setToolTip("Draw the input picture: left button paints, right button erases; "
                        "the inspector runs when you let go")
        self.set_size(8, 8)

    def sizeHint(self) -> QSize:
        return QSize(CELL_PIXELS, CELL_PIXELS)

    def set_size(self, height: int, width: int, low: float = 0.0, high: float = 1.0) -> None:
        self.low, self.high = low, high
        if len(self.rows) != height or (self.rows and len(self.rows[0]) != width):
            self.rows = [[low] * width for _ in range(height)]
        self.update()

    def set_rows(self, rows: list[list[float]]) -> None:
        self.rows = [list(r) for r in rows]
        self.update()

    def clear(self) -> None:
        self.rows = [[self.low] * len(r) for r in self.rows]
        self.update()
        self.drawn.emit([list(r) for r in self.rows])

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        if not self.rows:
            return None
        r = int(pos.y() * len(self.rows) / max(self.height(), 1))
        c = int(pos.x() * len(self.rows[0]) / max(self.width(), 1))
        return (r, c) if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[0]) else None

    def cell_centre(self, r: int, c: int) -> QPoint:
        """Where a click paints cell (r, c) (for tests and keyboard-free scripting)."""
        h, w = len(self.rows), len(self.rows[0])
        return QPoint(int((c + 0.5) * self.width() / w), int((r + 0.5) * self.height() / h))

    def _paint_at(self, pos: QPoint) -> None:
        cell = self.cell_at(pos)
        if cell is not None and self._painting is not None and self.rows[cell[0]][cell[1]] != self._painting:
            self.rows[cell[0]][cell[1]] = self._painting
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._painting = self.low if event.button() == Qt.MouseButton.RightButton else self.high
        self._paint_at(event.position().toPoint())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._paint_at(event.position().toPoint())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._painting is not None:
            self._painting = None
            self.drawn.emit([list(r) for r in self.rows])

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("black"))
        if not self.rows:
            return
        h, w = len(self.rows), len(self.rows[0])
        span = (self.high - self.low) or 1.0
        for r, row in enumerate(self.rows):
            for c, v in enumerate(row):
                level = int(255 * min(max((v - self.low) / span, 0.0), 1.0))
                cell = QRect(int(c * self.width() / w), int(r * self.height() / h),
                             int((c + 1) * self.width() / w) - int(c * self.width() / w),
                             int((r + 1) * self.height() / h) - int(r * self.height() / h))
                painter.fillRect(cell, QColor(level, level, level))
        painter.setPen(QPen(QColor(80, 80, 80), 1))
        for c in range(1, w):
            painter.drawLine(int(c * self.width() / w), 0, int(c * self.width() / w), self.height())
        for r in range(1, h):
            painter.drawLine(0, int(r * self.height() / h), self.width(), int(r * self.height() / h))
