"""SideBySide: any two runs of a comparison, each in its own view (decision boundary, attention,
histograms or activations), at the same step of the timeline, chosen with one shared slider.

A run's record (every snapshot kind, on the step schedule) comes from
``experiments.compare.record_run``: the window trains the chosen run again with a recording
Trainer on its worker thread (same config and seed, so the same run) and hands the buffer over
with ``add_record``. Each view draws from that buffer (``refresh``) and follows the slider
(``show_step``), as the main window's docks follow the timeline.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from playground.train.metrics import MetricsBuffer
from playground.ui.views.activations_view import ActivationsView
from playground.ui.views.attention_view import AttentionView
from playground.ui.views.base import ViewContext
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.histogram_view import HistogramView
from playground.ui.views.view_panel import ViewPanel

# (name in the chooser, view class, the record kind it draws)
VIEW_KINDS: tuple[tuple[str, type[ViewPanel], str], ...] = (
    ("Decision boundary", BoundaryView, "boundary"),
    ("Attention", AttentionView, "attention"),
    ("Histograms", HistogramView, "weights"),
    ("Activations", ActivationsView, "activations"),
)
RunKey = tuple[str, int]  # (variant name, seed)


class SideBySide(QWidget):
    """``set_runs(runs, steps)`` lists the runs; ``wanted(keys)`` asks the window for records it
    lacks; ``add_record(key, buffer, context)`` gives one; ``set_step(step)`` moves both views."""

    wanted = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records: dict[RunKey, tuple[MetricsBuffer, ViewContext]] = {}
        self.runs: list[RunKey] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.pickers = [QComboBox(), QComboBox()]
        for side, picker in zip(("left", "right"), self.pickers, strict=True):
            picker.setAccessibleName(f"Run on the {side}")
            picker.setToolTip(f"The run shown on the {side}: a variant and one of its seeds")
            row.addWidget(QLabel(side.capitalize()))
            row.addWidget(picker, 1)
        self.kind = QComboBox()
        self.kind.addItems([name for name, _, _ in VIEW_KINDS])
        self.kind.setAccessibleName("View shown side by side")
        self.kind.setToolTip("What both runs show: their decision boundary, attention maps, histograms or activations")
        row.addWidget(self.kind)
        self.show_button = QPushButton("Show")
        self.show_button.setAccessibleName("Show the two runs")
        self.show_button.setToolTip("Record the two chosen runs (trained again with recording on) and show them")
        row.addWidget(self.show_button)
        layout.addLayout(row)
        self.grid = QGridLayout()
        layout.addLayout(self.grid, 1)
        slider_row = QHBoxLayout()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Step shown on both sides")
        self.slider.setToolTip("The timeline step both views show (each draws its latest record at or before it)")
        self.slider.setEnabled(False)
        self.step_label = QLabel("Choose two runs and press Show.")
        self.step_label.setAccessibleName("Step shown")
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.step_label)
        layout.addLayout(slider_row)
        self.views: list[ViewPanel] = []
        self.shown: list[RunKey] = []
        self._build_views()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.show_button.clicked.connect(self.request)
        self.slider.valueChanged.connect(self.set_step)

    # ------------------------------------------------------------ runs
    def set_runs(self, runs: list[RunKey]) -> None:
        self.runs = list(runs)
        self.records = {k: v for k, v in self.records.items() if k in self.runs}
        for i, picker in enumerate(self.pickers):
            picker.blockSignals(True)
            picker.clear()
            for name, seed in self.runs:
                picker.addItem(f"{name} · seed {seed}")
            # the first run of the first two variants, else two seeds of one
            firsts = [i for i, key in enumerate(self.runs) if all(k[0] != key[0] for k in self.runs[:i])]
            choice = firsts[i] if i < len(firsts) else min(i, len(self.runs) - 1)
            if self.runs:
                picker.setCurrentIndex(choice)
            picker.blockSignals(False)

    def chosen(self) -> list[RunKey]:
        return [self.runs[p.currentIndex()] for p in self.pickers if 0 <= p.currentIndex() < len(self.runs)]

    def choose(self, left: RunKey, right: RunKey) -> None:
        for picker, key in zip(self.pickers, (left, right), strict=True):
            picker.setCurrentIndex(self.runs.index(key))

    def request(self) -> None:
        """Ask for the chosen runs' records (``wanted``), or show them when they are here."""
        keys = self.chosen()
        if len(keys) < 2:
            self.step_label.setText("Run a comparison first: there are no runs to show.")
            return
        missing = [k for k in dict.fromkeys(keys) if k not in self.records]
        if missing:
            self.step_label.setText("Recording " + " and ".join(f"{n} · seed {s}" for n, s in missing) + "…")
            self.wanted.emit(missing)
            return
        self._show(keys)

    def add_record(self, key: RunKey, buffer: MetricsBuffer, context: ViewContext) -> None:
        self.records[key] = (buffer, context)
        keys = self.chosen()
        if len(keys) == 2 and all(k in self.records for k in keys):
            self._show(keys)

    # ------------------------------------------------------------ views
    def _build_views(self) -> None:
        for view in self.views:
            self.grid.removeWidget(view)
            view.deleteLater()
        cls = VIEW_KINDS[self.kind.currentIndex()][1]
        self.views = [cls(self), cls(self)]
        self.titles = [QLabel(""), QLabel("")]
        for column, (view, title) in enumerate(zip(self.views, self.titles, strict=True)):
            view.busy_budget = None  # a user's slider move draws at once
            title.setAccessibleName("Run shown" if column == 0 else "Run shown on the right")
            self.grid.addWidget(title, 0, column)
            self.grid.addWidget(view, 1, column)

    def _kind_changed(self) -> None:
        self._build_views()
        if self.shown:
            self._show(self.shown)

    def _show(self, keys: list[RunKey]) -> None:
        self.shown = list(keys)
        last = 0
        for view, title, key in zip(self.views, self.titles, keys, strict=True):
            buffer, context = self.records[key]
            title.setText(f"<b>{key[0]}</b> · seed {key[1]}")
            view.refresh(buffer, context)
            steps = buffer.series("train/loss")[0]
            last = max(last, int(steps[-1]) if len(steps) else 0)
        self.slider.blockSignals(True)
        self.slider.setRange(0, last)
        self.slider.setValue(last)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self.set_step(last)

    def set_step(self, step: int) -> None:
        """Both views show ``step`` (their latest record at or before it)."""
        if self.slider.value() != step:
            self.slider.setValue(step)  # comes back here through valueChanged
            return
        kind = VIEW_KINDS[self.kind.currentIndex()][2]
        parts = []
        for view, key in zip(self.views, self.shown, strict=True):
            view.show_step(step)
            snap = self.records[key][0].snapshot_at(kind, step)
            parts.append(f"recorded at {snap[0]}" if snap is not None else "nothing recorded yet")
        self.step_label.setText(f"step {step}: " + "; ".join(parts))
