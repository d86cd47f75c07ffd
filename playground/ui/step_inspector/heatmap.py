"""Heatmap: a 2-D array drawn as coloured cells, scaled to fit, with the value under the mouse in
its tooltip. Signed values use the diverging map centred on zero, others the sequential one."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground.ui.views.colormaps import array_to_qimage


def color_range(values: np.ndarray) -> tuple[float, float, str]:
    """(low, high, map name): symmetric around zero for signed data, min to max otherwise."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0, "sequential"
    low, high = float(finite.min()), float(finite.max())
    if low < 0 < high:
        edge = max(-low, high)
        return -edge, edge, "diverging"
    return low, (high if high > low else low + 1.0), "sequential"


class Heatmap(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = np.zeros((0, 0))
        self.image: QImage | None = None
        self.levels = (0.0, 1.0, "sequential")
        self.setMouseTracking(True)
        self.setMinimumSize(160, 80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Tensor heatmap")
        self.setToolTip("Each cell is one value of the tensor; point at a cell to read it")

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    def set_values(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.levels = color_range(self.values)
        low, high, cmap = self.levels
        self.image = array_to_qimage(self.values, low, high, cmap) if self.values.size else None
        self.update()

    def _target(self) -> QRect:
        """Where the cells go: the widest rectangle with square cells that fits."""
        rows, cols = self.values.shape if self.values.ndim == 2 else (1, 1)
        cell = max(min(self.width() / max(cols, 1), self.height() / max(rows, 1)), 1e-6)
        w, h = int(cell * cols), int(cell * rows)
        return QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        target = self._target()
        if self.values.size == 0 or not target.contains(int(x), int(y)):
            return None
        r = int((y - target.top()) * self.values.shape[0] / max(target.height(), 1))
        c = int((x - target.left()) * self.values.shape[1] / max(target.width(), 1))
        return min(r, self.values.shape[0] - 1), min(c, self.values.shape[1] - 1)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is not None and np.isfinite(self.values[cell]):
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"row {cell[0]}, column {cell[1]}: {self.values[cell]:.4g}", self)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.image is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp cells
        painter.drawImage(self._target(), self.image)
        painter.end()


__all__ = ["Heatmap", "color_range"]
