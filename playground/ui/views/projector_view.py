"""ProjectorView: a block's activations on the first validation samples, on their principal
plane (PCA), coloured by class (or by target value), at the step the timeline shows, so a person
watches the classes pull apart during training.

It draws the recorded "projection" kind (``playground.train.projection``); the block is chosen
in a list of the blocks that kind holds. The hint names the variance the plane keeps and the
classes' separation score (``playground.analysis.projector.separation``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QWidget

from playground.analysis.projector import (
    KIND,
    ProjectedPoints,
    projected_blocks,
    projected_points,
    separation,
)
from playground.ui.views.colormaps import class_color, lookup_table
from playground.ui.views.export import write_csv
from playground.ui.views.view_panel import ViewPanel

MAX_LEGEND = 16


class ProjectorView(ViewPanel):
    title = "Projector"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.block = QComboBox()
        self.block.setAccessibleName("Projector: block")
        self.block.setToolTip("The block whose activations on the validation samples are projected "
                              "onto their two principal axes")
        # narrow by itself (long names are elided), so "All views" can fit it beside the others
        self.block.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.block.setMinimumContentsLength(2)
        self.block.setMaximumWidth(260)
        self.controls.addWidget(self.block, 1)  # grows with the room it has, up to 260 px
        self.controls.addStretch(2)
        self.plot = self.graphics.addPlot()
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "principal axis 1")
        self.plot.setLabel("left", "principal axis 2")
        self.plot.hideButtons()
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#303030", width=0.6))
        self.plot.addItem(self.scatter)
        self.legend = pg.LegendItem(labelTextSize="8pt", offset=(-4, 4))
        self.legend.setParentItem(self.plot.vb)
        self._legend_of: tuple = ()
        self.chosen: str | None = None  # node id the person picked (kept while the list changes)
        self.shown: ProjectedPoints | None = None
        self._blocks: dict[str, str] = {}
        self.block.currentIndexChanged.connect(self._picked)

    def _picked(self, index: int) -> None:
        nid = self.block.itemData(index)
        if nid is not None and nid != self.chosen:
            self.chosen = nid
            self.redraw()

    def _snapshot(self) -> tuple[int, Any] | None:
        if self.buffer is None:
            return None
        if self.pinned_step is not None:
            return self.buffer.snapshot_at(KIND, self.pinned_step)
        return self.buffer.snapshot(KIND)

    def _update_blocks(self, blocks: dict[str, str]) -> None:
        if blocks == self._blocks:
            return
        self._blocks = dict(blocks)
        if self.chosen not in blocks:
            # the last block (the network's answer before the loss) is where classes separate most
            self.chosen = list(blocks)[-1] if blocks else None
        self.block.blockSignals(True)
        self.block.clear()
        for nid, label in blocks.items():
            self.block.addItem(label, nid)
        if self.chosen is not None:
            self.block.setCurrentIndex(list(blocks).index(self.chosen))
        self.block.blockSignals(False)

    def draw(self) -> None:
        snap = self._snapshot()
        blocks = projected_blocks(snap[1]) if snap is not None else {}
        self._update_blocks(blocks)
        shown = projected_points(snap[0], snap[1], self.chosen) if snap is not None and self.chosen else None
        self.shown = shown
        if shown is None or not len(shown.points):
            self.scatter.setData([], [])
            self.show_empty("No projection yet: train a network, then each block's activations on the "
                            "validation samples show here on their two principal axes.")
            return
        points = shown.points.astype(np.float64)
        self.scatter.setData(points[:, 0], points[:, 1], brush=self._brushes(shown))
        self._update_legend(shown)
        share = shown.variance[0] + shown.variance[1]
        text = f"{shown.label} at step {shown.step}: {len(points)} validation samples; the plane keeps {share:.0%} of the variance"
        if shown.classes:
            text += f"; class separation {separation(shown.points, shown.targets):.2f}"
        self.show_hint(text)
        # symmetric about the centre with a margin, so the cloud keeps its place while it moves
        span = float(np.abs(points).max()) * 1.1 or 1.0
        self.plot.setRange(xRange=(-span, span), yRange=(-span, span), padding=0)

    def _update_legend(self, shown: ProjectedPoints) -> None:
        """One entry per class present (by its name where the dataset has names), up to MAX_LEGEND."""
        bundle = self.context.bundle if self.context is not None else None
        names = (getattr(bundle, "meta", {}) or {}).get("class_names") if bundle is not None else None
        present = tuple(int(c) for c in np.unique(shown.targets)) if shown.classes else ()
        key = (present, tuple(names or ()))
        if key == self._legend_of:
            return
        self._legend_of = key
        self.legend.clear()
        for c in present[:MAX_LEGEND]:
            sample = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(*class_color(c)), pen=pg.mkPen("#303030", width=0.6))
            self.legend.addItem(sample, str(names[c]) if names and c < len(names) else f"class {c}")
        self.legend.setVisible(bool(present))

    def _brushes(self, shown: ProjectedPoints) -> list[Any]:
        targets = np.asarray(shown.targets)
        if shown.classes:
            cache = {int(c): pg.mkBrush(*class_color(int(c))) for c in np.unique(targets)}
            return [cache[int(c)] for c in targets]
        low, high = float(targets.min()), float(targets.max())
        index = np.clip((targets - low) / ((high - low) or 1.0) * 255, 0, 255).astype(np.uint8)
        lut = lookup_table("sequential")
        return [pg.mkBrush(*lut[i]) for i in index]

    def export_csv(self, path: str) -> None:
        """One row per sample of the shown block: sample, axis_1, axis_2, target."""
        shown = self.shown
        rows = [] if shown is None else [(i, float(p[0]), float(p[1]), t.item())
                                         for i, (p, t) in enumerate(zip(shown.points, shown.targets, strict=True))]
        write_csv(path, ("sample", "axis_1", "axis_2", "target"), iter(rows))
