"""TensorView: one step of the inspection: its name, shape, min/max/mean and share of zeros, and
the tensor itself: its numbers when it is small, a heatmap when it is larger."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.analysis.inspect import InspectStep, as_grid
from playground.graph.spec import format_shape
from playground.ui.step_inspector.heatmap import Heatmap


def stats_line(step: InspectStep) -> str:
    s = step.stats
    shape = format_shape(s.shape).removeprefix("N×") or "scalar"
    line = f"shape {shape} · min {s.min:.4g} · max {s.max:.4g} · mean {s.mean:.4g} · zeros {s.zero_share:.0%}"
    return line + (f" · {s.masked} masked (−∞)" if s.masked else "")


def cell_text(value: float, integer: bool) -> str:
    if not np.isfinite(value):
        return "−∞" if value < 0 else ("" if np.isnan(value) else "∞")
    return str(int(value)) if integer else f"{value:.4g}"


def legend_text(low: float, high: float, cmap: str, tiled: bool) -> str:
    if cmap == "diverging":
        colours = f"orange {low:.3g} · white 0 · blue {high:.3g}"
    else:
        colours = f"dark purple {low:.3g} · green · yellow {high:.3g}"
    return f"Colours: {colours}" + ("; one tile per channel or head, left to right, top to bottom" if tiled else "")


class TensorView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.stats = QLabel()
        self.stats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stats.setAccessibleName("Tensor statistics")
        self.stats.setToolTip("Shape (without the batch), smallest, largest and mean value, share of exact zeros")
        self.numbers = QTableWidget()
        self.numbers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.numbers.setAccessibleName("Tensor values")
        self.numbers.setToolTip("The values of a small tensor (rows × columns; channels or heads as tiles)")
        self.heatmap = Heatmap()
        self.legend = QLabel()
        self.legend.setAccessibleName("Heatmap colours")
        self.legend.setToolTip("What the heatmap's colours stand for")
        self.pages = QStackedWidget()
        self.pages.addWidget(self.numbers)
        self.pages.addWidget(self.heatmap)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.note, self.stats):
            layout.addWidget(widget)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.legend)
        self.step: InspectStep | None = None

    @property
    def shows_numbers(self) -> bool:
        return self.pages.currentWidget() is self.numbers

    def show_step(self, step: InspectStep | None, where: str = "") -> None:
        self.step = step
        if step is None:
            self.title.setText("")
            self.note.setText("Choose an input to see what each block makes of it.")
            self.stats.setText("")
            self.numbers.clear()
            self.heatmap.set_values(np.zeros((0, 0)))
            self.legend.setText("")
            return
        kind = "part of the block above" if step.type == "part" else step.type
        self.title.setText(f"{step.label}  ({kind})")
        self.note.setText(step.note)
        self.note.setVisible(bool(step.note))
        self.stats.setText(stats_line(step))
        grid = as_grid(step.tensor)
        if step.small:
            if step.tensor.ndim <= 1:
                grid = grid.reshape(-1, 1)  # a small vector reads best as a column, one value per row
            self._fill_numbers(grid, not step.tensor.is_floating_point())
            self.pages.setCurrentWidget(self.numbers)
        else:
            self.heatmap.set_values(grid)
            self.pages.setCurrentWidget(self.heatmap)
        self.legend.setText("" if step.small else legend_text(*self.heatmap.levels, step.tensor.ndim > 2))

    def _fill_numbers(self, grid: np.ndarray, integer: bool) -> None:
        rows, cols = grid.shape
        self.numbers.clear()
        self.numbers.setRowCount(rows)
        self.numbers.setColumnCount(cols)
        # indices as torch counts them (Qt's default headers start at 1)
        self.numbers.setVerticalHeaderLabels([str(r) for r in range(rows)])
        self.numbers.setHorizontalHeaderLabels([str(c) for c in range(cols)])
        for r in range(rows):
            for c in range(cols):
                item = QTableWidgetItem(cell_text(float(grid[r, c]), integer))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.numbers.setItem(r, c, item)
        self.numbers.resizeColumnsToContents()
