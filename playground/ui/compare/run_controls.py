"""Seeds, steps, Start and Stop: the controls beside the Compare and Sweep windows' tables."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout


def spin_box(low: int, high: int, value: int, name: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setAccessibleName(name)
    spin.setToolTip(tip)
    return spin


class RunControls(QVBoxLayout):
    """``seeds`` and ``steps`` spin boxes with their labels, then ``start`` and ``stop`` buttons
    (Stop disabled until a run starts); each control named and explained."""

    def __init__(self, seeds: QSpinBox, steps: QSpinBox, start_tip: str, stop_tip: str) -> None:
        super().__init__()
        self.seeds, self.steps = seeds, steps
        for label, spin in (("Seeds", seeds), ("Steps", steps)):
            row = QHBoxLayout()
            row.addWidget(QLabel(label))
            row.addWidget(spin)
            self.addLayout(row)
        self.start = QPushButton("Start")
        self.start.setToolTip(start_tip)
        self.stop = QPushButton("Stop")
        self.stop.setToolTip(stop_tip)
        self.stop.setEnabled(False)
        for button in (self.start, self.stop):
            button.setAccessibleName(button.text())
            self.addWidget(button)
