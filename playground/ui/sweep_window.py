"""SweepWindow: the sweep from the app. A grid over training settings and block parameters (the
syntax of ``playground sweep --grid``, one KEY=V1,V2,… a line), a number of seeds and steps;
``experiments.sweep.run_sweep`` trains it on a worker thread (small networks as one stacked
model), then a sortable results table (mean ± std over seeds per grid point) and a scatter of a
chosen metric against a chosen parameter (every run a dot, the means joined; log x for rates).
A bad grid is said in the window, in one line, before anything trains."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.experiments.sweep import Grid, SweepResult, parse_grid, plan, run_sweep
from playground.session.errors import SessionError
from playground.ui.background import BackgroundJob
from playground.ui.compare.plot_theme import apply_theme
from playground.ui.compare.results_table import NumberItem, mean_std_text
from playground.ui.compare.run_controls import RunControls, spin_box
from playground.workspace.model import Workspace

METRICS = {"val_accuracy": "validation accuracy", "val_loss": "validation loss", "train_loss": "training loss"}
LOG_KEYS = ("lr", "weight_decay", "l1", "l2")  # settings tried on a log scale


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def wants_log(key: str, values: list[Any]) -> bool:
    """Rates (and any positive values spanning 10× or more) read best on a log axis."""
    if not _numeric(values) or min(values) <= 0:
        return False
    return key.rpartition(".")[2] in LOG_KEYS or max(values) / min(values) >= 10


class SweepWindow(QDialog):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweep_window")
        self.setWindowTitle("Sweep")
        self.resize(1100, 800)
        self.workspace = workspace
        self.grid: Grid = []
        self.result: SweepResult | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.grid_text = QPlainTextEdit(self._default_grid())
        self.grid_text.setMaximumHeight(90)
        self.grid_text.setAccessibleName("Sweep grid")
        self.grid_text.setToolTip("One KEY=V1,V2,… a line: a training setting (lr=0.01,0.1), or a block's "
                                  "parameter (fc1.out_features=8,16); every combination is trained")
        top.addWidget(self.grid_text, 1)
        self.seeds = spin_box(1, 64, 2, "Seeds", "Runs per grid point (seeds S, S+1, …)")
        self.steps = spin_box(1, 100_000, 300, "Steps", "Training steps of every run")
        side = RunControls(self.seeds, self.steps, "Train every grid point over every seed",
                           "Stop after the group being trained; what finished is shown")
        self.start_button, self.stop_button = side.start, side.stop
        top.addLayout(side)
        layout.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sweep progress")
        self.progress.setToolTip("Groups of runs trained so far")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sweep status")
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget()
        self.table.setAccessibleName("Sweep results")
        self.table.setToolTip("Each grid point: mean ± std over seeds; click a header to sort")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        split.addWidget(self.table)
        plot_box = QWidget()
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        choose = QHBoxLayout()
        self.metric_choice = QComboBox()
        for key, text in METRICS.items():
            self.metric_choice.addItem(text, key)
        self.metric_choice.setAccessibleName("Metric on the y axis")
        self.metric_choice.setToolTip("The metric the scatter shows")
        self.parameter = QComboBox()
        self.parameter.setAccessibleName("Parameter on the x axis")
        self.parameter.setToolTip("The grid parameter the scatter is drawn against")
        self.log_x = QCheckBox("log x")
        self.log_x.setAccessibleName("Logarithmic parameter axis")
        self.log_x.setToolTip("Draw the parameter on a logarithmic axis (on by itself for rates)")
        for label, widget in (("Metric", self.metric_choice), ("against", self.parameter)):
            choose.addWidget(QLabel(label))
            choose.addWidget(widget)
        choose.addWidget(self.log_x)
        choose.addStretch(1)
        plot_layout.addLayout(choose)
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setAccessibleName("Metric against parameter")
        self.plot_widget.setToolTip("Every run is a dot; the line joins the means over seeds")
        apply_theme(self.plot_widget)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.runs_item = pg.PlotDataItem(pen=None, symbol="o", symbolSize=8, symbolPen=pg.mkPen("#1f77b4"),
                                         symbolBrush=pg.mkBrush(31, 119, 180, 110))
        self.mean_item = pg.PlotDataItem(pen=pg.mkPen("#d62728", width=2), symbol="o", symbolSize=7,
                                         symbolBrush="#d62728")
        self.plot.addItem(self.runs_item)
        self.plot.addItem(self.mean_item)
        plot_layout.addWidget(self.plot_widget, 1)
        split.addWidget(plot_box)
        split.setSizes([260, 420])
        layout.addWidget(split, 1)
        self.job = BackgroundJob(self)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.job.stop)
        self.metric_choice.currentIndexChanged.connect(self.draw)
        self.parameter.currentIndexChanged.connect(self._parameter_changed)
        self.log_x.toggled.connect(self.draw)

    def _default_grid(self) -> str:
        lr = self.workspace.config.lr
        return "lr=" + ",".join(f"{lr * f:.3g}" for f in (0.1, 0.3, 1.0, 3.0))

    # ------------------------------------------------------------ running
    def start(self) -> bool:
        """Check the grid (a bad one: one line in the window) and train it on the worker thread."""
        if self.job.is_running():
            return False
        lines = [line for line in self.grid_text.toPlainText().splitlines() if line.strip()]
        session = self.workspace.to_session()
        seeds, steps = self.seeds.value(), self.steps.value()
        try:
            if not lines:
                raise SessionError("give at least one grid line, e.g. lr=0.01,0.03,0.1")
            grid = parse_grid(lines)
            groups = plan(session, grid, seeds)  # every setting checked before any training
        except SessionError as err:
            self.message.setText(f"<span style='color:#c03030'>{html.escape(err.message, quote=False)}</span>")
            return False
        self.grid = grid
        self.message.setText(f"Training {len(groups) * seeds} runs…")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.job.start(lambda report, should_stop: run_sweep(
            session, grid, seeds, steps, should_stop, lambda done, total: report((done, total))))
        return True

    def _progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.message.setText(f"trained group {done} of {total}")

    def _finished(self, result: object, error: str) -> None:
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if error or not isinstance(result, SweepResult):
            self.message.setText(f"<span style='color:#c03030'>The sweep failed: {html.escape(error, quote=False)}</span>")
            return
        self.result = result
        engines = ", ".join(sorted({row.engine for row in result.rows}))
        skipped = f"; stopped, {result.skipped} runs not trained" if result.skipped else ""
        self.message.setText(f"{len(result.rows)} runs in {result.seconds:.1f} s ({engines}){skipped}")
        self._fill_table()
        self.parameter.blockSignals(True)
        self.parameter.clear()
        self.parameter.addItems([key for key, _ in self.grid])
        self.parameter.blockSignals(False)
        self._parameter_changed()

    # ------------------------------------------------------------ showing
    def _fill_table(self) -> None:
        assert self.result is not None
        keys = [key for key, _ in self.grid]
        columns = [*keys, *(METRICS[m] for m in METRICS), "seeds", "diverged"]
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        summary = self.result.summary()
        self.table.setRowCount(len(summary))
        for row, entry in enumerate(summary):
            cells: list[QTableWidgetItem] = []
            for key in keys:
                value = entry[key]
                cells.append(NumberItem(f"{value:g}", float(value)) if _numeric([value]) else QTableWidgetItem(str(value)))
            for metric in METRICS:
                mean, std = entry[metric], entry[f"{metric}_std"]
                text = "–" if math.isnan(mean) else mean_std_text(mean, std)
                cells.append(NumberItem(text, mean))
            cells += [NumberItem(str(entry["seeds"]), entry["seeds"]), NumberItem(str(entry["diverged"]),
                                                                                  entry["diverged"])]
            for column, item in enumerate(cells):
                self.table.setItem(row, column, item)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # grid order until a click
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()

    def _parameter_changed(self) -> None:
        key = self.parameter.currentText()
        values = dict(self.grid).get(key, [])
        self.log_x.blockSignals(True)
        self.log_x.setChecked(wants_log(key, values))
        self.log_x.setEnabled(_numeric(values) and bool(values) and min(values) > 0)
        self.log_x.blockSignals(False)
        self.draw()

    def points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What the scatter shows: (x, y) of every run, and (x, y) of the mean at each value
        (x is the value, or its position in the grid for values that are not numbers)."""
        key, metric = self.parameter.currentText(), self.metric_choice.currentData()
        if self.result is None or not key:
            return (np.empty(0),) * 4  # type: ignore[return-value]
        values = dict(self.grid)[key]
        numeric = _numeric(values)

        def x_of(value: Any) -> float:
            return float(value) if numeric else float(values.index(value))

        xs, ys = [], []
        for row in self.result.rows:
            y = getattr(row, metric)
            if y is not None and math.isfinite(y):
                xs.append(x_of(row.settings[key]))
                ys.append(float(y))
        x, y = np.asarray(xs), np.asarray(ys)
        mean_x = np.asarray(sorted({*xs}))
        mean_y = np.asarray([y[x == v].mean() for v in mean_x])
        return x, y, mean_x, mean_y

    def draw(self) -> None:
        x, y, mean_x, mean_y = self.points()
        key = self.parameter.currentText()
        values = dict(self.grid).get(key, [])
        log = self.log_x.isChecked() and self.log_x.isEnabled()
        self.plot.setLogMode(x=log, y=False)
        self.runs_item.setData(x, y)
        self.mean_item.setData(mean_x, mean_y)
        axis = self.plot.getAxis("bottom")
        if not _numeric(values):  # names at their positions in the grid
            axis.setTicks([[(float(i), str(v)) for i, v in enumerate(values)]])
        elif log:  # the grid's own values (pyqtgraph's minor log labels run into each other)
            axis.setTicks([[(math.log10(v), f"{v:g}") for v in sorted(values)]])
        else:
            axis.setTicks(None)
        self.plot.setLabel("bottom", key)
        self.plot.setLabel("left", self.metric_choice.currentText())
        self.plot.enableAutoRange()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.job.wait()
        super().closeEvent(event)
