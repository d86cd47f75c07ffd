"""TrainingReadout: the current train and validation loss and accuracy in large numbers, as
TensorFlow Playground shows "Test loss / Training loss" above its output.

Honest by construction: each number is the latest value the record holds (at or before the step
the timeline shows, if one is pinned), printed with the step it was recorded at. Nothing is
averaged or extrapolated; a value that was never recorded says so.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.train.metrics import MetricsBuffer
from playground.ui.steady_label import SteadyLabel

# (series name, caption, what the value is: said in the tooltip)
CELLS: tuple[tuple[str, str, str], ...] = (
    ("train/loss", "Train loss (batch)", "the loss on the last training batch"),
    ("val/loss", "Validation loss", "the loss on the whole validation set, at its last recording"),
    ("train/accuracy", "Train accuracy (batch)", "the share right in the last training batch, at its last recording"),
    ("val/accuracy", "Validation accuracy", "the share right on the validation set, at its last recording"),
)
EMPTY = "not trained yet"
NUMBER_PT = 20


def latest_at(buffer: MetricsBuffer, name: str, step: int | None = None) -> tuple[int, float] | None:
    """(step, value) of the last point of ``name`` at or before ``step`` (None: the very last)."""
    return buffer.latest(name, step)


def format_value(name: str, value: float) -> str:
    if not np.isfinite(value):
        return "NaN" if np.isnan(value) else ("∞" if value > 0 else "−∞")
    if name.endswith("accuracy"):
        return f"{100.0 * value:.1f} %"
    return f"{value:.4f}" if abs(value) < 100 else f"{value:.4g}"


class _Cell(QWidget):
    def __init__(self, name: str, caption: str, meaning: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.caption = QLabel(caption)
        self.number = SteadyLabel("—")
        self.number.setObjectName(f"readout_{name.replace('/', '_')}")
        font = QFont(self.number.font())
        font.setPointSize(NUMBER_PT)
        font.setBold(True)
        self.number.setFont(font)
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where = SteadyLabel(EMPTY)
        self.where.setEnabled(False)  # the platform's dimmed text colour in either theme
        tip = f"{caption}: {meaning}"
        for label in (self.caption, self.number, self.where):
            label.setToolTip(tip)
        self.number.setAccessibleName(caption)
        value_row = QHBoxLayout()  # the step beside the number keeps the readout two lines tall
        value_row.setSpacing(8)
        value_row.addWidget(self.number)
        value_row.addWidget(self.where, 1, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addLayout(value_row)

    def show_point(self, point: tuple[int, float] | None, trained: bool) -> None:
        if point is None:
            self.number.setText("—")
            self.where.setText("not recorded for this task" if trained else EMPTY)
        else:
            self.number.setText(format_value(self.name, point[1]))
            self.where.setText(f"at step {point[0]:,}")
        self.number.setAccessibleDescription(f"{self.number.text()}, {self.where.text()}")


class TrainingReadout(QWidget):
    """Four numbers: train/validation loss and accuracy. ``show_buffer`` reads the buffer (the main
    window calls it on its tick when the buffer changed); ``show_step`` pins a step (None: live)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training_readout")
        self.setAccessibleName("Loss and accuracy readout")
        self.setToolTip("The latest recorded loss and accuracy, each with the step it was recorded at")
        self.pinned_step: int | None = None
        self.buffer: MetricsBuffer | None = None
        self._shown: tuple = ()  # what the cells show: labels are set only when it changes
        self.cells = {name: _Cell(name, caption, meaning) for name, caption, meaning in CELLS}
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        for i, cell in enumerate(self.cells.values()):
            grid.addWidget(cell, i // 2, i % 2)

    def text_of(self, name: str) -> tuple[str, str]:
        """(number, where) as shown for series ``name``: what a person reads."""
        cell = self.cells[name]
        return cell.number.text(), cell.where.text()

    def show_buffer(self, buffer: MetricsBuffer) -> None:
        self.buffer = buffer
        points = {name: latest_at(buffer, name, self.pinned_step) for name in self.cells}
        shown = tuple(points.values())
        if shown == self._shown:  # the tick calls this whenever the buffer changed: mostly the same
            return
        self._shown = shown
        trained = any(point is not None for point in points.values())
        for name, cell in self.cells.items():
            cell.show_point(points[name], trained)

    def show_step(self, step: int | None) -> None:
        """Show the values recorded at or before ``step`` (None: follow the latest)."""
        self.pinned_step = step
        if self.buffer is not None:
            self.show_buffer(self.buffer)
