"""BandPlot: every variant's training loss per step, its mean over seeds drawn as a line inside
a band from the lowest to the highest seed (so the band holds every seed's curve), with log y
and, optionally, each seed's own curve drawn faint."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.experiments.compare import VariantResult
from playground.ui.views.colormaps import series_color


class VariantBand:
    """One variant's items in the plot: mean line, min and max edges, the fill between, seeds."""

    def __init__(self, plot: pg.PlotItem, result: VariantResult, index: int, show_seeds: bool) -> None:
        color = QColor(series_color(index))
        steps, mean, low, high = result.band()
        self.result = result
        self.low = pg.PlotDataItem(steps, low, pen=pg.mkPen(color, width=0.5))
        self.high = pg.PlotDataItem(steps, high, pen=pg.mkPen(color, width=0.5))
        fill = QColor(color)
        fill.setAlpha(60)
        self.fill = pg.FillBetweenItem(self.low, self.high, brush=pg.mkBrush(fill))
        self.mean = pg.PlotDataItem(steps, mean, pen=pg.mkPen(color, width=2), name=result.name)
        faint = QColor(color)
        faint.setAlpha(110)
        self.seeds = [pg.PlotDataItem(np.arange(1, len(run.losses) + 1), run.losses, pen=pg.mkPen(faint, width=1),
                                      connect="finite") for run in result.runs]
        for item in (self.fill, self.low, self.high, *self.seeds, self.mean):
            plot.addItem(item)
        self.show_seeds(show_seeds)

    def show_seeds(self, on: bool) -> None:
        for item in self.seeds:
            item.setVisible(on)


class BandPlot(QWidget):
    """``show(results)`` draws them; ``bands`` holds what is drawn (for the tests and export)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.note = QLabel("Training loss per step: line = mean over seeds, band = lowest to highest seed")
        self.note.setAccessibleName("What the band shows")
        row.addWidget(self.note, 1)
        self.log_y = QCheckBox("log y")
        self.log_y.setChecked(True)
        self.log_y.setAccessibleName("Logarithmic loss axis")
        self.log_y.setToolTip("Draw the loss on a logarithmic axis")
        self.each_seed = QCheckBox("each seed")
        self.each_seed.setAccessibleName("Show each seed's curve")
        self.each_seed.setToolTip("Also draw every seed's own curve, faint, inside its band")
        row.addWidget(self.log_y)
        row.addWidget(self.each_seed)
        layout.addLayout(row)
        self.widget = pg.PlotWidget()
        self.widget.setAccessibleName("Loss curves of the variants")
        self.widget.setToolTip("Mean training loss of each variant over its seeds, with the min–max band")
        self.plot = self.widget.getPlotItem()
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "training loss")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        layout.addWidget(self.widget, 1)
        self.bands: list[VariantBand] = []
        self.log_y.toggled.connect(lambda on: self.plot.setLogMode(y=on))
        self.each_seed.toggled.connect(lambda on: [band.show_seeds(on) for band in self.bands])
        self.plot.setLogMode(y=True)

    def show(self, results: list[VariantResult]) -> None:  # type: ignore[override]
        self.plot.clear()
        self.legend.clear()
        self.bands = [VariantBand(self.plot, result, i, self.each_seed.isChecked()) for i, result in enumerate(results)]
        self.plot.setLogMode(y=self.log_y.isChecked())
        self.plot.enableAutoRange()
