"""Analyze ▸ "Find learning rate…": the learning-rate range test in a dialog.

``playground.analysis.lr_finder.lr_range_test`` trains a copy of the network (the session's
weights, a fresh optimizer of its kind) while the rate grows exponentially, on a worker
thread; the dialog draws the smoothed loss against the rate (log axis), marks the suggested
rate, and "Use this learning rate" sets it in the workspace's settings with one click. The
network's own weights, optimizer and record are never touched.

The sweep seeds torch's global generator (as the trainer does for its own stream), so it must
not overlap a running trainer: Run pauses training first, and the dialog is modal meanwhile.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from playground.analysis.lr_finder import LRSweep, lr_range_test
from playground.session.model import Session
from playground.ui.background import BackgroundJob

if TYPE_CHECKING:
    from playground.data import DataBundle
    from playground.ui.main_window import MainWindow

PAUSE_WAIT_S = 30.0


def _range_test(session: Session, bundle: DataBundle | None, start: float, end: float, steps: int) -> LRSweep:
    """The sweep, on the worker thread; a sweep with no finite loss is a problem to show."""
    sweep = lr_range_test(session, bundle, start=start, end=end, steps=steps)
    if not sweep.lrs:
        raise ValueError("the loss was not finite from the first step")
    return sweep


class LRFinderDialog(QDialog):
    """Run the range test on the window's work; ``sweep`` holds the last result."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.main_window = window
        self.setObjectName("lr_finder_dialog")
        self.setWindowTitle("Find learning rate")
        self.setModal(True)
        self.sweep: LRSweep | None = None
        self.job = BackgroundJob(self)
        self.job.finished.connect(self._finished)
        layout = QVBoxLayout(self)
        intro = QLabel("Trains a copy of the network for a few hundred steps while the learning rate grows "
                       "from the first value to the last, and plots the loss. The suggestion is where the "
                       "loss falls fastest. The network itself is not changed.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(self._build_fields())
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("lr_finder_plot")
        self.plot.setAccessibleName("Loss against learning rate")
        self.plot.setToolTip("Smoothed training loss of the copy against the learning rate (log scale)")
        self.plot.setLogMode(x=True, y=False)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "loss (smoothed)")
        self.plot.setMinimumSize(460, 280)
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#2a7fd4", width=2))
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d9534f", width=1.5))
        self.marker.setVisible(False)
        self.plot.addItem(self.marker)
        layout.addWidget(self.plot, 1)
        self.result_label = QLabel("Press Run to start the sweep.")
        self.result_label.setObjectName("lr_finder_result")
        self.result_label.setAccessibleName("Range test result")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        layout.addLayout(self._build_buttons())

    # ------------------------------------------------------------- widgets
    def _build_fields(self) -> QFormLayout:
        form = QFormLayout()
        self.start = self._rate_field("lr_finder_start", 1e-5, "The learning rate the sweep starts at")
        self.end = self._rate_field("lr_finder_end", 1.0, "The learning rate the sweep ends at")
        self.steps = QSpinBox()
        self.steps.setRange(20, 2000)
        self.steps.setValue(200)
        self.steps.setObjectName("lr_finder_steps")
        self.steps.setAccessibleName("Sweep steps")
        self.steps.setToolTip("Training steps of the copy (the sweep stops early once the loss blows up)")
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        form.addRow("Steps", self.steps)
        return form

    @staticmethod
    def _rate_field(name: str, value: float, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(7)
        spin.setRange(1e-7, 100.0)
        spin.setValue(value)
        spin.setObjectName(name)
        spin.setAccessibleName(tip)
        spin.setToolTip(tip)
        return spin

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.run_button = self._button("lr_finder_run", "Run", "Run the range test on a copy of the network",
                                       self.run_sweep)
        self.use_button = self._button("lr_finder_use", "Use this learning rate",
                                       "Set the suggested learning rate in the Training settings", self.use_suggested)
        self.use_button.setEnabled(False)
        close = self._button("lr_finder_close", "Close", "Close this dialog", self.close)
        row.addWidget(self.run_button)
        row.addStretch(1)
        row.addWidget(self.use_button)
        row.addWidget(close)
        return row

    def _button(self, name: str, text: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text)
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # ------------------------------------------------------------- running
    def is_running(self) -> bool:
        return self.job.is_running()

    def run_sweep(self) -> bool:
        """Start the sweep on a worker thread; False (with the reason shown) when it cannot start."""
        if self.job.is_running():
            return False
        start, end = self.start.value(), self.end.value()
        if not start < end:
            self.result_label.setText(f"The sweep must grow: From ({start:g}) must be below To ({end:g}).")
            return False
        workspace, controller = self.main_window.workspace, self.main_window.controller
        if workspace.bundle is None:
            self.result_label.setText("Choose a dataset first.")
            return False
        if controller.is_running() and not controller.pause(wait=PAUSE_WAIT_S):
            self.result_label.setText("Training did not pause in time; try again.")
            return False
        controller.store_training()  # the current weights (paused or idle: an exact copy)
        session = workspace.to_session()
        self.sweep = None
        self.use_button.setEnabled(False)
        self.run_button.setEnabled(False)
        self.result_label.setText("Running the range test on a copy of the network…")
        bundle, steps = workspace.bundle, self.steps.value()
        return self.job.start(lambda _report, _stopped: _range_test(session, bundle, start, end, steps))

    def _finished(self, sweep: object, problem: str) -> None:
        self.run_button.setEnabled(True)
        if not isinstance(sweep, LRSweep) or problem:
            self.result_label.setText(f"The range test could not run: {problem}")
            return
        self.show_sweep(sweep)

    def show_sweep(self, sweep: LRSweep) -> None:
        self.sweep = sweep
        self.curve.setData(sweep.lrs, sweep.losses)
        self.marker.setValue(math.log10(sweep.suggested))  # log mode: the axis is in decades
        self.marker.setVisible(True)
        low = min(sweep.losses)
        self.result_label.setText(f"Suggested learning rate: {sweep.suggested:.3g} (the loss falls fastest there; "
                            f"{len(sweep.lrs)} steps from {sweep.lrs[0]:.3g} to {sweep.lrs[-1]:.3g}, "
                            f"lowest smoothed loss {low:.4g})")
        self.use_button.setEnabled(True)

    def use_suggested(self) -> bool:
        """One click: the suggested rate becomes the workspace's learning rate."""
        if self.sweep is None:
            return False
        lr = float(f"{self.sweep.suggested:.3g}")
        self.main_window.workspace.update_config(lr=lr)
        self.result_label.setText(f"Learning rate set to {lr:g} in the Training settings.")
        self.main_window.show_message(f"Learning rate set to {lr:g} (from the range test)", 10000)
        return True

    def done(self, result: int) -> None:
        """Closing waits for a sweep under way (a few hundred steps of a copy)."""
        self.job.shutdown()
        super().done(result)


def open_lr_finder(window: MainWindow) -> LRFinderDialog:
    dialog = LRFinderDialog(window)
    dialog.show()
    window.lr_finder = dialog  # type: ignore[attr-defined]
    return dialog


def add_actions(menu: QMenu, window: MainWindow) -> None:
    """Contract 1: Analyze ▸ Find learning rate…"""
    action = menu.addAction("Find learning rate…")
    action.setObjectName("find_learning_rate")
    action.setToolTip("Run a learning-rate range test on a copy of the network and pick a rate")
    action.triggered.connect(lambda _checked=False: open_lr_finder(window))

