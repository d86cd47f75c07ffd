"""ActivationsView: the selected block's output on the probe batch at the step the timeline shows:
histogram, unit means, feature maps (convolutions) or a samples × units / positions × features map,
and dead ReLUs."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QWidget

from playground.compile.blocks.base import role_of
from playground.graph.spec import format_shape
from playground.train.snapshots import ActivationRecord, ActivationsSnapshot
from playground.ui.views.colormaps import diverging, sequential, series_color
from playground.ui.views.export import write_csv
from playground.ui.views.tiling import tile_maps
from playground.ui.views.view_panel import ElidedLabel, ViewPanel

HIST_BINS = 40
MAX_MAPS = 64


def map_image(values: np.ndarray, sample: int) -> tuple[np.ndarray, str]:
    """What the map panel shows for a (S, *shape) activation array, and its caption."""
    if values.ndim == 4:  # (S, C, H, W): one tile per channel
        grid, _, _ = tile_maps(values[sample], MAX_MAPS)
        shown = min(values.shape[1], MAX_MAPS)
        return grid, f"feature maps of sample {sample + 1} ({shown} of {values.shape[1]} channels)"
    if values.ndim == 3:  # (S, T, F) sequences or (S, C, L) 1-D convolutions
        return values[sample], f"sample {sample + 1}: rows = positions / channels, columns = features"
    if values.ndim == 2:  # (S, F)
        return values, "rows = probe samples, columns = units"
    return values.reshape(len(values), -1), "rows = probe samples"


class ActivationsView(ViewPanel):
    title = "Activations"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.block = QComboBox()
        self.block.setMinimumContentsLength(18)
        self.block.setToolTip("Block whose output is shown (follows the selection on the canvas)")
        self.block.setAccessibleName("Block")
        self.sample = QComboBox()
        self.sample.setToolTip("Probe sample for the map panel")
        self.sample.setAccessibleName("Sample")
        self.add_control("block", self.block)
        self.add_control("sample", self.sample)
        self.controls.addStretch(1)
        # a line of its own under the pickers, cut with "…" (the tooltip holds it) only where even
        # that is too narrow: the view never grows past the width "All views" planned for it
        self.summary = ElidedLabel("")
        self.summary.setVisible(False)
        self.layout().insertWidget(1, self.summary)
        self.hist_plot = self.graphics.addPlot(row=0, col=0, title="Output values")
        self.hist_plot.setLabel("bottom", "value")
        self.hist_plot.setLabel("left", "count")
        self.hist_curve = self.hist_plot.plot(stepMode="center", fillLevel=0, brush=(44, 160, 44, 150),
                                              pen=pg.mkPen(series_color(2)))
        self.mean_plot = self.graphics.addPlot(row=0, col=1, title="Mean per unit / channel")
        self.mean_plot.setLabel("bottom", "unit")
        self.mean_bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=series_color(0))
        self.mean_plot.addItem(self.mean_bars)
        self.map_plot = self.graphics.addPlot(row=1, col=0, colspan=2, title="")
        self.map_plot.invertY(True)
        self.map_plot.hideButtons()
        self.map_image = pg.ImageItem(axisOrder="row-major")
        self.map_plot.addItem(self.map_image)
        self.colorbar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=diverging(), interactive=False, width=14)
        self.colorbar.setImageItem(self.map_image, insert_in=self.map_plot)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.record: ActivationRecord | None = None
        self.node = ""
        self.step = -1
        self.image = np.zeros((0, 0))
        self.levels = (-1.0, 1.0)
        self.counts = np.zeros(0)
        self.edges = np.zeros(0)
        self._selected: list[str] = []
        self._shown: tuple = ()
        self.block.currentIndexChanged.connect(self.redraw)
        self.sample.currentIndexChanged.connect(self.redraw)

    def _sync_blocks(self, snapshot: ActivationsSnapshot) -> None:
        ids = list(snapshot)
        current = [self.block.itemData(i) for i in range(self.block.count())]
        selected = list(self.context.selected) if self.context else []
        follow = selected != self._selected
        self._selected = selected
        if ids == current and not follow:
            return
        keep = self.block.currentData()
        self.block.blockSignals(True)
        if ids != current:
            self.block.clear()
            for nid in ids:
                self.block.addItem(f"{snapshot[nid]['label']} ({snapshot[nid]['type']})", nid)
        pick = next((nid for nid in selected if nid in snapshot), None) if follow else None
        pick = pick or (keep if keep in snapshot else None)
        if pick is None:  # nothing chosen yet: the first hidden block rather than the input
            pick = next((nid for nid in ids if role_of(snapshot[nid]["type"]) != "input"), ids[0])
        self.block.setCurrentIndex(ids.index(pick))
        self.block.blockSignals(False)

    def _placeholder(self) -> str:
        graph = self.context.graph if self.context is not None else None
        if graph is None or not graph.nodes:
            return "Add blocks to the canvas: each block's output on a few samples appears once training starts."
        if self.pinned_step is not None and self.buffer is not None and self.buffer.snapshot("activations"):
            return f"No activations were recorded by step {self.pinned_step}."
        return "Press Start: the output of the selected block appears at the first recorded step."

    def draw(self) -> None:
        assert self.buffer is not None
        snap = self.buffer.snapshot_at("activations", self.pinned_step)
        if snap is None or not snap[1]:
            self.show_empty(self._placeholder())
            if self._shown:
                self._shown, self.record = (), None
                self.hist_curve.setData([], [])
                self.mean_bars.setOpts(x=[], height=[])
                self.map_image.clear()
                self.summary.setText("")
                self.summary.setVisible(False)
            return
        step, data = snap
        self._sync_blocks(data)
        node = self.block.currentData()
        record = data.get(node)
        if record is None:
            return
        values = np.asarray(record["values"], dtype=np.float64)
        samples = [f"{s + 1}" for s in range(len(values))]
        if [self.sample.itemText(i) for i in range(self.sample.count())] != samples:
            self.sample.blockSignals(True)
            self.sample.clear()
            self.sample.addItems(samples)
            self.sample.blockSignals(False)
        sample = max(self.sample.currentIndex(), 0)
        shown = (step, node, sample)
        if shown == self._shown:
            return
        self._shown, self.record, self.node, self.step = shown, record, node, step
        selected = self.context.selected if self.context else []
        if not selected:
            self.show_hint("Select a block on the canvas to see its output here.")
        elif not any(nid in data for nid in selected):
            self.show_hint("The selected block has no recorded output (it produces no floating-point tensor).")
        else:
            self.show_hint("")
        self._draw_summary(record, step)
        self._draw_histogram(values)
        means = np.asarray(record.get("mean", []), dtype=np.float64).reshape(-1)
        self.mean_bars.setOpts(x=np.arange(len(means)), height=means, width=0.8)
        shape = tuple(record["shape"])
        per_channel = len(shape) == 3 or (len(shape) == 2 and len(means) == shape[0] != shape[-1])
        self.mean_plot.setLabel("bottom", "channel" if per_channel else "unit")
        self._draw_map(values, sample)

    def _draw_summary(self, record: ActivationRecord, step: int) -> None:
        text = f"{record['label']} · {record['type']} · output {format_shape(tuple(record['shape']))}"
        dead = record.get("dead_fraction")
        if dead is not None:
            text += f" · dead ReLUs {100.0 * float(dead):.1f}%"
        self.summary.setText(text + f" · step {step}")
        self.summary.setVisible(True)

    def _draw_histogram(self, values: np.ndarray) -> None:
        flat = values[np.isfinite(values)]
        low, high = (float(flat.min()), float(flat.max())) if flat.size else (0.0, 1.0)
        if high <= low:
            low, high = low - 0.5, high + 0.5
        self.counts, self.edges = np.histogram(flat, bins=HIST_BINS, range=(low, high))
        self.hist_curve.setData(self.edges, self.counts)

    def _draw_map(self, values: np.ndarray, sample: int) -> None:
        image, caption = map_image(values, min(sample, len(values) - 1))
        finite = image[np.isfinite(image)]
        peak = float(np.abs(finite).max()) if finite.size else 1.0
        peak = peak if peak > 0 else 1.0
        nonnegative = finite.size > 0 and float(finite.min()) >= 0.0
        self.levels = (0.0, peak) if nonnegative else (-peak, peak)
        self.colorbar.setColorMap(sequential() if nonnegative else diverging())
        self.image = image
        self.map_image.setImage(image, levels=self.levels, autoLevels=False)
        self.colorbar.setLevels(self.levels)
        self.map_image.setRect(QRectF(0, 0, image.shape[1], image.shape[0]))
        tiles = values.ndim == 4
        self.map_plot.setAspectLocked(tiles)  # feature maps keep square pixels; matrices fill the panel
        for name in ("left", "bottom"):
            self.map_plot.showAxis(name, not tiles)
        self.map_plot.setRange(QRectF(0, 0, image.shape[1], image.shape[0]), padding=0.02)
        self.map_plot.setTitle(caption)

    def export_csv(self, path: str) -> None:
        """kind, sample, position, value: every output value on the probe samples (position is the
        index within one sample's output), each unit's mean, and the dead-ReLU fraction."""
        record = self.record or {}

        def rows():
            values = np.asarray(record.get("values", np.zeros((0,))), dtype=np.float64)
            for s in range(len(values)):
                for index in np.ndindex(values.shape[1:]):
                    yield "value", s + 1, ";".join(map(str, index)), float(values[(s, *index)])
            for u, m in enumerate(np.asarray(record.get("mean", []), dtype=np.float64).reshape(-1)):
                yield "mean", "", u, float(m)
            if record.get("dead_fraction") is not None:
                yield "dead_fraction", "", "", float(record["dead_fraction"])
        write_csv(path, ("kind", "sample", "position", "value"), rows())
