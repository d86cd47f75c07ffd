"""The Experiments menu: run a classic result from the app and see its plot and measured verdict.

Each entry runs ``playground.experiments`` on a worker thread (the window stays responsive) and
opens a window that shows what the experiment does and what to look for, its progress, then its
verdict and key plot, with a button to save the CSV and the PNG. "Quick versions" (on by
default) runs the short version that takes about a minute on two cores. Stop keeps what has
finished and says what was skipped.
"""

from __future__ import annotations

import os
import tempfile
import threading

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QAction, QCloseEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from playground.experiments.base import ExperimentResult, write_rows
from playground.experiments.registry import EXPERIMENTS, run_experiment


class _Runner(QObject):
    progress = Signal(str)
    finished = Signal(object, str)  # ExperimentResult or None, error text

    def __init__(self, name: str, quick: bool, stop: threading.Event) -> None:
        super().__init__()
        self.name, self.quick, self.stop = name, quick, stop

    def run(self) -> None:
        try:
            result = run_experiment(self.name, quick=self.quick, should_stop=self.stop.is_set,
                                    progress=self.progress.emit)
        except Exception as exc:  # an experiment that fails says so in its window; the app goes on
            self.finished.emit(None, f"{type(exc).__name__}: {exc}")
            return
        self.finished.emit(result, "")


class ExperimentWindow(QDialog):
    """One experiment's run: explanation, progress, then verdict and plot."""

    def __init__(self, name: str, quick: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        exp = EXPERIMENTS[name]
        self.setObjectName(f"experiment_{name}")
        self.setWindowTitle(f"Experiment: {exp.title}")
        self.resize(1000, 820)
        self.result: ExperimentResult | None = None
        self.error = ""
        layout = QVBoxLayout(self)
        about = QLabel(f"<b>{exp.title}</b><br>{exp.explanation}<br><i>Look for:</i> {exp.look_for}")
        about.setWordWrap(True)
        layout.addWidget(about)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumHeight(110)
        self.log.setAccessibleName("Experiment progress")
        layout.addWidget(self.log)
        self.verdict = QLabel("Running…")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setAccessibleName("Verdict")
        layout.addWidget(self.verdict)
        self.plot = QLabel()
        self.plot.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plot.setMinimumSize(480, 300)
        self.plot.setAccessibleName("Key plot")
        self.plot_row = QHBoxLayout()  # the key plot, and for attention the temperature map beside it
        self.plot_row.addWidget(self.plot, 2)
        self.temperature_map: QWidget | None = None
        layout.addLayout(self.plot_row, 1)
        buttons = QHBoxLayout()
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after the variant that is training; what finished is kept")
        self.save_button = QPushButton("Save CSV and Plot…")
        self.save_button.setToolTip("Write the metrics (CSV) and the plot (PNG) to a folder")
        self.save_button.setEnabled(False)
        close = QPushButton("Close")
        for button in (self.stop_button, self.save_button, close):
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self._stop = threading.Event()
        self.stop_button.clicked.connect(self._stop.set)
        self.save_button.clicked.connect(self._save)
        close.clicked.connect(self.close)
        self._thread = QThread(self)
        self._runner = _Runner(name, quick, self._stop)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progress.connect(self.log.appendPlainText)
        self._runner.finished.connect(self._done)
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def _done(self, result: ExperimentResult | None, error: str) -> None:
        self._thread.quit()
        self.stop_button.setEnabled(False)
        self.result, self.error = result, error
        if result is None:
            self.verdict.setText(f"The experiment failed: {error}")
            return
        skipped = f"<br>Stopped early; not run: {', '.join(result.skipped)}" if result.skipped else ""
        self.verdict.setText(f"<b>Verdict:</b> {result.verdict}{skipped}")
        self._add_temperature(result)
        from playground.ui.plot_png import render_plot
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "plot.png")
            render_plot(result.plot, path)
            self.plot.setPixmap(QPixmap(path))
        self.save_button.setEnabled(True)

    def _add_temperature(self, result: ExperimentResult) -> None:
        """The attention experiment: its trained head's map beside the plot, with a softmax
        temperature slider that shows saturation (``TemperatureMap``)."""
        maps = result.facts.get("final_map")
        if maps is None:
            return
        from playground.ui.temperature_map import TemperatureMap

        self.temperature_map = TemperatureMap(maps, f"{result.facts.get('head', '')} at the end")
        self.plot_row.addWidget(self.temperature_map, 1)
        self.temperature_map.show()  # now: a layout shows a child added to a shown window only later

    def save_to(self, folder: str) -> list[str]:
        """Write NAME.csv and NAME.png into ``folder``; returns the paths."""
        assert self.result is not None
        from pathlib import Path

        from playground.ui.plot_png import render_plot
        os.makedirs(folder, exist_ok=True)
        csv_path = write_rows(self.result.rows, Path(folder) / f"{self.result.name}.csv")
        png_path = os.path.join(folder, f"{self.result.name}.png")
        render_plot(self.result.plot, png_path)
        return [str(csv_path), png_path]

    def _save(self) -> None:
        from playground.ui.dialogs import choose_path
        folder = choose_path(self, "folder", "Save the experiment's CSV and plot")
        if not folder:
            return
        try:
            written = self.save_to(folder)
        except OSError as err:
            self.verdict.setText(f"{self.verdict.text()}<br>Could not save in {folder}: {err.strerror or err}")
            return
        self.log.appendPlainText("wrote " + ", ".join(written))

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop.set()
        self._thread.quit()
        self._thread.wait(120_000)  # the variant training now finishes; nothing is left running
        super().closeEvent(event)


class ExperimentsMenu(QObject):
    """``menu``: one entry per experiment, and the "Quick versions" switch."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu("E&xperiments", window)
        self.menu.setToolTipsVisible(True)
        self.quick = QAction("Quick Versions (about a minute each)", self.menu)
        self.quick.setCheckable(True)
        self.quick.setChecked(True)
        self.quick.setToolTip("Run the short version of each experiment; off: the full one (several minutes)")
        self.windows: list[ExperimentWindow] = []
        for name, exp in EXPERIMENTS.items():
            action = self.menu.addAction(exp.title)
            action.setObjectName(f"experiment_{name}")
            action.setToolTip(f"{exp.explanation} Look for: {exp.look_for}")
            action.triggered.connect(lambda _=False, n=name: self.open(n))
        self.menu.addSeparator()
        self.menu.addAction(self.quick)

    def open(self, name: str) -> ExperimentWindow:
        win = ExperimentWindow(name, self.quick.isChecked(), self.window)
        self.windows = [w for w in self.windows if w.isVisible()] + [win]
        win.show()
        return win
