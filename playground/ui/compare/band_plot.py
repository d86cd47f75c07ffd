"""BandPlot: every variant's training loss per step, its mean over seeds drawn as a line inside
a band from the lowest to the highest seed (so the band holds every seed's curve), with log y
and, optionally, each seed's own curve drawn faint."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.experiments.compare import VariantResult
from playground.ui.compare.plot_theme import apply_theme
from playground.ui.views.colormaps import series_color

LOG_FLOOR = 1e-12  # a loss of exactly 0 still has a place on the log axis


def shown(values: np.ndarray, log: bool) -> np.ndarray:
    """Values as drawn: log10 on a log axis (the band is filled in that space too: pyqtgraph's
    FillBetweenItem does not follow a plot's log mode, so the plot never uses it)."""
    return np.log10(np.maximum(values, LOG_FLOOR)) if log else values


class VariantBand:
    """One variant's items in the plot: mean line, min and max edges, the fill between, seeds.
    ``values`` holds what they show: (steps, mean, min, max) over seeds."""

    def __init__(self, plot: pg.PlotItem, result: VariantResult, index: int, show_seeds: bool, log: bool) -> None:
        color = QColor(series_color(index))
        self.result = result
        self.values = steps, mean, low, high = result.band()
        self.low = pg.PlotDataItem(steps, shown(low, log), pen=pg.mkPen(color, width=0.5))
        self.high = pg.PlotDataItem(steps, shown(high, log), pen=pg.mkPen(color, width=0.5))
        fill = QColor(color)
        fill.setAlpha(60)
        self.fill = pg.FillBetweenItem(self.low, self.high, brush=pg.mkBrush(fill))
        self.mean = pg.PlotDataItem(steps, shown(mean, log), pen=pg.mkPen(color, width=2), name=result.name)
        faint = QColor(color)
        faint.setAlpha(110)
        self.seeds = [pg.PlotDataItem(np.arange(1, len(run.losses) + 1), shown(run.losses, log),
                                      pen=pg.mkPen(faint, width=1), connect="finite") for run in result.runs]
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
        self.results: list[VariantResult] = []
        apply_theme(self.widget)
        self.log_y.toggled.connect(lambda _on: self.show(self.results))
        self.each_seed.toggled.connect(lambda on: [band.show_seeds(on) for band in self.bands])

    def show(self, results: list[VariantResult]) -> None:  # type: ignore[override]
        self.results = list(results)
        self.plot.clear()
        self.legend.clear()
        log = self.log_y.isChecked()
        self.plot.getAxis("left").setLogMode(log)  # the ticks read 10^y; the data is already log10
        self.bands = [VariantBand(self.plot, result, i, self.each_seed.isChecked(), log)
                      for i, result in enumerate(results)]
        self.plot.enableAutoRange()
