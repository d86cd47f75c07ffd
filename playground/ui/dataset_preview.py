"""A quick look at a dataset before training: a scatter for 2-D data, a curve for 1-D regression,
a sample grid for images, and sample sequences, matrices or tables as text.

The arrays come from ``playground.data.preview``; this widget only draws them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from playground.data import DataBundle, preview

CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf")
MAX_ITEMS = 1500
GRID = 6  # images shown as a GRID×GRID mosaic
TEXT_ROWS = 14


class DatasetPreview(QWidget):
    """Shows one DataBundle; ``kind`` names what is showing ("points", "curve", "images",
    "sequences", "matrix", "table")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = "none"
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(150)
        self.scatter = pg.ScatterPlotItem(size=5, pen=None)
        self.plot.addItem(self.scatter)
        self.image_view = pg.GraphicsLayoutWidget()
        self.image_view.setMinimumHeight(150)
        self.image_box = self.image_view.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image = pg.ImageItem()
        self.image_box.addItem(self.image)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFont("monospace", 9))
        for page in (self.plot, self.image_view, self.text):
            self.stack.addWidget(page)
        self.setToolTip("A sample of the data (training and validation examples)")

    def apply_theme(self, theme: str) -> None:
        background = "#1e1f22" if theme == "dark" else "w"
        self.plot.setBackground(background)
        self.image_view.setBackground(background)

    def show_bundle(self, bundle: DataBundle) -> None:
        data = preview(bundle, MAX_ITEMS)
        self.kind = data["kind"]
        if self.kind == "points":
            self._scatter(data["points"][:, 0], data["points"][:, 1], data["labels"],
                          bundle.task.task == "classification")
        elif self.kind == "curve":
            self._scatter(np.asarray(data["x"]), np.asarray(data["y"]), None, False)
        elif self.kind == "images":
            self._images(np.asarray(data["images"]))
        else:
            self._text(bundle, data)

    def _scatter(self, xs: np.ndarray, ys: np.ndarray, labels: np.ndarray | None, classes: bool) -> None:
        self.stack.setCurrentWidget(self.plot)
        if labels is not None and classes:
            brushes = [pg.mkBrush(c) for c in CLASS_COLOURS]
            self.scatter.setData(xs, ys, brush=[brushes[int(k) % len(brushes)] for k in labels])
        elif labels is not None:
            values = np.asarray(labels, dtype=np.float64)
            lo, hi = float(values.min()), float(values.max())
            colours = pg.colormap.get("viridis").map((values - lo) / (hi - lo or 1.0), mode="qcolor")
            self.scatter.setData(xs, ys, brush=[pg.mkBrush(c) for c in colours])
        else:
            self.scatter.setData(xs, ys, brush=pg.mkBrush(CLASS_COLOURS[0]))
        self.plot.autoRange()

    def _images(self, images: np.ndarray) -> None:
        self.stack.setCurrentWidget(self.image_view)
        count = min(len(images), GRID * GRID)
        h, w = images.shape[1:3]
        lo = float(images[:count].min()) if count else 0.0
        hi = float(images[:count].max()) if count else 1.0
        mosaic = np.full((GRID * (h + 1), GRID * (w + 1)), lo, dtype=np.float32)
        for i in range(count):
            r, c = divmod(i, GRID)
            mosaic[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = images[i]
        # ImageItem indexes [x, y]: transpose so image rows stay rows
        self.image.setImage(mosaic.T, levels=(lo, hi if hi > lo else lo + 1.0))
        self.image_box.autoRange()

    def _text(self, bundle: DataBundle, data: dict[str, Any]) -> None:
        self.stack.setCurrentWidget(self.text)
        lines = [bundle.describe(), ""]
        if self.kind == "sequences":
            outs = data.get("targets") or data.get("labels") or []
            for seq, out in list(zip(data["inputs"], outs, strict=False))[:TEXT_ROWS]:
                lines.append(f"{seq}  →  {out}")
        elif self.kind == "matrix":
            cols = list(data["cols"])
            lines.append(" " * 12 + " ".join(f"{c[:6]:>6}" for c in cols))
            for name, row in list(zip(data["rows"], np.asarray(data["matrix"]), strict=False))[:TEXT_ROWS]:
                lines.append(f"{str(name)[:12]:<12}" + " ".join(f"{v:6.2f}" for v in row))
        else:
            lines.append("  ".join(f"{str(c)[:10]:>10}" for c in data["columns"]))
            for row in np.asarray(data["rows"])[:TEXT_ROWS]:
                lines.append("  ".join(f"{v:10.3g}" for v in row))
        self.text.setPlainText("\n".join(lines))
