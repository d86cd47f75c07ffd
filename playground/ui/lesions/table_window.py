"""Analyze ▸ Lesion table…: every single-block lesion of the trained network, each block's drop
on the main validation metric as a sorted bar chart (horizontal bars, largest drop on top, so
every block's label can be read) with the numbers beneath. Clicking a bar selects its block on
the canvas.

The rows are ``analysis.lesion_table``'s (the same lesions, scores and drops), computed here
one lesion at a time on a worker thread so that progress shows and Stop works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.analysis.evaluation import Evaluator, drop, trained_model
from playground.analysis.lesion_table import LesionRow
from playground.analysis.lesions import apply_lesions, single_lesion
from playground.data import DataBundle
from playground.graph.validate import topological_order
from playground.session.model import Session
from playground.ui.background import BackgroundJob, Stopped
from playground.ui.lesions.session_snapshot import trained_snapshot

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow

KIND_WORDS = {"bypass": "bypassed", "cut_branch": "branch cut", "zero_units": "units zeroed"}


def lesion_rows(session: Session, bundle: DataBundle, report: Callable[[Any], None],
                stopped: Callable[[], bool]) -> list[LesionRow]:
    """``lesion_table(session, bundle)``'s rows, reporting (done, total) after each lesion."""
    model = trained_model(session, bundle)
    graph = session.graph
    order, _ = topological_order(graph)
    found = [single_lesion(model, graph, nid) for nid in order if nid in model.node_names]
    lesions = [lesion for lesion in found if lesion is not None]
    evaluator = Evaluator(model, bundle)
    before = evaluator.score()
    rows = []
    for index, lesion in enumerate(lesions):
        if stopped():
            raise Stopped
        with apply_lesions(model, graph, [lesion]):
            after = evaluator.score()
        rows.append(LesionRow(graph.nodes[lesion.node_id].label, lesion.node_id, lesion.kind, before.metric,
                              before.value, after.value, drop(before, after)))
        report((index + 1, len(lesions)))
    return rows


