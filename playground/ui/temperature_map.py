"""TemperatureMap: a recorded attention map redrawn at a softmax temperature chosen on a slider.

softmax(scores / T) comes exactly from the recorded probabilities
(``playground.analysis.temperature``): T -> 0 saturates every row into one key, a large T spreads
it evenly. The label gives T and the rows' mean entropy there (over every recorded sample), so
the saturation is measured, not only seen.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from playground.analysis.temperature import at_temperature, row_entropy
from playground.ui.views.colormaps import sequential

DECADES = 2.0  # the slider spans 10^-2 .. 10^2
STEPS_PER_DECADE = 25


def temperature_at(position: int) -> float:
    """The temperature of a slider position (0 in the middle: T = 1)."""
    return float(10.0 ** (position / STEPS_PER_DECADE))


class TemperatureMap(QWidget):
    """``maps``: (samples, queries, keys) softmax rows of one head; sample 0 is drawn."""

    def __init__(self, maps: np.ndarray, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("temperature_map")
        self.maps = np.asarray(maps, dtype=np.float64)
        if self.maps.ndim == 2:
            self.maps = self.maps[None]
        self.temperature = 1.0
        self.shown = self.maps[0]
        self.entropy = row_entropy(self.maps)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAccessibleName("Attention map at the chosen temperature")
        self.graphics.setToolTip("The head's attention map (query rows × key columns) at the chosen temperature")
        self.graphics.setMinimumSize(260, 240)
        self.plot = self.graphics.addPlot(title=title or None)
        self.plot.setLabel("bottom", "key")
        self.plot.setLabel("left", "query")
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(sequential())
        self.plot.addItem(self.image)
        layout.addWidget(self.graphics, 1)
        row = QHBoxLayout()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("softmax_temperature")
        self.slider.setAccessibleName("Softmax temperature")
        self.slider.setToolTip("Divide the attention scores by T before the softmax: low T saturates each row "
                               "into one key, high T spreads it evenly")
        span = int(DECADES * STEPS_PER_DECADE)
        self.slider.setRange(-span, span)
        self.slider.setValue(0)
        self.slider.valueChanged.connect(self._moved)
        self.label = QLabel()
        self.label.setObjectName("temperature_entropy")
        self.label.setAccessibleName("Temperature and entropy")
        self.label.setToolTip("Mean entropy of the map's rows over the recorded samples, divided by log(keys)")
        row.addWidget(QLabel("Softmax temperature"))
        row.addWidget(self.slider, 1)
        layout.addLayout(row)
        layout.addWidget(self.label)  # its own line: the slider keeps the row's width
        self.set_temperature(1.0)

    def _moved(self, position: int) -> None:
        self.set_temperature(temperature_at(position))

    def set_temperature(self, temperature: float) -> None:
        """Redraw at ``temperature`` (the slider follows the nearest position)."""
        self.temperature = float(temperature)
        position = round(math.log10(self.temperature) * STEPS_PER_DECADE)
        if position != self.slider.value():
            self.slider.blockSignals(True)
            self.slider.setValue(position)
            self.slider.blockSignals(False)
        hot = at_temperature(self.maps, self.temperature)
        self.shown = hot[0]
        self.entropy = row_entropy(hot)
        self.image.setImage(self.shown, levels=(0.0, 1.0))
        self.label.setText(f"T = {self.temperature:.3g}: entropy {self.entropy:.2f} (one key 0, even 1)")
