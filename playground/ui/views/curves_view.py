"""CurvesView: loss, accuracy and learning rate over steps, epochs or time. The raw values are drawn
faint behind a smoothed curve (as TensorBoard does), smoothing is weighted by step distance and left
off for series too sparse for the window (drawn with markers instead), with log y, a hover readout,
a cursor at the step the timeline picks, and earlier runs of the session overlaid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSlider, QWidget

from playground.ui.views.colormaps import series_color
from playground.ui.views.curve_ranges import bounds, follow
from playground.ui.views.curves_data import (
    SHORT_NAMES,
    Drawn,
    check_run,
    epoch_axis,
    human,
    plan,
    window_points,
)
from playground.ui.views.export import write_csv
from playground.ui.views.smoothing import MIN_POINTS_PER_WINDOW, median_gap
from playground.ui.views.view_panel import ViewPanel

# (plot key, title, series shown in it)
PLOTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("loss", "Loss", ("train/loss", "val/loss")),
    ("accuracy", "Accuracy", ("train/accuracy", "val/accuracy")),
    ("lr", "Learning rate", ("lr",)),
)  # steps/s is this machine's speed, not part of the record: the status bar shows it live
LOG_PLOTS = ("loss", "lr")  # the "log y" box switches these
UNSMOOTHED = ("lr",)  # a schedule, not a noisy measurement
X_MODES = {"step": "step", "epoch": "epoch", "time": "time (s)"}
WIDE = 2.6  # width / height above which the plots sit in one row instead of a 2 × 2 grid
RUN_STYLES = (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)
DEFAULT_SLIDER = 1  # 20 points: the least smoothing that still averages enough points (least lag)


def _color(name: str) -> QColor:
    index = {"train/loss": 0, "val/loss": 1, "train/accuracy": 0, "val/accuracy": 1, "lr": 2}.get(name, 3)
    return QColor(series_color(index))


def _fast(item: pg.PlotDataItem) -> pg.PlotDataItem:
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    return item


def _pin_line() -> pg.InfiniteLine:
    line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d03030", width=1.5),
                           label="", labelOpts={"position": 0.97, "color": "#d03030", "anchors": [(0, 0), (0, 0)],
                                                "fill": (255, 255, 255, 200)})
    line.setVisible(False)
    return line


class CurvesView(ViewPanel):
    title = "Curves"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_mode = QComboBox()
        self.x_mode.addItems(list(X_MODES))
        self.x_mode.setToolTip("What the horizontal axis counts")
        self.x_mode.setAccessibleName("Curves horizontal axis")
        self.log_y = QCheckBox("log y")
        self.log_y.setToolTip("Logarithmic loss and learning-rate axes")
        self.log_y.setAccessibleName("Logarithmic loss axis")
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 100)
        self.smoothing.setValue(DEFAULT_SLIDER)
        self.smoothing.setMaximumWidth(160)
        self.smoothing.setAccessibleName("Smoothing window")
        self.smoothing.setToolTip(
            "Smoothing window, in steps (far left: off). Each smoothed value averages the recorded values of "
            "about this many steps before it, weighted by how many steps back they were measured. A series "
            f"with fewer than {MIN_POINTS_PER_WINDOW} points in one window (such as validation, measured every "
            "few dozen steps) is drawn as measured, with markers. The raw values stay drawn faintly behind.")
        self.smoothing_label = QLabel()
        self.smoothing_label.setMinimumWidth(70)
        self.add_control("x axis", self.x_mode)
        self.add_control("", self.log_y)
        self.add_control("smoothing", self.smoothing)
        self.add_control("", self.smoothing_label)
        self.controls.addStretch(1)
        self.readout = QLabel("")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setAccessibleName("Values under the cursor")
        self.layout().insertWidget(1, self.readout)
        self.layout().addStretch(0)  # takes the room of the hidden plots, so the hint sits at the top

        self.plot_items: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}  # smoothed (or raw, with markers when sparse)
        self.raw_curves: dict[str, pg.PlotDataItem] = {}  # faint raw values behind the smoothed line
        self.cursors: list[pg.InfiniteLine] = []  # follow the mouse
        self.pins: dict[str, pg.InfiniteLine] = {}  # the step the timeline picked, per plot
        self.plot_of: dict[str, str] = {}
        for i, (key, _name, names) in enumerate(PLOTS):
            # No grid and no legend box: they cost more to paint than the curves; the title names
            # the series in their colours instead.
            plot = self.graphics.addPlot(row=i // 2, col=i % 2)
            plot.getAxis("left").setWidth(48)
            plot.setLabel("bottom", "step")
            self.plot_items[key] = plot
            for name in names:
                color = _color(name)
                faint = QColor(color)
                faint.setAlpha(110)
                self.raw_curves[name] = _fast(plot.plot(pen=pg.mkPen(faint, width=1)))
                self.curves[name] = _fast(plot.plot(pen=pg.mkPen(color, width=2), name=human(name)))
                self.plot_of[name] = key
            cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", width=1))
            cursor.setVisible(False)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors.append(cursor)
            self.pins[key] = _pin_line()
            plot.addItem(self.pins[key], ignoreBounds=True)
            if i:
                plot.setXLink(self.plot_items["loss"])
            # the view sets the ranges itself (curve_ranges); a person's zoom or pan takes over an
            # axis until the plot's "A" button (or View All) hands it back
            plot.vb.disableAutoRange()
            plot.vb.sigRangeChangedManually.connect(lambda mask, k=key: self._taken_over(k, mask))
            plot.vb.sigStateChanged.connect(lambda _vb, k=key: self._auto_asked(k))
        self._follow_x = True
        self._follow_y = {key: True for key, _, _ in PLOTS}
        self._x_range: tuple[float, float] | None = None
        self._y_ranges: dict[str, tuple[float, float]] = {}
        self.previous: list[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
        self.previous_curves: list[pg.PlotDataItem] = []
        self._keys: dict[str, tuple] = {}
        self._settings: tuple = ()
        self.data: dict[str, Drawn] = {}
        self._gaps: dict[str, tuple[tuple, float]] = {}
        self.unit = 1.0  # steps between points of the densest series
        self.pinned_step: int | None = None
        self.window_steps = 0.0  # the smoothing window now, in steps (0: off)
        self.shown_plots: tuple[str, ...] = tuple(key for key, _, _ in PLOTS)
        self.x_mode.currentIndexChanged.connect(self.redraw)
        self.log_y.toggled.connect(self._set_log)
        self.smoothing.valueChanged.connect(self._smoothing_changed)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self.columns = 2
        self._retitle()
        self.graphics.installEventFilter(self)
        self._smoothing_changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            size = event.size()
            self.arrange(len(self.shown_plots) if size.width() > WIDE * max(size.height(), 1) else 2)
        return super().eventFilter(watched, event)

    def arrange(self, columns: int, shown: tuple[str, ...] | None = None) -> None:
        """Lay the plots that have data out in ``columns`` columns (all in one row in a wide, low
        dock, so each keeps some height); a plot with nothing to show is left out, not drawn empty."""
        shown = self.shown_plots if shown is None else shown
        columns = max(1, min(columns, len(shown)))
        if columns == self.columns and shown == self.shown_plots:
            return
        self.columns, self.shown_plots = columns, shown
        layout = self.graphics.ci
        for key, _, _ in PLOTS:
            if self.plot_items[key] in layout.items:
                layout.removeItem(self.plot_items[key])
        for i, key in enumerate(shown):
            layout.addItem(self.plot_items[key], row=i // columns, col=i % columns)
        self._retitle()

    def _retitle(self) -> None:
        """Each plot's title, naming its series in their colours. With plots side by side the names go
        on a second line: on one line two titles side by side were wider than the Watch layout's
        right column, and the right-hand plot was cut off at the dock's edge."""
        wrap = self.columns > 1
        for key, title, names in PLOTS:
            label = self.plot_items[key].titleLabel
            self.plot_items[key].setTitle(self._title(title, names, bool(self.previous), wrap))
            label.setMinimumWidth(0)  # a title never makes the plot wider than the dock: it may clip

    @staticmethod
    def _title(title: str, names: tuple[str, ...], earlier: bool = False, wrap: bool = False) -> str:
        if len(names) == 1 and not earlier:
            return title
        parts = [f'<span style="color:{_color(n).name()}">'
                 f'{SHORT_NAMES.get(n.split("/")[0], n) if len(names) > 1 else human(n)}</span>' for n in names]
        if earlier:
            parts.append("dashed: earlier runs")
        return f"{title}{'<br>' if wrap else ' '}({' · '.join(parts)})"

    # ------------------------------------------------------------ controls
    @property
    def window(self) -> float:
        """The smoothing window in points of the densest series (0: off)."""
        return window_points(self.smoothing.value())

    def _smoothing_changed(self) -> None:
        self.redraw()
        self._label_window()

    def _label_window(self) -> None:
        if not self.window:
            self.smoothing_label.setText("off")
        elif self.window_steps:
            self.smoothing_label.setText(f"{self.window_steps:.0f} steps")
        else:
            self.smoothing_label.setText(f"{self.window:.0f} points")

    def _set_log(self, on: bool) -> None:
        for key in LOG_PLOTS:
            self.plot_items[key].setLogMode(y=on)
            self._y_ranges.pop(key, None)
        self._apply_ranges()

    def set_previous_runs(self, runs: list[dict[str, Any]]) -> None:
        """Overlay earlier histories of the session (``MetricsBuffer.export_history()`` dicts), oldest first."""
        self.previous = [check_run(i, run) for i, run in enumerate(runs or [])]
        for item in self.previous_curves:
            self.plot_items[self.plot_of[item.property("series")[1]]].removeItem(item)
        self.previous_curves = []
        for r, run in enumerate(self.previous):
            named: set[str] = set()
            for name, key in self.plot_of.items():
                if name not in run:
                    continue
                color = _color(name)
                color.setAlpha(150)
                pen = pg.mkPen(color, width=1.5, style=RUN_STYLES[r % len(RUN_STYLES)])
                # one legend entry per earlier run and plot: the line style tells the runs apart
                label = None if key in named else f"run {r + 1}"
                named.add(key)
                item = _fast(pg.PlotDataItem(pen=pen, name=label))
                item.setProperty("series", (r, name))
                self.plot_items[key].addItem(item)
                self.previous_curves.append(item)
        self._retitle()
        self._settings = ()  # smooth and lay out again, with the earlier runs' steps
        self.draw()

    def show_step(self, step: int | None) -> None:
        """Contract 1: a cursor at ``step`` (None: no cursor, follow the latest) with the values there."""
        self.pinned_step = None if step is None else int(step)
        if self.buffer is not None or self.previous:
            self.draw()

    # ------------------------------------------------------------ drawing
    def _x_for(self, mode: str, steps: np.ndarray, wall: np.ndarray,
               epochs: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        if mode == "time":
            return wall
        if mode == "epoch" and epochs is not None and len(epochs[0]):
            return epoch_axis(steps, epochs[0], epochs[1])
        return steps

    def _gap(self, name: str, key: tuple, steps: np.ndarray) -> float:
        cached = self._gaps.get(name)
        if cached is None or cached[0] != key:
            cached = self._gaps[name] = (key, median_gap(steps))
        return cached[1]

    def _unit(self, gaps: list[float]) -> float:
        """Steps between points of the densest series (train/loss: one, until a long run thins it):
        the slider's window counts its points."""
        gaps = gaps + [median_gap(s) for run in self.previous for s, _, _ in run.values()]
        finite = [g for g in gaps if np.isfinite(g)]
        return min(finite) if finite else 1.0

    def _plan(self, name: str, steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray | None, bool]:
        return plan(steps, values, self.window_steps if name not in UNSMOOTHED else 0.0,
                    self.window_steps or window_points(DEFAULT_SLIDER) * self.unit)

    @staticmethod
    def _mark(curve: pg.PlotDataItem, name: str, on: bool) -> None:
        if on and curve.opts["symbol"] is None:
            curve.setSymbol("o")
            curve.setSymbolSize(6)
            curve.setSymbolPen(None)
            curve.setSymbolBrush(_color(name))
        elif not on and curve.opts["symbol"] is not None:
            curve.setSymbol(None)

    def draw(self) -> None:
        buffer = self.buffer
        mode = self.x_mode.currentText()
        current = {name: buffer.series(name) for name in self.curves} if buffer is not None else {}
        keys = {name: (len(s), s[-1] if len(s) else None, v[-1] if len(v) else None)
                for name, (s, v) in current.items()}
        self.unit = self._unit([self._gap(name, keys[name], s) for name, (s, _) in current.items()])
        self.window_steps = self.window * self.unit
        settings = (mode, self.window_steps)
        if settings != self._settings:
            self._keys.clear()
            self._settings = settings
            self._x_range = None
            self._y_ranges.clear()
            self._draw_previous(mode)
            for plot in self.plot_items.values():
                plot.setLabel("bottom", X_MODES[mode])
            self._label_window()
        epochs = buffer.series("epoch") if buffer is not None and mode == "epoch" else None
        for name, (steps, values) in current.items():
            if self._keys.get(name) == keys[name]:
                continue
            self._keys[name] = keys[name]
            wall = buffer.series_wall(name) if buffer is not None and mode == "time" else steps
            x = self._x_for(mode, steps, wall, epochs)
            smooth, sparse = self._plan(name, steps, values)
            self.data[name] = Drawn(steps, x, values, smooth, sparse)
            curve = self.curves[name]
            curve.setData(x, values if smooth is None else smooth)
            self._mark(curve, name, sparse and smooth is None)
            self.raw_curves[name].setData(x if smooth is not None else [], values if smooth is not None else [])
        self._show_plots()
        self._apply_ranges()
        self._draw_pins()

    def _show_plots(self) -> None:
        """Only plots with something to draw are laid out; with nothing at all, no axes, only a hint."""
        has = {name for name, d in self.data.items() if len(d.steps)}
        has |= {name for run in self.previous for name, cols in run.items() if len(cols[0])}
        shown = tuple(key for key, _, names in PLOTS if has & set(names))
        self.graphics.setVisible(bool(shown))
        if not shown:
            self.show_hint("No training history yet: press Start (Space) to train; the loss, accuracy and "
                           "learning rate are drawn here as they are recorded.")
            return
        self.show_hint("")
        size = self.graphics.size()
        self.arrange(len(shown) if size.width() > WIDE * max(size.height(), 1) else 2, shown)

    # ------------------------------------------------------------ ranges
    def _plot_points(self, key: str, names: tuple[str, ...]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The x and y arrays plot ``key`` draws, earlier runs included (a smoothed value is an average
        of raw ones, so the raw values bound both)."""
        xs, ys = [], []
        for name in names:
            drawn = self.data.get(name)
            if drawn is not None and len(drawn.x):
                xs.append(drawn.x)
                ys.append(drawn.raw)
        for item in self.previous_curves:
            if self.plot_of[item.property("series")[1]] == key and item.xData is not None:
                xs.append(item.xData)
                ys.append(item.yData)
        return xs, ys

    def _y_bounds(self, key: str, ys: list[np.ndarray]) -> tuple[float, float]:
        log = key in LOG_PLOTS and self.log_y.isChecked()
        low, high = bounds(ys, log)
        if key == "lr" and not log and low == high and low > 0 and not self.previous:
            low, high = 0.0, 2.0 * high  # a constant rate sits mid-height on a 0-based axis
        return low, high

    def _apply_ranges(self) -> None:
        """Keep every point in view (curve_ranges.follow): the ranges move only when the data leaves
        them or has shrunk well inside them, so most frames leave the axes as they were."""
        all_x: list[np.ndarray] = []
        for key, _, names in PLOTS:
            xs, ys = self._plot_points(key, names)
            all_x += xs
            vb = self.plot_items[key].vb
            if not ys or not self._follow_y[key]:
                continue
            y_range = follow(self._y_ranges.get(key), *self._y_bounds(key, ys))
            if y_range is not None:
                self._y_ranges[key] = y_range
                vb.setYRange(*y_range, padding=0)
        x_range = follow(self._x_range, *bounds(all_x)) if self._follow_x else None
        if x_range is not None:
            self._x_range = x_range
            self.plot_items["loss"].vb.setXRange(*x_range, padding=0)  # the other plots are linked to it

    def _taken_over(self, key: str, mask: list[bool]) -> None:
        """A person zoomed or panned ``key``'s plot: the axes they moved stay where they put them."""
        if mask[0]:
            self._follow_x = False  # the plots share their x axis
        if len(mask) > 1 and mask[1]:
            self._follow_y[key] = False

    def _auto_asked(self, key: str) -> None:
        """The plot's "A" button or View All turned pyqtgraph's auto-range on: follow the data again."""
        vb = self.plot_items[key].vb
        x_auto, y_auto = vb.state["autoRange"][:2]
        if not (x_auto or y_auto):
            return
        if x_auto:
            self._follow_x, self._x_range = True, None
        if y_auto:
            self._follow_y[key] = True
            self._y_ranges.pop(key, None)
        vb.disableAutoRange()
        self._apply_ranges()

    def _draw_previous(self, mode: str) -> None:
        for item in self.previous_curves:
            r, name = item.property("series")
            steps, values, wall = self.previous[r][name]
            epochs = self.previous[r].get("epoch")
            x = self._x_for(mode, steps, wall, None if epochs is None else (epochs[0], epochs[1]))
            smooth, _ = self._plan(name, steps, values)
            item.setData(x, values if smooth is None else smooth)

    # ------------------------------------------------------------ cursor at a step
    def x_of_step(self, step: float) -> float:
        """Where ``step`` lies on the current horizontal axis (step, epoch or time)."""
        if self.x_mode.currentText() == "step":
            return float(step)
        dense = max(self.data.values(), key=lambda d: len(d.steps), default=None)
        if dense is None or not len(dense.steps):
            return float(step)
        return float(np.interp(step, dense.steps, dense.x))

    def values_at_step(self, step: int, names: tuple[str, ...] | None = None, smoothed: bool = True) -> list[str]:
        """Each series' latest recorded value at or before ``step``, as text."""
        out = []
        for name in names or tuple(self.curves):
            drawn = self.data.get(name)
            i = drawn.at_step(step) if drawn is not None and len(drawn.steps) else None
            if drawn is not None and i is not None:
                out.append(drawn.text(name, i, smoothed))
        return out

    def _draw_pins(self) -> None:
        step = self.pinned_step
        for key, _, names in PLOTS:
            pin = self.pins[key]
            values = self.values_at_step(step, names, smoothed=False) if step is not None else []
            pin.setVisible(step is not None and key in self.shown_plots)
            if step is None:
                continue
            x = self.x_of_step(step)
            pin.setPos(x)
            low, high = self.plot_items[key].vb.viewRange()[0]
            side = 1.0 if x > (low + high) / 2 else 0.0  # the text on the side with room for it
            pin.label.anchors = [(side, 0.0), (side, 0.0)]
            pin.label.setFormat("\n".join(values).replace("{", "{{").replace("}", "}}"))
        if step is None:
            if self.readout.text().startswith("at step"):
                self.readout.setText("")
            return
        self.readout.setText(f"at step {step}: " + (" · ".join(self.values_at_step(step)) or "nothing recorded yet"))

    # ------------------------------------------------------------ readout
    def readout_at(self, x: float) -> str:
        """Text of every current series' value nearest to ``x`` (the hover readout)."""
        parts = [f"{self.x_mode.currentText()} {x:.4g}"]
        for name in self.curves:
            drawn = self.data.get(name)
            if drawn is None or len(drawn.x) == 0:
                continue
            xs = drawn.x
            if x < xs[0] - 0.05 * (xs[-1] - xs[0] + 1):
                continue
            i = int(np.clip(np.searchsorted(xs, x), 1, len(xs) - 1)) if len(xs) > 1 else 0
            if len(xs) > 1 and abs(xs[i - 1] - x) <= abs(xs[i] - x):
                i -= 1
            parts.append(drawn.text(name, i))
        return " · ".join(parts)

    def _mouse_moved(self, pos: QPointF) -> None:
        for key in self.shown_plots:
            plot = self.plot_items[key]
            if plot.vb.sceneBoundingRect().contains(pos):
                x = plot.vb.mapSceneToView(pos).x()
                self.readout.setText(self.readout_at(x))
                for cursor in self.cursors:
                    cursor.setPos(x)
                    cursor.setVisible(True)
                return
        for cursor in self.cursors:
            cursor.setVisible(False)
        if self.pinned_step is not None:
            self._draw_pins()  # the readout shows the timeline's step again

    # ------------------------------------------------------------ export
    def export_csv(self, path: str) -> None:
        """Long table: run, series, step, time_s, value, smoothed (current run and earlier runs);
        "smoothed" repeats the value where the series is drawn unsmoothed."""
        def rows():
            runs: list[tuple[str, dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]]] = []
            if self.buffer is not None:
                current = {}
                for name in self.buffer.series_names():
                    steps, values = self.buffer.series(name)
                    current[name] = (steps, values, self.buffer.series_wall(name))
                runs.append(("current", current))
            runs += [(f"run {r + 1}", run) for r, run in enumerate(self.previous)]
            for label, run in runs:
                for name, (steps, values, wall) in sorted(run.items()):
                    smooth, _ = self._plan(name, steps, values) if name in self.curves else (None, False)
                    shown = values if smooth is None else smooth
                    for s, t, v, sm in zip(steps, wall, values, shown, strict=True):
                        yield label, name, int(s), float(t), float(v), float(sm)
        write_csv(path, ("run", "series", "step", "time_s", "value", "smoothed"), rows())
