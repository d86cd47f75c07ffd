"""BoundaryView: for 2-D inputs, the network's output over the plane (class colours or a
regression surface) at the step the timeline shows, with training and test points on top;
test-points and discretize toggles."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QWidget

from playground.train.snapshots import BoundarySnapshot
from playground.ui.views.colormaps import class_color, diverging, lookup_table, sequential
from playground.ui.views.export import write_csv
from playground.ui.views.view_panel import ViewPanel

LIGHTEN = 0.55  # how much of the colour the background keeps, so points stand out
BANDS = 10  # levels of a discretized regression surface
SIDE_MARGIN = 6  # pixels around the plot


def class_probabilities(output: np.ndarray) -> np.ndarray:
    """(G, G, C) class probabilities from a boundary output: (G, G) is P(class 1) of a binary task."""
    if output.ndim == 2:
        return np.stack([1.0 - output, output], axis=-1)
    return output


def class_image(output: np.ndarray, discrete: bool) -> np.ndarray:
    """(G, G, 3) uint8 colours: probabilities mixed from the class colours (orange–white–blue for two
    classes, as in the classic playground), or the colour of the most likely class."""
    probs = class_probabilities(np.asarray(output, dtype=np.float64))
    classes = probs.shape[-1]
    if discrete:
        winner = probs.argmax(axis=-1)
        probs = np.eye(classes)[winner]
    if classes == 2:
        rgb = lookup_table("diverging")[np.clip(probs[..., 1] * 255, 0, 255).astype(np.uint8)].astype(np.float64)
    else:
        colors = np.array([class_color(c) for c in range(classes)], dtype=np.float64)
        rgb = probs @ colors
    return (255.0 - (255.0 - rgb) * LIGHTEN).astype(np.uint8)


def _fingerprint(values: Any) -> tuple:
    """Cheap identity of a points array by content (a few hundred points: microseconds)."""
    if values is None:
        return ()
    array = np.ascontiguousarray(values)
    return array.shape, array.dtype.str, hash(array.tobytes())


class BoundaryView(ViewPanel):
    title = "Decision boundary"
    point_clicked = Signal(float, float)  # data coordinates of a left click (not a drag) on the plane

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_test = QCheckBox("test points")
        self.show_test.setChecked(True)
        self.show_test.setAccessibleName("Show test points")
        self.show_test.setToolTip("Draw the validation points (black rim) over the plane")
        self.discrete = QCheckBox("discretize output")
        self.discrete.setAccessibleName("Discretize output")
        self.discrete.setToolTip("Colour each point of the plane by its most likely class (or band of values)")
        self.add_control("", self.show_test)
        self.add_control("", self.discrete)
        self.controls.addStretch(1)
        self.plot = self.graphics.addPlot()  # no title: the dock names it, and a title would widen the plot
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "x₁")
        self.plot.setLabel("left", "x₂")
        self.class_map = pg.ImageItem(axisOrder="row-major")
        self.surface = pg.ImageItem(axisOrder="row-major")
        self.surface.setColorMap(sequential())
        for item in (self.class_map, self.surface):
            self.plot.addItem(item)
        self.colorbar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=sequential(), interactive=False, width=14)
        self.colorbar.setImageItem(self.surface, insert_in=self.plot)
        grey = pg.mkBrush(170, 170, 170)  # the legend's sample; points get their class colours
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1), brush=grey, name="train")
        self.test_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("k", width=1.5), brush=grey, name="test")
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        self.highlighted = pg.ScatterPlotItem(size=15, pen=pg.mkPen("#d0342c", width=2.5), brush=None, symbol="o")
        self.plot.addItem(self.highlighted)  # rings around points others point at (confusion's worst mistakes)
        self.legend = pg.LegendItem(labelTextSize="8pt")
        self.legend.setParentItem(self.plot)
        self.legend.addItem(self.train_points, "train")
        self.legend.addItem(self.test_points, "test")
        self._margins = (-1, -1)
        self._square_again = QTimer(self)  # once the layout has followed a resize, measure again
        self._square_again.setSingleShot(True)
        self._square_again.setInterval(0)
        self._square_again.timeout.connect(self._keep_square)
        self.graphics.installEventFilter(self)
        self.data: BoundarySnapshot | None = None
        self.step = -1
        self.levels = (0.0, 1.0)
        self._points_of: tuple = ()
        self._extent: object = None
        self._shown: tuple = ()
        self.show_test.toggled.connect(self.test_points.setVisible)
        self.discrete.toggled.connect(self.redraw)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, event: Any) -> None:
        # pyqtgraph reports a click only when the mouse did not move as far as a drag
        if event.button() == Qt.MouseButton.LeftButton and self.plot.vb.sceneBoundingRect().contains(event.scenePos()):
            point = self.plot.vb.mapSceneToView(event.scenePos())
            self.point_clicked.emit(float(point.x()), float(point.y()))

    def highlight_points(self, points: list[tuple[float, float]] | None) -> None:
        """Ring these data points (None or []: none) until the next call."""
        xy = np.asarray(points or [], dtype=np.float64).reshape(-1, 2)
        self.highlighted.setData(xy[:, 0], xy[:, 1])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            self._keep_square()
            self._square_again.start()
        return super().eventFilter(watched, event)

    def _keep_square(self) -> None:
        """Show the data's extent with square pixels: in a wide dock the plot is centred at about
        its height (plus axis and colour bar) rather than stretching the x range across the dock;
        the legend then sits in the free space on the left, else inside the plane's corner."""
        plot, box = self.plot, self.plot.vb
        spare_height = self.graphics.height() - 2 * SIDE_MARGIN
        needed = (spare_height - (plot.height() - box.height())) + (plot.width() - box.width())
        free = self.graphics.width() - 2 * SIDE_MARGIN - needed
        side = int(free // 2) if free > 40 else 0
        if self.colorbar.isVisible() == self._margins[1] and abs(side - self._margins[0]) <= 2:
            return  # settled (a pixel or two either way would only make the layout flicker)
        self._margins = (side, self.colorbar.isVisible())
        self._square_again.start()
        self.graphics.ci.setContentsMargins(SIDE_MARGIN + side, SIDE_MARGIN, SIDE_MARGIN + side, SIDE_MARGIN)
        if side > self.legend.boundingRect().width() + 16:
            self.legend.anchor(itemPos=(1, 0), parentPos=(0, 0), offset=(-12, 24))  # left of the y axis
        else:
            self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-4, 28))  # over the top-right corner

    @property
    def regression(self) -> bool:
        return bool(self.data) and self.data.get("task") != "classification"

    def _placeholder(self) -> str:
        task = self.context.task if self.context is not None else None
        if task is None:
            return "Choose a dataset with two input features (spirals, circles, xor, plane, bumps, ...)."
        if tuple(task.input_shape) != (2,) or task.input_dtype != "float":
            shape = "×".join(str(n) for n in task.input_shape) or "scalar"
            return (f"This data has {shape} input features; the decision boundary is drawn only for datasets "
                    "with two input features (spirals, circles, xor, plane, bumps, ...).")
        if self.pinned_step is not None and self.buffer is not None and self.buffer.snapshot("boundary"):
            return f"No boundary was recorded by step {self.pinned_step}."
        return "Press Start: the network's output over the plane appears at the first recorded step."

    def draw(self) -> None:
        assert self.buffer is not None
        snap = self.buffer.snapshot_at("boundary", self.pinned_step)
        if snap is None:
            self.show_empty(self._placeholder())
            if self._shown:
                self._shown, self._points_of, self.data = (), (), None
                for image in (self.class_map, self.surface):
                    image.clear()
                for points in (self.train_points, self.test_points):
                    points.setData([], [])
            return
        self.show_hint("")
        step, data = snap
        shown = (step, id(data), self.discrete.isChecked())
        if shown == self._shown:
            return
        self._shown, self.data, self.step = shown, data, step
        if self.regression:
            self._draw_surface(data)
        else:
            self.surface.setVisible(False)
            self.colorbar.setVisible(False)
            self.class_map.setVisible(True)
            self.class_map.setImage(class_image(data["output"], self.discrete.isChecked()), autoLevels=False,
                                    levels=(0, 255))
        self._place(data)
        self._draw_points(data)
        self._keep_square()

    def _draw_surface(self, data: BoundarySnapshot) -> None:
        out = np.asarray(data["output"], dtype=np.float64)
        out = out[..., 0] if out.ndim == 3 else out
        targets = np.concatenate([np.asarray(data.get("train_y", [])).reshape(len(data["train_x"]), -1)[:, 0],
                                  np.asarray(data.get("val_y", [])).reshape(len(data["val_x"]), -1)[:, 0]])
        low, high = (float(targets.min()), float(targets.max())) if len(targets) else (0.0, 1.0)
        if high <= low:
            low, high = low - 1.0, high + 1.0
        self.levels = (low, high)
        if self.discrete.isChecked():
            width = (high - low) / BANDS
            out = low + (np.floor((out - low) / width).clip(0, BANDS - 1) + 0.5) * width
        self.class_map.setVisible(False)
        self.surface.setVisible(True)
        self.colorbar.setVisible(True)
        self.surface.setImage(out, levels=self.levels, autoLevels=False)
        self.colorbar.setLevels(self.levels)

    def _place(self, data: BoundarySnapshot) -> None:
        xmin, xmax, ymin, ymax = (float(v) for v in data["extent"])
        g = max(int(data.get("resolution", 2)), 2)
        dx, dy = (xmax - xmin) / (g - 1), (ymax - ymin) / (g - 1)  # grid points are cell centres
        rect = QRectF(xmin - dx / 2, ymin - dy / 2, xmax - xmin + dx, ymax - ymin + dy)
        for item in (self.class_map, self.surface):
            item.setRect(rect)
        if data["extent"] != self._extent:
            self._extent = data["extent"]
            self.plot.setRange(rect, padding=0.02)

    def _brushes(self, y: np.ndarray) -> list[Any]:
        y = np.asarray(y)
        if self.regression:
            low, high = self.levels
            index = np.clip((y.reshape(len(y), -1)[:, 0] - low) / (high - low) * 255, 0, 255).astype(np.uint8)
            lut = lookup_table("sequential")
            return [pg.mkBrush(*lut[i]) for i in index]
        cache = {c: pg.mkBrush(*self._class_rgb(int(c))) for c in np.unique(y)}
        return [cache[c] for c in y.reshape(-1)]

    def _class_rgb(self, c: int) -> tuple[int, int, int]:
        out = self.data["output"] if self.data else np.zeros((1, 1))
        if class_probabilities(np.asarray(out)).shape[-1] == 2:  # match the orange–blue background
            return tuple(int(v) for v in diverging().map([float(c)], mode="byte")[0][:3])
        return class_color(c)

    def _draw_points(self, data: BoundarySnapshot) -> None:
        # by content: the history's entries and a restored record hold equal points in other arrays
        key = (*(_fingerprint(data.get(k)) for k in ("train_x", "train_y", "val_x", "val_y")), self.regression,
               self.levels)
        if key == self._points_of:
            return
        self._points_of = key
        for item, xs, ys in ((self.train_points, data.get("train_x"), data.get("train_y")),
                             (self.test_points, data.get("val_x"), data.get("val_y"))):
            if xs is None or len(xs) == 0:
                item.setData([], [])
                continue
            xs = np.asarray(xs, dtype=np.float64)
            item.setData(xs[:, 0], xs[:, 1], brush=self._brushes(ys))

    def export_csv(self, path: str) -> None:
        """kind (grid/train/test), x1, x2, target, output_0.. (class probabilities or the regression value)."""
        data = self.data or {}
        out = np.asarray(data.get("output", np.zeros((0, 0))), dtype=np.float64)
        if self.regression:
            out = out if out.ndim == 3 else out[..., None]
        else:
            out = class_probabilities(out) if out.size else out.reshape(0, 0, 0)
        width = out.shape[-1] if out.ndim == 3 else 0

        def rows():
            if out.size:
                xmin, xmax, ymin, ymax = (float(v) for v in data["extent"])
                g = out.shape[0]
                xs, ys = np.linspace(xmin, xmax, g), np.linspace(ymin, ymax, g)
                for r in range(g):
                    for c in range(g):
                        yield ("grid", float(xs[c]), float(ys[r]), "", *map(float, out[r, c]))
            for kind, px, py in (("train", "train_x", "train_y"), ("test", "val_x", "val_y")):
                points, targets = data.get(px), data.get(py)
                if points is None:
                    continue
                targets = np.asarray(targets).reshape(len(points), -1)[:, 0]
                for p, t in zip(points, targets, strict=True):
                    yield (kind, float(p[0]), float(p[1]), t.item(), *([""] * width))
        write_csv(path, ("kind", "x1", "x2", "target", *[f"output_{i}" for i in range(width)]), rows())
