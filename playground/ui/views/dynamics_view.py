"""DynamicsView: learning dynamics of deep linear networks on hierarchical data: the strength of each
singular mode over time with the analytic (Saxe et al.) curves overlaid, and the hidden-layer
similarity matrix of the items at the step the window's timeline shows."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QWidget

from playground.train.snapshots import ModesSnapshot, SimilaritySnapshot
from playground.ui.views.colormaps import diverging, series_color
from playground.ui.views.export import write_csv
from playground.ui.views.view_panel import ViewPanel

MAX_MODES = 10


class DynamicsView(ViewPanel):
    title = "Learning dynamics"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.time_label = QLabel("")
        self.time_label.setToolTip("The step of the similarity matrix; move the timeline at the bottom of the "
                                   "window to choose another")
        self.add_control("", self.time_label)
        self.controls.addStretch(1)
        self.mode_plot = self.graphics.addPlot(row=0, col=0, title="Mode strength (solid) vs. analytic (dashed)")
        self.mode_plot.setLabel("bottom", "step")
        self.mode_plot.setLabel("left", "strength")
        self.mode_plot.getAxis("left").enableAutoSIPrefix(False)
        self.legend = self.mode_plot.addLegend(offset=(-4, 4), labelTextSize="8pt", verSpacing=-6, colCount=2)
        self.strength_curves: list[pg.PlotDataItem] = []
        self.analytic_curves: list[pg.PlotDataItem] = []
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", width=1))
        self.mode_plot.addItem(self.cursor, ignoreBounds=True)
        self.sim_plot = self.graphics.addPlot(row=0, col=1, title="Hidden-layer similarity")
        self.sim_plot.invertY(True)
        self.sim_plot.setAspectLocked(True)
        self.sim_plot.hideButtons()
        self.sim_image = pg.ImageItem(axisOrder="row-major")
        self.sim_plot.addItem(self.sim_image)
        self.colorbar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=diverging(), interactive=False, width=14)
        self.colorbar.setImageItem(self.sim_image, insert_in=self.sim_plot)
        self.modes: list[tuple[int, ModesSnapshot]] = []
        self.similarity: list[tuple[int, SimilaritySnapshot]] = []
        self.matrix = np.zeros((0, 0))
        self.items: list[str] = []
        self._modes_key: tuple = ()
        self._sim_key: tuple = ()
        self.sim_step: int | None = None  # the step of the matrix shown

    def _mode_curves(self, singular: np.ndarray) -> None:
        while len(self.strength_curves) < min(len(singular), MAX_MODES):
            i = len(self.strength_curves)
            color = series_color(i)
            name = f"mode {i + 1} (s={singular[i]:.2g})"
            self.strength_curves.append(self.mode_plot.plot(pen=pg.mkPen(color, width=2), name=name))
            self.analytic_curves.append(self.mode_plot.plot(pen=pg.mkPen(color, width=1.5,
                                                                         style=Qt.PenStyle.DashLine)))

    def draw(self) -> None:
        buffer = self.buffer
        assert buffer is not None
        latest = buffer.snapshot("modes")
        if latest is None:
            self.show_empty(self._placeholder())
            if self._modes_key:
                self._modes_key, self._sim_key, self.modes, self.similarity = (), (), [], []
                for curve in self.strength_curves + self.analytic_curves:
                    curve.setData([], [])
                self.sim_image.clear()
            return
        self.show_hint("")
        key = (latest[0], id(latest[1]))
        if key != self._modes_key:
            self._modes_key = key
            self.modes = buffer.snapshot_history("modes") or [latest]
            self._draw_modes()
        sim = buffer.snapshot("similarity")
        if sim is not None and (sim[0], id(sim[1])) != self._sim_key:
            self._sim_key = (sim[0], id(sim[1]))
            self.similarity = buffer.snapshot_history("similarity") or [sim]
        self._show_similarity()
        self.cursor.setPos(self.pinned_step if self.pinned_step is not None else latest[0])

    def _placeholder(self) -> str:
        bundle = self.context.bundle if self.context is not None else None
        meta = getattr(bundle, "meta", None) or {}
        task = getattr(bundle, "task", None)
        if "correlation" in meta and task is not None and task.task == "regression":
            return "Press Start: the strength of each mode of this data appears from the first recorded step."
        return ("Learning dynamics are shown for regression on hierarchical data (try the deep linear "
                "network template); this dataset has none.")

    def _draw_modes(self) -> None:
        steps = np.array([s for s, _ in self.modes], dtype=np.float64)
        strength = np.stack([np.asarray(d["strength"], dtype=np.float64) for _, d in self.modes])
        analytic = np.stack([np.asarray(d["analytic"], dtype=np.float64) for _, d in self.modes])
        singular = np.asarray(self.modes[-1][1]["singular_values"], dtype=np.float64)
        self._mode_curves(singular)
        for i, (curve, ref) in enumerate(zip(self.strength_curves, self.analytic_curves, strict=True)):
            if i >= strength.shape[1]:
                curve.setData([], [])
                ref.setData([], [])
                continue
            curve.setData(steps, strength[:, i])
            ref.setData(steps, analytic[:, i])
        top = max(float(np.nanmax(strength)), float(singular.max()) if len(singular) else 0.0, 1e-9)
        low = min(float(np.nanmin(strength)), 0.0)
        self.mode_plot.setYRange(low, top * 1.4, padding=0.02)  # head room for the legend

    def _show_similarity(self) -> None:
        if not self.similarity:
            return
        index = len(self.similarity) - 1
        if self.pinned_step is not None:
            steps = [s for s, _ in self.similarity]
            index = max(int(np.searchsorted(steps, self.pinned_step, side="right")) - 1, 0)
        step, data = self.similarity[index]
        self.sim_step = step
        self.matrix = np.asarray(data["matrix"], dtype=np.float64)
        self.items = [str(i) for i in data.get("items", range(len(self.matrix)))]
        n = len(self.matrix)
        self.sim_image.setImage(self.matrix, levels=(-1.0, 1.0), autoLevels=False)
        self.sim_image.setRect(QRectF(0, 0, n, n))
        ticks = [[(i + 0.5, label) for i, label in enumerate(self.items)], []]
        self.sim_plot.getAxis("bottom").setTicks(ticks)
        left = self.sim_plot.getAxis("left")
        left.setTicks(ticks)
        left.setWidth(12 + 7 * max((len(t) for t in self.items), default=1))
        self.sim_plot.setRange(QRectF(0, 0, n, n), padding=0.02)
        self.sim_plot.setTitle(f"Hidden-layer similarity at step {step}")
        latest = index == len(self.similarity) - 1
        self.time_label.setText(f"step {step}" + (" (latest)" if latest else ""))

    def export_csv(self, path: str) -> None:
        """Mode rows (step, mode, strength, analytic, singular_value) and similarity rows
        (step, item_a, item_b, similarity) of the moment shown, in one table."""
        def rows():
            for step, d in self.modes:
                for i, (a, r) in enumerate(zip(d["strength"], d["analytic"], strict=True)):
                    yield "mode", step, i + 1, float(a), float(r), float(d["singular_values"][i]), "", "", ""
            if self.similarity:
                step = self.sim_step
                for a, name_a in enumerate(self.items):
                    for b, name_b in enumerate(self.items):
                        yield "similarity", step, "", "", "", "", name_a, name_b, float(self.matrix[a, b])
        write_csv(path, ("kind", "step", "mode", "strength", "analytic", "singular_value", "item_a", "item_b",
                         "similarity"), rows())
