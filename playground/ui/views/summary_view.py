"""SummaryView: the network's summary as a table (``playground.analysis.summary``): per block its
output shape, parameters (all and trainable), multiply–accumulates per sample and activation
memory per sample (forward, and the estimate for training), then the totals.

It follows the graph by itself: every change of the network (``Graph.changed``; moving a block
is not one) is summarised again a moment later, and so is a change of the task.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from playground.analysis.summary import Summary, model_summary
from playground.analysis.summary import _bytes as format_bytes  # the CLI table's units, shared
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec, format_shape
from playground.train.metrics import MetricsBuffer
from playground.ui.views.base import ViewContext, on_screen
from playground.ui.views.export import write_csv
from playground.ui.views.view_panel import ViewPanel

COLUMNS = ("block", "type", "output", "params", "trainable", "MACs / sample", "act. fwd / sample",
           "act. train / sample")
DELAY_MS = 150  # a burst of edits (a paste, an undo of many) is summarised once


def summary_cells(summary: Summary) -> list[tuple[str, ...]]:
    """The table's rows as shown: one per block, then the totals."""
    rows = [(r.label, r.type, format_shape(r.output_shape), f"{r.params:,}", f"{r.trainable:,}", f"{r.macs:,}",
             format_bytes(r.activation_bytes), format_bytes(r.train_activation_bytes)) for r in summary.rows]
    rows.append(("total", "", "", f"{summary.params:,}", f"{summary.trainable:,}", f"{summary.macs:,}",
                 format_bytes(summary.activation_bytes), format_bytes(summary.train_activation_bytes)))
    return rows


class SummaryView(ViewPanel):
    title = "Summary"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy_budget = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Summary: cost of each block")
        self.table.setToolTip("Per block: output shape per sample, parameters, multiply–accumulates per sample "
                              "and activation memory per sample (forward, and kept for training); totals last")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names take the spare width
        self.controls.addStretch(1)
        self.body.addWidget(self.table, 1)
        self.graphics.setVisible(False)  # a table, no plot
        self.summary: Summary | None = None
        self._graph: Graph | None = None
        self._task: TaskSpec | None = None
        self._dirty = True
        self._problem = ""
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(DELAY_MS)
        self._later.timeout.connect(self._catch_up_summary)

    def _set_empty(self, empty: bool) -> None:
        super()._set_empty(empty)
        self.graphics.setVisible(False)
        self.table.setVisible(not empty)

    # ------------------------------------------------------------ following the graph
    def refresh(self, buffer: MetricsBuffer, context: ViewContext) -> None:
        if context.graph is not self._graph:
            if self._graph is not None:
                self._graph.changed.disconnect(self._graph_changed)
            self._graph = context.graph
            self._graph.changed.connect(self._graph_changed)
            self._dirty = True
        if context.task != self._task:
            self._task = context.task
            self._dirty = True
        super().refresh(buffer, context)

    def _graph_changed(self) -> None:
        self._dirty = True
        self._later.start()

    def _catch_up_summary(self) -> None:
        if self.buffer is not None and self.context is not None:
            if on_screen(self) or not self.window().isVisible():
                self._draw_timed()
            else:
                self._stale = True

    def draw(self) -> None:
        if self._dirty:
            self._dirty = False
            self.summary = None
            self._problem = ""
            if self._graph is not None and self._task is not None:
                try:
                    self.summary = model_summary(self._graph, self._task)
                except Exception as exc:  # a graph that does not build: say so, keep the app running
                    self._problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if self.summary is None:
            self.table.setRowCount(0)
            if self._task is None:
                self.show_empty("Choose a dataset: the summary needs the input's shape.")
            else:
                self.show_empty(f"The network does not build, so it has no summary yet: {self._problem}")
            return
        cells = summary_cells(self.summary)
        self.table.setRowCount(len(cells))
        for r, row in enumerate(cells):
            for c, text in enumerate(row):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    align = Qt.AlignmentFlag.AlignLeft if c < 3 else Qt.AlignmentFlag.AlignRight
                    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, c, item)
                item.setText(text)
                font = item.font()
                font.setBold(r == len(cells) - 1)
                item.setFont(font)
        s = self.summary
        self.show_hint(f"{len(s.rows)} blocks, {s.params:,} parameters ({s.trainable:,} trainable), "
                       f"{s.macs:,} MACs per sample")
        self.table.setVisible(True)
        self.graphics.setVisible(False)

    def export_csv(self, path: str) -> None:
        """One row per block, then the totals, with exact numbers (bytes, not rounded)."""
        s = self.summary
        header = ("block", "type", "output", "params", "trainable", "macs", "activation_bytes",
                  "train_activation_bytes")
        rows = [] if s is None else [
            *[(r.label, r.type, format_shape(r.output_shape), r.params, r.trainable, r.macs, r.activation_bytes,
               r.train_activation_bytes) for r in s.rows],
            ("total", "", "", s.params, s.trainable, s.macs, s.activation_bytes, s.train_activation_bytes)]
        write_csv(path, header, iter(rows))
