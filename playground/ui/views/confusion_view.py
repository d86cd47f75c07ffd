"""ConfusionView: the validation confusion matrix of a classifier (rows: true class, columns:
predicted), as counts or row shares; below it a table of per-class precision, recall and F1 and
a gallery of the most confidently wrong validation examples (for 2-D data they are also ringed
on the decision boundary, ``BoundaryView.highlight_points``).

What it draws comes from ``playground.analysis.confusion``: handed over with
``set_confusion``, or read from the recorded "confusion" snapshot at the timeline's step
(``{"counts": C×C array, "wrong_index", "wrong_true", "wrong_predicted", "wrong_confidence"}``,
``playground.train.snapshots.ConfusionSnapshot``), so the mistakes follow the timeline too.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QCheckBox, QSplitter, QTabWidget, QWidget

from playground.analysis.confusion import Confusion, WrongExample
from playground.train.metrics import MetricsBuffer
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.class_metrics_table import ClassMetricsTable
from playground.ui.views.colormaps import sequential
from playground.ui.views.export import write_csv
from playground.ui.views.mistakes_gallery import MistakesGallery
from playground.ui.views.view_panel import ViewPanel

MAX_TEXT_CLASSES = 12  # beyond this, numbers in the cells would not be readable
TABLES_MIN_HEIGHT = 110


def recorded_confusion(snap: object) -> Confusion | None:
    """The Confusion of a recorded "confusion" snapshot (None: not one)."""
    counts = snap.get("counts") if isinstance(snap, dict) else None
    if counts is None:
        return None
    columns = [np.asarray(snap.get(k, []), dtype=np.float64).reshape(-1)  # type: ignore[union-attr]
               for k in ("wrong_index", "wrong_true", "wrong_predicted", "wrong_confidence")]
    wrong = [WrongExample(int(i), None, int(t), int(p), float(c)) for i, t, p, c in zip(*columns, strict=False)]
    return Confusion(torch.as_tensor(np.asarray(counts), dtype=torch.long), wrong)


class ConfusionView(ViewPanel):
    title = "Confusion"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy_budget = None  # drawn only when a new matrix arrives
        self.normalise = QCheckBox("row shares")
        self.normalise.setChecked(True)
        self.normalise.setAccessibleName("Confusion: show row shares")
        self.normalise.setToolTip("Show each row as shares of its true class (on) or raw counts (off)")
        self.add_control("", self.normalise)
        self.controls.addStretch(1)
        self.plot = self.graphics.addPlot(title="Confusion")
        self.plot.setLabel("bottom", "predicted class")
        self.plot.setLabel("left", "true class")
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=sequential(), interactive=False, width=14)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.texts: list[pg.TextItem] = []
        self.class_table = ClassMetricsTable()
        self.gallery = MistakesGallery()
        self.tables = QTabWidget()
        self.tables.setAccessibleName("Confusion: per-class scores and mistakes")
        self.tables.setToolTip("Per-class precision, recall and F1; the most confidently wrong validation examples")
        self.tables.addTab(self.class_table, "Per class")
        self.tables.addTab(self.gallery, "Most confident mistakes")
        # the matrix above, the tables below, the share between them the person's to choose
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.body.removeWidget(self.graphics)
        self.split.addWidget(self.graphics)
        self.split.addWidget(self.tables)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setSizes([300, 200])
        self.split.setChildrenCollapsible(False)
        self.tables.setMinimumHeight(TABLES_MIN_HEIGHT)
        self.body.addWidget(self.split, 1)
        self.given: Confusion | None = None
        self.shown: Confusion | None = None
        self.normalise.toggled.connect(lambda _on: self._draw_matrix())
        self.plot.vb.sigResized.connect(lambda _vb: self._fit_texts())

    def set_confusion(self, result: Confusion | None) -> None:
        """Show ``result`` (None: nothing) now."""
        self.given = result
        self._show(result)

    def draw_key(self, buffer: MetricsBuffer) -> object | None:
        snap = buffer.snapshot_at("confusion", self.pinned_step)  # a new matrix, not every step, redraws
        return id(buffer), id(self.given), None if snap is None else (snap[0], id(snap[1]))

    def draw(self) -> None:
        if self.given is not None:
            self._show(self.given)
            return
        if self.buffer is None:
            snap = None
        elif self.pinned_step is not None:  # the timeline: the matrix recorded at or before that step
            snap = self.buffer.snapshot_at("confusion", self.pinned_step)
        else:
            snap = self.buffer.snapshot("confusion")
        self._show(recorded_confusion(snap[1]) if snap is not None else None)

    def _show(self, result: Confusion | None) -> None:
        self.shown = result
        if result is None:
            self.show_hint("No confusion matrix yet: train a classifier, then its validation "
                           "mistakes show here (rows: true class, columns: predicted).")
            self.image.clear()
            self._clear_texts()
            self.tables.setVisible(False)
            self.class_table.set_confusion(None)
            self.gallery.set_examples([], None)
            self._highlight([])
            return
        f1 = result.f1
        worst = int(torch.argmin(f1))
        self.show_hint(f"accuracy {result.accuracy:.3f} ({result.correct} of {result.total}); "
                       f"macro F1 {float(f1.mean()):.3f}; weakest class {worst} "
                       f"(precision {float(result.precision[worst]):.2f}, recall {float(result.recall[worst]):.2f})")
        self._draw_matrix()
        bundle = self.context.bundle if self.context is not None else None
        names = (getattr(bundle, "meta", {}) or {}).get("class_names") if bundle is not None else None
        self.tables.setVisible(True)
        self.class_table.set_confusion(result, names)
        self.gallery.set_examples(result.wrong, bundle, names)
        self.tables.setTabText(1, f"Most confident mistakes ({len(result.wrong)})")
        planar = bundle is not None and tuple(bundle.task.input_shape) == (2,) and bundle.x_val.dtype.is_floating_point
        self._highlight([tuple(map(float, bundle.x_val[w.index].tolist())) for w in result.wrong
                         if w.index < len(bundle.x_val)] if planar else [])

    def _highlight(self, points: list) -> None:
        """Ring the mistakes on the window's decision boundary, where there is one."""
        for boundary in self.window().findChildren(BoundaryView) if self.window() is not self else []:
            boundary.highlight_points(points or None)

    def _clear_texts(self) -> None:
        for t in self.texts:
            self.plot.removeItem(t)
        self.texts = []

    def _draw_matrix(self) -> None:
        result = self.shown
        if result is None:
            return
        c = result.classes
        shares = result.normalised.numpy().astype(np.float32)
        counts = result.counts.numpy()
        rows = self.normalise.isChecked()
        matrix = shares if rows else counts.astype(np.float32)
        top = 1.0 if rows else max(float(matrix.max()), 1.0)
        self.image.setImage(matrix, levels=(0.0, top), autoLevels=False)
        self.colorbar.setLevels((0.0, top))
        self.image.setRect(QRectF(0, 0, c, c))
        self._clear_texts()
        if c <= MAX_TEXT_CLASSES:
            for t in range(c):
                for p in range(c):
                    value = f"{shares[t, p]:.2f}" if rows else str(int(counts[t, p]))
                    # viridis: dark cells at the low end take white text, bright ones black
                    item = pg.TextItem(value, color="k" if matrix[t, p] > 0.6 * top else "w", anchor=(0.5, 0.5))
                    item.setPos(p + 0.5, t + 0.5)
                    self.plot.addItem(item)
                    self.texts.append(item)
        self.plot.setTitle(f"Confusion ({'row shares' if rows else 'counts'})")
        self.plot.setRange(QRectF(0, 0, c, c), padding=0.02)
        self._fit_texts()

    def _fit_texts(self) -> None:
        """Each cell's number only where the cells are large enough on screen to hold it, and the class
        ticks every k-th class where one per cell would overlap: in a small dock ten classes' numbers
        and ticks ran into each other (the per-class table and the CSV keep every number)."""
        result = self.shown
        if result is None:
            return
        width, height = self.plot.vb.viewPixelSize()  # data units per pixel; a cell is 1 × 1
        if width <= 0 or height <= 0:
            return
        metrics = QFontMetrics(self.plot.getAxis("left").style.get("tickFont") or self.font())
        every = max(1, math.ceil(metrics.height() * height))  # classes per tick, so labels do not touch
        ticks = [[(i + 0.5, str(i)) for i in range(0, result.classes, every)], []]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        if self.texts:
            font = QFontMetrics(self.texts[0].textItem.font())
            widest = max(font.horizontalAdvance(t.textItem.toPlainText()) for t in self.texts)
            fits = 1 / width >= widest + 4 and 1 / height >= font.height()
            for item in self.texts:
                item.setVisible(fits)

    def export_csv(self, path: str) -> None:
        """One row per cell: true, predicted, count, row_share; then precision, recall, F1 per class."""
        result = self.shown
        header = ("row", "true", "predicted", "count", "row_share", "precision", "recall", "f1")
        if result is None:  # nothing to show yet: the header alone
            write_csv(path, header, iter(()))
            return
        shares = result.normalised

        def rows():
            for t in range(result.classes):
                for p in range(result.classes):
                    yield ("cell", t, p, int(result.counts[t, p]), float(shares[t, p]), "", "", "")
            for k in range(result.classes):
                yield ("class", k, "", "", "", float(result.precision[k]), float(result.recall[k]),
                       float(result.f1[k]))
        write_csv(path, header, rows())
