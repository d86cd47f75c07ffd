"""CurvesView: loss, accuracy, learning rate and speed over steps, epochs or time, with
TensorBoard-style smoothing, log y, a hover readout and earlier runs of the session overlaid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSlider, QWidget

from playground.ui.views.colormaps import series_color
from playground.ui.views.export import write_csv
from playground.ui.views.smoothing import ema_smooth
from playground.ui.views.view_panel import ViewPanel

# (plot key, title, series shown in it)
PLOTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("loss", "Loss", ("train/loss", "val/loss")),
    ("accuracy", "Accuracy", ("train/accuracy", "val/accuracy")),
    ("lr", "Learning rate", ("lr",)),
)  # steps/s is this machine's speed, not part of the record: the status bar shows it live
LOG_PLOTS = ("loss", "lr")
UNSMOOTHED = ("lr",)  # a schedule, not a noisy measurement  # the "log y" box switches these
X_MODES = {"step": "step", "epoch": "epoch", "time": "time (s)"}
WIDE = 2.6  # width / height above which the plots sit in one row instead of a 2 × 2 grid
RUN_STYLES = (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)


def _color(name: str) -> QColor:
    index = {"train/loss": 0, "val/loss": 1, "train/accuracy": 0, "val/accuracy": 1, "lr": 2}.get(name, 3)
    return QColor(series_color(index))


def _fast(item: pg.PlotDataItem) -> pg.PlotDataItem:
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    return item


def _check_run(index: int, run: Any) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One earlier history as {name: (steps, values, wall)}; ValueError names what is wrong and where."""
    where = f"earlier run {index + 1}"
    if not isinstance(run, dict):
        raise ValueError(f"{where} must be a mapping of series names to columns, got {type(run).__name__}")
    out = {}
    for name, cols in run.items():
        if not isinstance(cols, dict) or "steps" not in cols or "values" not in cols:
            raise ValueError(f"{where}: series {name!r} needs 'steps' and 'values' lists")
        try:
            steps = np.asarray(cols["steps"], dtype=np.float64).reshape(-1)
            values = np.asarray(cols["values"], dtype=np.float64).reshape(-1)
            wall = np.asarray(cols.get("wall", np.zeros(len(steps))), dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: series {name!r} has non-numeric values ({err})") from err
        if len(steps) != len(values):
            raise ValueError(f"{where}: series {name!r} has {len(steps)} steps but {len(values)} values")
        if len(wall) != len(steps):
            wall = np.zeros(len(steps))
        out[str(name)] = (steps, values, wall)
    return out


def epoch_axis(steps: np.ndarray, epoch_steps: np.ndarray, epoch_values: np.ndarray) -> np.ndarray:
    """Fractional epochs at ``steps``: linear between the steps where the recorded epoch changed,
    extended at the latest pace (the trainer records whole epochs only at evaluation steps)."""
    if len(epoch_steps) == 0:
        return steps
    change = np.flatnonzero(np.diff(epoch_values)) + 1
    anchor_s = np.concatenate([[epoch_steps[0]], epoch_steps[change]])
    anchor_e = np.concatenate([[epoch_values[0]], epoch_values[change]])
    if len(anchor_s) < 2:
        return np.interp(steps, epoch_steps, epoch_values)
    out = np.interp(steps, anchor_s, anchor_e)
    pace = (anchor_e[-1] - anchor_e[-2]) / max(anchor_s[-1] - anchor_s[-2], 1e-12)
    late = steps > anchor_s[-1]
    out[late] = anchor_e[-1] + (steps[late] - anchor_s[-1]) * pace
    return out


class CurvesView(ViewPanel):
    title = "Curves"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_mode = QComboBox()
        self.x_mode.addItems(list(X_MODES))
        self.x_mode.setToolTip("What the horizontal axis counts")
        self.log_y = QCheckBox("log y")
        self.log_y.setToolTip("Logarithmic loss and learning-rate axes")
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(60)
        self.smoothing.setMaximumWidth(160)
        self.smoothing.setToolTip("Exponential moving average weight, as in TensorBoard")
        self.smoothing_label = QLabel()
        self.add_control("x axis", self.x_mode)
        self.add_control("", self.log_y)
        self.add_control("smoothing", self.smoothing)
        self.add_control("", self.smoothing_label)
        self.controls.addStretch(1)
        self.readout = QLabel("")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout().insertWidget(1, self.readout)

        self.plot_items: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}  # smoothed (or raw when smoothing is 0)
        self.raw_curves: dict[str, pg.PlotDataItem] = {}  # faint raw values behind the smoothed line
        self.cursors: list[pg.InfiniteLine] = []
        self.plot_of: dict[str, str] = {}
        for i, (key, title, names) in enumerate(PLOTS):
            # No grid and no legend box: they cost more to paint than the curves; the title names
            # the series in their colours instead.
            plot = self.graphics.addPlot(row=i // 2, col=i % 2, title=self._title(title, names))
            plot.getAxis("left").setWidth(48)
            plot.setLabel("bottom", "step")
            self.plot_items[key] = plot
            for name in names:
                color = _color(name)
                faint = QColor(color)
                faint.setAlpha(60)
                self.raw_curves[name] = _fast(plot.plot(pen=pg.mkPen(faint, width=1)))
                self.curves[name] = _fast(plot.plot(pen=pg.mkPen(color, width=2), name=name))
                self.plot_of[name] = key
            cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", width=1))
            cursor.setVisible(False)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors.append(cursor)
            if i:
                plot.setXLink(self.plot_items["loss"])
        self.previous: list[dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
        self.previous_curves: list[pg.PlotDataItem] = []
        self._keys: dict[str, tuple] = {}
        self._settings: tuple = ()
        self.data: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # name -> (x, raw, smoothed)
        self.x_mode.currentIndexChanged.connect(self.redraw)
        self.log_y.toggled.connect(self._set_log)
        self.smoothing.valueChanged.connect(self._smoothing_changed)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self.columns = 2
        self.graphics.installEventFilter(self)
        self._smoothing_changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            size = event.size()
            self.arrange(len(PLOTS) if size.width() > WIDE * max(size.height(), 1) else 2)
        return super().eventFilter(watched, event)

    def arrange(self, columns: int) -> None:
        """Lay the plots out in ``columns`` columns (all in one row in a wide, low dock, so each keeps some height)."""
        if columns == self.columns:
            return
        self.columns = columns
        layout = self.graphics.ci
        plots = [self.plot_items[key] for key, _, _ in PLOTS]
        for plot in plots:
            layout.removeItem(plot)
        for i, plot in enumerate(plots):
            layout.addItem(plot, row=i // columns, col=i % columns)

    @staticmethod
    def _title(title: str, names: tuple[str, ...], earlier: bool = False) -> str:
        if len(names) == 1 and not earlier:
            return title
        parts = [f'<span style="color:{_color(n).name()}">{n.split("/")[0] if len(names) > 1 else n}</span>'
                 for n in names]
        if earlier:
            parts.append("dashed: earlier runs")
        return f"{title} ({' · '.join(parts)})"

    # ------------------------------------------------------------ controls
    @property
    def weight(self) -> float:
        return self.smoothing.value() / 100.0

    def _smoothing_changed(self) -> None:
        self.smoothing_label.setText(f"{self.weight:.2f}")
        self.redraw()

    def _set_log(self, on: bool) -> None:
        for key in LOG_PLOTS:
            self.plot_items[key].setLogMode(y=on)

    def set_previous_runs(self, runs: list[dict[str, Any]]) -> None:
        """Overlay earlier histories of the session (``MetricsBuffer.export_history()`` dicts), oldest first."""
        self.previous = [_check_run(i, run) for i, run in enumerate(runs or [])]
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
        for key, title, names in PLOTS:
            self.plot_items[key].setTitle(self._title(title, names, bool(self.previous)))
        self._draw_previous(self.x_mode.currentText())
        self.show_hint("")

    # ------------------------------------------------------------ drawing
    def _x_for(self, mode: str, steps: np.ndarray, wall: np.ndarray,
               epochs: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        if mode == "time":
            return wall
        if mode == "epoch" and epochs is not None and len(epochs[0]):
            return epoch_axis(steps, epochs[0], epochs[1])
        return steps

    def draw(self) -> None:
        buffer = self.buffer
        assert buffer is not None
        mode = self.x_mode.currentText()
        settings = (mode, self.weight)
        if settings != self._settings:
            self._keys.clear()
            self._settings = settings
            self._draw_previous(mode)
            for plot in self.plot_items.values():
                plot.setLabel("bottom", X_MODES[mode])
        epochs = None
        if mode == "epoch":
            epochs = buffer.series("epoch")
        any_data = False
        for name, curve in self.curves.items():
            steps, values = buffer.series(name)
            any_data = any_data or len(steps) > 0
            key = (len(steps), steps[-1] if len(steps) else None, values[-1] if len(values) else None)
            if self._keys.get(name) == key:
                continue
            self._keys[name] = key
            wall = buffer.series_wall(name) if mode == "time" else steps
            x = self._x_for(mode, steps, wall, epochs)
            weight = 0.0 if name in UNSMOOTHED else self.weight
            smooth = ema_smooth(values, weight) if weight > 0 else values
            self.data[name] = (x, values, smooth)
            curve.setData(x, smooth)
            if name == "lr":
                self._fit_constant(values)
            if weight > 0:
                self.raw_curves[name].setData(x, values)
            else:
                self.raw_curves[name].setData([], [])
        self.show_hint("" if any_data or self.previous else "No training history yet: press Start (Space) to train.")

    def _fit_constant(self, values: np.ndarray) -> None:
        """A constant learning rate sits mid-height on a 0-based axis instead of a degenerate range."""
        plot = self.plot_items["lr"]
        earlier = any("lr" in run for run in self.previous)  # their rates must stay in view too
        if len(values) and np.ptp(values) == 0 and values[0] > 0 and not self.log_y.isChecked() and not earlier:
            plot.setYRange(0.0, 2.0 * values[0], padding=0.05)
        else:
            plot.enableAutoRange(axis="y")

    def _draw_previous(self, mode: str) -> None:
        for item in self.previous_curves:
            r, name = item.property("series")
            steps, values, wall = self.previous[r][name]
            epochs = self.previous[r].get("epoch")
            x = self._x_for(mode, steps, wall, None if epochs is None else (epochs[0], epochs[1]))
            weight = 0.0 if name in UNSMOOTHED else self.weight
            item.setData(x, ema_smooth(values, weight) if weight > 0 else values)

    # ------------------------------------------------------------ readout
    def readout_at(self, x: float) -> str:
        """Text of every current series' value nearest to ``x`` (the hover readout)."""
        parts = [f"{self.x_mode.currentText()} {x:.4g}"]
        for name in self.curves:
            xs, raw, smooth = self.data.get(name, (np.empty(0),) * 3)
            if len(xs) == 0 or x < xs[0] - 0.05 * (xs[-1] - xs[0] + 1):
                continue
            i = int(np.clip(np.searchsorted(xs, x), 1, len(xs) - 1)) if len(xs) > 1 else 0
            if len(xs) > 1 and abs(xs[i - 1] - x) <= abs(xs[i] - x):
                i -= 1
            text = f"{name} {raw[i]:.4g}"
            if self.weight > 0 and name not in UNSMOOTHED:
                text += f" (smoothed {smooth[i]:.4g})"
            parts.append(text)
        return " · ".join(parts)

    def _mouse_moved(self, pos: QPointF) -> None:
        for plot in self.plot_items.values():
            if plot.vb.sceneBoundingRect().contains(pos):
                x = plot.vb.mapSceneToView(pos).x()
                self.readout.setText(self.readout_at(x))
                for cursor in self.cursors:
                    cursor.setPos(x)
                    cursor.setVisible(True)
                return
        for cursor in self.cursors:
            cursor.setVisible(False)

    # ------------------------------------------------------------ export
    def export_csv(self, path: str) -> None:
        """Long table: run, series, step, time_s, value, smoothed (current run and earlier runs)."""
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
                    weight = 0.0 if name in UNSMOOTHED else self.weight
                    smooth = ema_smooth(values, weight) if weight > 0 else values
                    for s, t, v, sm in zip(steps, wall, values, smooth, strict=True):
                        yield label, name, int(s), float(t), float(v), float(sm)
        write_csv(path, ("run", "series", "step", "time_s", "value", "smoothed"), rows())