class LesionTableWindow(QWidget):
    """``rows``: the finished rows, largest drop first (what the bars show, left to right)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, Qt.WindowType.Window)
        self.main = window
        self.setObjectName("lesion_table_window")
        self.setWindowTitle("Lesion table — Neural Playground")
        self.setAccessibleName("Lesion table")
        self.setToolTip("What each block is worth: the validation metric lost when it alone is lesioned")
        self.rows: list[LesionRow] = []
        self.job = BackgroundJob(self)
        self.job.progress.connect(self._progress)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Lesion table status")
        self.status.setToolTip("What the lesion table is doing, or why it cannot")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Lesion table progress")
        self.progress.setToolTip("Lesions measured so far")
        self.stop_button = self._button("Stop", "Stop measuring; the rows so far are not shown", self.job.stop)
        self.run_button = self._button("Run again", "Measure every single-block lesion again", self.run)
        top.addWidget(self.status, 1)
        top.addWidget(self.progress)
        top.addWidget(self.stop_button)
        top.addWidget(self.run_button)
        layout.addLayout(top)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.plot = pg.PlotWidget()
        self.plot.setAccessibleName("Lesion drops bar chart")
        self.plot.setToolTip("One bar per block, largest drop first; click a bar to select the block")
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=True, alpha=0.3)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.7, brush=pg.mkBrush(120, 60, 170))
        self.plot.addItem(self.bars)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        splitter.addWidget(self.plot)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["block", "lesion", "metric", "before", "after", "drop"])
        self.table.setAccessibleName("Lesion drops table")
        self.table.setToolTip("The numbers behind the bars: the metric before and after each lesion")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellClicked.connect(lambda row, _col: self.select_bar(row))
        splitter.addWidget(self.table)
        layout.addWidget(splitter, 1)
        self.resize(760, 560)

    def _button(self, text: str, tip: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # ------------------------------------------------------------------- run
    def run(self) -> bool:
        """Measure every lesion of the window's trained network in the background."""
        if self.job.is_running():
            return False
        snapshot = trained_snapshot(self.main)
        if isinstance(snapshot, str):
            self._failed(snapshot)
            return False
        session, bundle = snapshot
        self.status.setText("Measuring every single-block lesion…")
        self.progress.setValue(0)
        self.stop_button.setEnabled(True)
        self.run_button.setEnabled(False)
        return self.job.start(lambda report, stopped: lesion_rows(session, bundle, report, stopped))

    def _progress(self, value: tuple[int, int]) -> None:
        self.progress.setMaximum(value[1])
        self.progress.setValue(value[0])

    def _failed(self, message: str) -> None:
        self.status.setText(message if message == "Stopped" else f"No lesion table: {message}")
        self.stop_button.setEnabled(False)
        self.run_button.setEnabled(True)

    def _done(self, rows: list[LesionRow]) -> None:
        self.stop_button.setEnabled(False)
        self.run_button.setEnabled(True)
        self.show_rows(rows)

    def show_rows(self, rows: list[LesionRow]) -> None:
        self.rows = sorted(rows, key=lambda r: -r.drop)
        if not self.rows:
            self.status.setText("No block of this network can be lesioned alone")
        else:
            metric = self.rows[0].metric
            accuracy = metric == "val/accuracy"
            intact = f"{self.rows[0].before:.1%}" if accuracy else f"{self.rows[0].before:.4g}"
            word = "accuracy lost (a fraction)" if accuracy else "loss gained"
            self.status.setText(f"{len(self.rows)} single-block lesions of the intact network ({metric} "
                                f"{intact}); drop = validation {word}, worse is longer")
            self.plot.setLabel("bottom", f"drop in {metric}")
        drops = np.array([r.drop for r in self.rows], dtype=float)
        self.bars.setOpts(x0=np.zeros(len(drops)), y=self.bar_positions(), width=drops, height=0.7)
        ticks = [(float(y), r.block) for y, r in zip(self.bar_positions(), self.rows, strict=True)]
        self.plot.getAxis("left").setTicks([ticks])
        self.plot.setYRange(-0.6, max(len(drops) - 0.4, 0.4))
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            cells = [r.block, KIND_WORDS.get(r.kind, r.kind), r.metric, f"{r.before:.4f}", f"{r.after:.4f}",
                     f"{r.drop:+.4f}"]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))

    def bar_positions(self) -> np.ndarray:
        """Where each row's bar sits on the chart's vertical axis: the first (largest) on top."""
        return np.arange(len(self.rows))[::-1].astype(float)

    def bar_heights(self) -> list[float]:
        """The bars' lengths (the drops) as drawn, top to bottom."""
        widths = self.bars.opts.get("width")
        if widths is None or np.ndim(widths) == 0:
            return []
        order = np.argsort(-np.asarray(self.bars.opts["y"], dtype=float), kind="stable")
        return [float(widths[i]) for i in order]

    # ----------------------------------------------------------------- click
    def _clicked(self, event: Any) -> None:
        point = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        position = round(point.y())
        index = len(self.rows) - 1 - position
        if 0 <= index < len(self.rows) and abs(point.y() - position) <= 0.35:  # on the bar's thickness
            self.select_bar(index)

    def select_bar(self, index: int) -> None:
        """Select the block of bar ``index`` on the canvas (and in the Inspector)."""
        if not 0 <= index < len(self.rows):
            return
        node_id = self.rows[index].node_id
        self.main.canvas.select_nodes([node_id])
        self.main.document.set_selection([node_id])
        block = self.main.canvas.block_item(node_id)
        if block is not None:
            self.main.canvas.ensureVisible(block)
        self.table.selectRow(index)

    def closeEvent(self, event: Any) -> None:
        self.job.shutdown()
        super().closeEvent(event)
