"""HistogramView: weight and gradient histograms per parameter at the step the window's timeline
shows, their history as a heatmap on a shared value range (with median and ±1σ percentile lines)
and per-layer gradient norms. Wide docks get the three plots side by side, so every strip keeps
a readable height; narrow ones two rows."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from playground.train.snapshots import Histogram
from playground.ui.views.binning import percentiles, rebin, shared_edges
from playground.ui.views.colormaps import sequential, series_color
from playground.ui.views.export import write_csv
from playground.ui.views.view_panel import ViewPanel

KINDS = {"weights": "weights", "gradients": "grads"}
HEATMAP_BINS = 60
HEATMAP_COLUMNS = 200
PERCENTILES = (0.159, 0.5, 0.841)  # ±1σ band and median, as in TensorBoard's distributions
WIDE_PX = 900  # from this width the three plots stand in one row
PLOT_MIN_PX = 150  # the least height of one strip (plot area, title and step axis included)


def occupied_range(counts: np.ndarray, edges: np.ndarray) -> tuple[float, float]:
    """From the first to the last non-empty bin (the probe's bins are rounded up to 1-2-5 ranges)."""
    filled = np.flatnonzero(np.asarray(counts) > 0)
    if len(filled) == 0:
        return float(edges[0]), float(edges[-1])
    return float(edges[filled[0]]), float(edges[filled[-1] + 1])


class HistogramView(ViewPanel):
    title = "Histograms"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.addItems(list(KINDS))
        self.kind.setAccessibleName("Histogram kind")
        self.kind.setToolTip("Weights or gradients")
        self.param = QComboBox()
        self.param.setMinimumContentsLength(18)
        self.param.setAccessibleName("Parameter")
        self.param.setToolTip("Parameter tensor (block label . tensor name)")
        self.time_label = QLabel("")
        self.time_label.setToolTip("The step shown; move the timeline at the bottom of the window to choose another")
        self.add_control("", self.kind)
        self.add_control("parameter", self.param)
        self.add_control("", self.time_label)
        self.controls.addStretch(1)

        self.hist_plot = pg.PlotItem(title="Histogram")
        self.hist_plot.setLabel("bottom", "value")
        self.hist_plot.setLabel("left", "count")
        self.hist_curve = self.hist_plot.plot(stepMode="center", fillLevel=0, brush=(31, 119, 180, 150),
                                              pen=pg.mkPen(series_color(0), width=1))
        self.norm_plot = pg.PlotItem(title="Gradient norm per layer")
        self.norm_plot.setLogMode(y=True)
        self.norm_plot.getAxis("left").setWidth(48)
        self.norm_plot.setLabel("bottom", "step")
        self.norm_plot.addLegend(offset=(-4, 4), labelTextSize="8pt")
        self.norm_curves: dict[str, pg.PlotDataItem] = {}
        self.norm_cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=1))
        self.norm_plot.addItem(self.norm_cursor, ignoreBounds=True)
        self.heat_plot = pg.PlotItem(title="History")
        self.heat_plot.setLabel("bottom", "step")
        self.heat_plot.setLabel("left", "value")
        self.heatmap = pg.ImageItem(axisOrder="row-major")
        self.heatmap.setColorMap(sequential())
        self.heat_plot.addItem(self.heatmap)
        self.band = [self.heat_plot.plot(pen=pg.mkPen("w", width=w, style=s))
                     for w, s in ((1, Qt.PenStyle.DashLine), (2, Qt.PenStyle.SolidLine), (1, Qt.PenStyle.DashLine))]
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=2))
        self.heat_plot.addItem(self.cursor, ignoreBounds=True)
        for plot in (self.hist_plot, self.norm_plot, self.heat_plot):
            plot.setMinimumHeight(PLOT_MIN_PX)
        self.wide: bool | None = None
        self._arrange(wide=False)
        self.graphics.installEventFilter(self)

        self.history: list[tuple[int, Histogram]] = []  # the chosen parameter over the recorded steps
        self.edges = np.linspace(-1, 1, HEATMAP_BINS + 1)
        self.image = np.zeros((HEATMAP_BINS, 1))
        self._heat_key: tuple = ()
        self._norm_keys: dict[str, tuple] = {}
        self._params: list[str] = []
        self.kind.currentIndexChanged.connect(self._selection_changed)
        self.param.currentIndexChanged.connect(self._selection_changed)

    # ------------------------------------------------------------ layout
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            self._arrange(self.graphics.width() >= WIDE_PX)
        return super().eventFilter(watched, event)

    def _arrange(self, wide: bool) -> None:
        """Wide: histogram | history | norms in one row; else the history under the other two."""
        if wide == self.wide:
            return
        self.wide = wide
        layout = self.graphics.ci
        for plot in (self.hist_plot, self.norm_plot, self.heat_plot):
            if plot in layout.items:
                layout.removeItem(plot)
        if wide:
            layout.addItem(self.hist_plot, row=0, col=0)
            layout.addItem(self.heat_plot, row=0, col=1)
            layout.addItem(self.norm_plot, row=0, col=2)
            layout.layout.setColumnStretchFactor(1, 2)
        else:
            layout.addItem(self.hist_plot, row=0, col=0)
            layout.addItem(self.norm_plot, row=0, col=1)
            layout.addItem(self.heat_plot, row=1, col=0, colspan=2)
            layout.layout.setColumnStretchFactor(1, 1)
        rows = 1 if wide else 2
        # the plots' least height plus the controls row: strips never shrink below readable
        self.graphics.setMinimumHeight(rows * PLOT_MIN_PX + 8)

    # ------------------------------------------------------------ drawing
    def _selection_changed(self) -> None:
        self._heat_key = ()
        self.redraw()

    def _placeholder(self) -> str:
        graph = self.context.graph if self.context is not None else None
        what = self.kind.currentText()
        if what == "gradients" and self.buffer is not None and self.buffer.snapshot("weights") is not None:
            return "No gradient histograms were recorded in this run (they are taken after a training step)."
        if graph is None or not graph.nodes:
            return f"Add blocks to the canvas: the histograms of their {what} appear once training starts."
        return f"Press Start: the {what} histograms of this network appear at the first recorded step."

    def draw(self) -> None:
        buffer = self.buffer
        assert buffer is not None
        self._draw_norms()
        kind = KINDS[self.kind.currentText()]
        latest = buffer.snapshot(kind)
        if latest is None:
            self.show_empty(self._placeholder())
            if self.history:  # e.g. after a reset: nothing stale stays on screen
                self.history, self._heat_key = [], ()
                self.hist_curve.setData([], [])
                self.heatmap.clear()
                for line in self.band:
                    line.setData([], [])
            return
        self.show_hint("")
        self._update_params(list(latest[1]))
        name = self.param.currentText()
        key = (kind, name, latest[0])
        if key != self._heat_key:
            self._heat_key = key
            self.history = [(step, data[name]) for step, data in buffer.snapshot_history(kind) if name in data]
            if not self.history or self.history[-1][0] != latest[0]:
                self.history.append((latest[0], latest[1][name]))
            self._draw_heatmap()
        self._show_moment()

    def _update_params(self, names: list[str]) -> None:
        if names == self._params:
            return
        current = self.param.currentText()
        self._params = names
        self.param.blockSignals(True)
        self.param.clear()
        self.param.addItems(names)
        if current in names:
            self.param.setCurrentText(current)
        self.param.blockSignals(False)
        self._heat_key = ()

    def _draw_heatmap(self) -> None:
        steps = np.array([s for s, _ in self.history], dtype=np.float64)
        ranges = [occupied_range(h["counts"], h["edges"]) for _, h in self.history]
        self.edges = edges = shared_edges(ranges, HEATMAP_BINS)
        counts = np.stack([rebin(h["counts"], h["edges"], edges) for _, h in self.history])  # (T, bins)
        peak = counts.max(axis=1, keepdims=True)
        density = counts / np.where(peak > 0, peak, 1.0)
        x0, x1 = steps[0], max(steps[-1], steps[0] + 1)
        columns = HEATMAP_COLUMNS if len(steps) > 1 else 1
        centers = x0 + (np.arange(columns) + 0.5) * (x1 - x0) / columns
        pick = np.clip(np.searchsorted(steps, centers, side="right") - 1, 0, len(steps) - 1)
        self.image = density[pick].T  # rows = value bins (low values at the bottom), columns = time
        self.heatmap.setImage(self.image, levels=(0.0, 1.0), autoLevels=False)
        self.heatmap.setRect(QRectF(x0, edges[0], x1 - x0, edges[-1] - edges[0]))
        marks = np.stack([percentiles(h["counts"], h["edges"], PERCENTILES) for _, h in self.history])
        for line, values in zip(self.band, marks.T, strict=True):
            line.setData(steps if len(steps) > 1 else [], values if len(steps) > 1 else [])
        self.hist_plot.setXRange(edges[0], edges[-1], padding=0.02)

    def moment(self) -> int | None:
        """Index into ``history`` of the moment shown: the last one at or before the pinned step."""
        if not self.history:
            return None
        if self.pinned_step is None:
            return len(self.history) - 1
        steps = [s for s, _ in self.history]
        index = int(np.searchsorted(steps, self.pinned_step, side="right")) - 1
        return index if index >= 0 else None

    def _show_moment(self) -> None:
        index = self.moment()
        if index is None:
            self.hist_curve.setData([], [])
            self.cursor.setPos(self.pinned_step or 0)
            self.time_label.setText(f"nothing recorded by step {self.pinned_step}")
            self.hist_plot.setTitle(self.param.currentText())
            return
        step, hist = self.history[index]
        self.hist_curve.setData(hist["edges"], hist["counts"])
        self.cursor.setPos(step)
        self.norm_cursor.setPos(step)
        latest = index == len(self.history) - 1
        self.time_label.setText(f"step {step}" + (" (latest)" if latest else ""))
        self.hist_plot.setTitle(f"{self.param.currentText()} at step {step}")

    def _draw_norms(self) -> None:
        buffer = self.buffer
        assert buffer is not None
        for name in buffer.series_names():
            if not name.startswith("grad_norm/"):
                continue
            steps, values = buffer.series(name)
            key = (len(steps), steps[-1] if len(steps) else None)
            if self._norm_keys.get(name) == key:
                continue
            self._norm_keys[name] = key
            curve = self.norm_curves.get(name)
            if curve is None:
                pen = pg.mkPen(series_color(len(self.norm_curves)), width=1.5)
                curve = self.norm_curves[name] = self.norm_plot.plot(pen=pen, name=name.split("/", 1)[1])
                curve.setClipToView(True)
                curve.setDownsampling(auto=True, method="peak")
            positive = values > 0  # log axis: zero norms (frozen layers) are left out
            curve.setData(steps[positive], values[positive])

    # ------------------------------------------------------------ export
    def export_csv(self, path: str) -> None:
        """kind, name, step, bin_low, bin_high, value: the chosen parameter's histograms over time
        (value = count) and every layer's gradient norm (no bins)."""
        def rows():
            kind = self.kind.currentText()
            for step, hist in self.history:
                edges, counts = hist["edges"], hist["counts"]
                for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True):
                    yield kind, self.param.currentText(), step, float(lo), float(hi), int(c)
            if self.buffer is not None:
                for name in self.buffer.series_names():
                    if name.startswith("grad_norm/"):
                        for s, v in zip(*self.buffer.series(name), strict=True):
                            yield "grad_norm", name.split("/", 1)[1], int(s), "", "", float(v)
        write_csv(path, ("kind", "name", "step", "bin_low", "bin_high", "value"), rows())
