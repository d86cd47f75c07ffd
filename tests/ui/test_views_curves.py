"""CurvesView fed with synthetic metrics in the MetricsBuffer's real scalar names."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from playground.graph.model import Graph
from playground.train.metrics import MetricsBuffer
from playground.ui.views import CurvesView, ViewContext
from playground.ui.views.curve_ranges import bounds, follow, nice_step, snapped
from playground.ui.views.curves_data import window_points
from playground.ui.views.curves_view import DEFAULT_SLIDER, PLOTS
from playground.ui.views.smoothing import ema_smooth, step_smooth


def fill(buffer: MetricsBuffer, steps: int = 400, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for s in range(steps):
        buffer.add_scalars(s, {"train/loss": 2.0 * np.exp(-s / 100) + 0.1 * rng.random()})
        if s % 20 == 0:
            buffer.add_scalars(s, {"val/loss": 2.0 * np.exp(-s / 100) + 0.05, "train/accuracy": 1 - np.exp(-s / 80),
                                   "val/accuracy": 1 - np.exp(-s / 90), "lr": 0.01 * (1 - s / steps),
                                   "epoch": s // 40, "steps_per_s": 300.0 + s})


@pytest.fixture
def view(view_of):
    return view_of(CurvesView)  # draws on every refresh (tests/ui/conftest.py)


def ctx() -> ViewContext:
    return ViewContext(graph=Graph())


def test_raw_is_drawn_faint_behind_the_smoothed_curve_and_sparse_series_raw_with_markers(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    fill(buffer)
    view.refresh(buffer, ctx())
    steps, values = buffer.series("train/loss")
    x, y = view.curves["train/loss"].getOriginalDataset()
    assert np.array_equal(x, steps)
    assert view.window_steps == pytest.approx(window_points(view.smoothing.value()))  # one point a step
    assert np.allclose(y, step_smooth(steps, values, view.window_steps))
    assert np.std(np.diff(y)) < 0.5 * np.std(np.diff(values))  # visibly smoother than the raw values
    raw = view.raw_curves["train/loss"]
    assert np.array_equal(raw.getOriginalDataset()[1], values)
    assert raw.opts["pen"].color().alpha() < view.curves["train/loss"].opts["pen"].color().alpha()
    assert raw.zValue() <= view.curves["train/loss"].zValue()
    items = view.plot_items["loss"].listDataItems()
    assert items.index(raw) < items.index(view.curves["train/loss"])  # behind: painted first
    assert view.curves["train/loss"].opts["symbol"] is None

    # validation every 20 steps: ~1.5 points a window, so drawn as measured, with markers
    val_steps, val_values = buffer.series("val/loss")
    assert np.array_equal(view.curves["val/loss"].getOriginalDataset()[1], val_values)
    assert view.curves["val/loss"].opts["symbol"] == "o"
    assert len(view.raw_curves["val/loss"].getOriginalDataset()[0] or []) == 0

    view.smoothing.setValue(80)  # a window of ~800 steps holds 40 validation points: smoothed too
    assert view.window_steps >= 20 * 20
    assert np.allclose(view.curves["val/loss"].getOriginalDataset()[1],
                       step_smooth(val_steps, val_values, view.window_steps))
    assert view.curves["val/loss"].opts["symbol"] is None
    assert view.smoothing_label.text() == f"{view.window_steps:.0f} steps"

    view.smoothing.setValue(0)  # off: redraws at once from the last buffer
    assert np.array_equal(view.curves["train/loss"].getOriginalDataset()[1], values)
    assert len(view.raw_curves["train/loss"].getOriginalDataset()[0] or []) == 0
    assert view.smoothing_label.text() == "off"


def test_sparse_validation_that_drops_to_zero_is_not_drawn_lagging(view: CurvesView) -> None:
    """The case from issue 13: validation every 25 steps falls from ~1 to ~0 at step 175; index-based
    smoothing (0.6) still drew about 0.5 at step 200."""
    buffer = MetricsBuffer()
    rng = np.random.default_rng(2)
    for s in range(201):
        buffer.add_scalars(s, {"train/loss": (1.0 if s < 160 else 0.02) + 0.05 * rng.random()})
    for s in range(0, 201, 25):
        buffer.record_scalars(s, {"val/loss": 1.0 if s < 175 else 0.01})
    _, val_values = buffer.series("val/loss")
    assert ema_smooth(val_values, 0.6)[-1] > 0.3  # what the old smoothing drew: the check can fail
    for position in (1, DEFAULT_SLIDER, 30, 50):
        view.smoothing.setValue(position)
        view.refresh(buffer, ctx())
        assert view.window_steps / 25 < 20  # fewer than 20 validation points a window
        drawn = view.curves["val/loss"].getOriginalDataset()[1]
        assert drawn[-1] == pytest.approx(val_values[-1], abs=0.02)
        assert drawn[-2] == pytest.approx(0.01, abs=0.02)
        assert view.curves["val/loss"].opts["symbol"] == "o"


def test_unchanged_buffer_is_not_redrawn_and_new_points_are(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    fill(buffer, 100)
    view.refresh(buffer, ctx())
    first = view.curves["train/loss"].getOriginalDataset()[0]
    view.refresh(buffer, ctx())
    assert view.curves["train/loss"].getOriginalDataset()[0] is first
    buffer.add_scalars(100, {"train/loss": 0.5})
    view.refresh(buffer, ctx())
    assert len(view.curves["train/loss"].getOriginalDataset()[0]) == 101


def test_x_axis_modes_and_log_y(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    fill(buffer)
    view.refresh(buffer, ctx())
    view.x_mode.setCurrentText("epoch")
    x = view.curves["train/loss"].getOriginalDataset()[0]
    assert x[0] == 0 and x[-1] == pytest.approx(399 / 40, rel=0.02)
    assert view.plot_items["loss"].getAxis("bottom").labelText == "epoch"
    view.x_mode.setCurrentText("time")
    assert np.array_equal(view.curves["train/loss"].getOriginalDataset()[0], buffer.series_wall("train/loss"))
    assert view.plot_items["lr"].getAxis("bottom").labelText == "time (s)"
    view.log_y.setChecked(True)
    assert view.plot_items["loss"].getAxis("left").logMode
    assert view.plot_items["lr"].getAxis("left").logMode
    assert not view.plot_items["accuracy"].getAxis("left").logMode


def test_hover_readout_names_values_under_the_mouse(view: CurvesView, qtbot) -> None:
    buffer = MetricsBuffer()
    fill(buffer)
    view.smoothing.setValue(0)
    view.show()
    qtbot.waitExposed(view)
    view.refresh(buffer, ctx())
    plot = view.plot_items["loss"]
    plot.setXRange(0, 400, padding=0)
    plot.setYRange(0, 2.2, padding=0)
    view.graphics.scene().sigMouseMoved.emit(plot.vb.mapViewToScene(QPointF(200.2, 1.0)))
    text = view.readout.text()
    _, values = buffer.series("train/loss")
    assert text.startswith("step 200")
    assert f"training loss {values[200]:.4g}" in text
    assert "validation loss" in text and "/" not in text
    assert all(c.isVisible() for c in view.cursors)


def test_previous_runs_overlay_and_bad_input(view: CurvesView) -> None:
    earlier = MetricsBuffer()
    fill(earlier, 300, seed=3)
    view.smoothing.setValue(0)
    view.set_previous_runs([earlier.export_history()])
    losses = [c for c in view.previous_curves if c.property("series") == (0, "train/loss")]
    assert len(losses) == 1
    assert np.array_equal(losses[0].getOriginalDataset()[1], earlier.series("train/loss")[1])
    assert losses[0].name() == "run 1"
    view.set_previous_runs([])
    assert view.previous_curves == []
    with pytest.raises(ValueError, match="earlier run 2: series 'train/loss' needs 'steps' and 'values'"):
        view.set_previous_runs([earlier.export_history(), {"train/loss": {"steps": [1, 2]}}])
    with pytest.raises(ValueError, match="earlier run 1: series 'lr' has 2 steps but 1 values"):
        view.set_previous_runs([{"lr": {"steps": [1, 2], "values": [0.1]}}])


def test_export_png_and_csv(view: CurvesView, tmp_path) -> None:
    buffer = MetricsBuffer()
    fill(buffer, 50)
    earlier = MetricsBuffer()
    fill(earlier, 30)
    view.set_previous_runs([earlier.export_history()])
    view.refresh(buffer, ctx())
    view.export_png(str(tmp_path / "c.png"))
    image = QImage(str(tmp_path / "c.png"))
    assert not image.isNull() and image.width() == view.width() and image.height() == view.height()
    view.export_csv(str(tmp_path / "c.csv"))
    with open(tmp_path / "c.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    loss = [r for r in rows if r["run"] == "current" and r["series"] == "train/loss"]
    assert [int(r["step"]) for r in loss] == list(range(50))
    assert float(loss[7]["value"]) == pytest.approx(buffer.series("train/loss")[1][7])
    assert sum(r["run"] == "run 1" and r["series"] == "train/loss" for r in rows) == 30


def test_empty_buffer_shows_hint(view: CurvesView) -> None:
    view.refresh(MetricsBuffer(), ctx())
    assert "No training history" in view.hint.text() and not view.hint.isHidden()


def test_refreshes_faster_than_the_budget_fold_into_one_catch_up_redraw(qtbot) -> None:
    view = CurvesView()
    qtbot.addWidget(view)
    view.busy_budget, view.min_interval_s = 1.0, 0.4
    view.show()
    buffer = MetricsBuffer()
    fill(buffer, 10)
    view.refresh(buffer, ctx())
    assert view.draw_count == 1
    for step in (10, 11, 12):  # a burst of new data within the interval
        buffer.add_scalars(step, {"train/loss": 0.5})
        view.refresh(buffer, ctx())
    assert view.draw_count == 1 and len(view.curves["train/loss"].getOriginalDataset()[0]) == 10
    qtbot.waitUntil(lambda: view.draw_count == 2, timeout=5000)
    assert len(view.curves["train/loss"].getOriginalDataset()[0]) == 13  # caught up with the last data

    buffer.add_scalars(13, {"train/loss": 0.4})
    view.refresh(buffer, ctx())
    view.hide()  # hidden before the deferred redraw: it waits until shown again
    qtbot.wait(600)
    assert view.draw_count == 2
    view.show()
    assert view.draw_count == 3 and len(view.curves["train/loss"].getOriginalDataset()[0]) == 14


def test_plots_sit_in_one_row_in_a_wide_low_dock_and_in_a_grid_otherwise(view: CurvesView, qtbot) -> None:
    view.show()
    view.resize(1400, 260)
    qtbot.waitUntil(lambda: view.columns == len(PLOTS), timeout=2000)
    rows = {round(view.plot_items[key].pos().y()) for key, _, _ in PLOTS}
    assert len(rows) == 1  # each plot keeps the dock's whole height
    view.resize(700, 500)
    qtbot.waitUntil(lambda: view.columns == 2, timeout=2000)
    qtbot.wait(20)
    tops = sorted(round(view.plot_items[key].pos().y()) for key, _, _ in PLOTS)
    assert tops[0] == tops[1] < tops[2]  # two a row


def test_earlier_learning_rates_stay_in_view(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    for s in range(10):
        buffer.add_scalars(s, {"train/loss": 1.0, "lr": 0.003})
    earlier = MetricsBuffer()
    for s in range(10):
        earlier.add_scalars(s, {"train/loss": 1.0, "lr": 0.03})
    view.set_previous_runs([earlier.export_history()])
    view.refresh(buffer, ctx())
    assert view.plot_items["lr"].vb.viewRange()[1][1] >= 0.03


def in_view(view: CurvesView, key: str, names: tuple[str, ...]) -> bool:
    (x0, x1), (y0, y1) = view.plot_items[key].vb.viewRange()
    for name in names:
        drawn = view.data[name]
        if not (x0 <= drawn.x.min() and drawn.x.max() <= x1 and y0 <= drawn.raw.min() and drawn.raw.max() <= y1):
            return False
    return True


def test_a_streamed_run_keeps_every_point_in_view_and_moves_the_axes_in_round_steps(view: CurvesView) -> None:
    """While a run streams points, the axes move only when the data leaves them (every move costs
    each plot a new layout of its ticks and labels), and every point stays in view at every frame."""
    buffer = MetricsBuffer()
    moves: list[str] = []
    for key, plot in view.plot_items.items():
        plot.vb.sigRangeChanged.connect(lambda *_a, k=key: moves.append(k))
    rng = np.random.default_rng(1)
    frames = 0
    for s in range(600):
        buffer.add_scalars(s, {"train/loss": 2.0 * np.exp(-s / 150) + 0.2 * rng.random(), "lr": 0.01})
        if s % 2 == 0:
            buffer.add_scalars(s, {"val/loss": 2.0 * np.exp(-s / 150) + 0.1, "train/accuracy": 1 - np.exp(-s / 90),
                                   "val/accuracy": 1 - np.exp(-s / 100)})
            view.refresh(buffer, ctx())
            frames += 1
            assert in_view(view, "loss", ("train/loss", "val/loss")), s
            assert in_view(view, "accuracy", ("train/accuracy", "val/accuracy")), s
    assert moves.count("loss") < frames / 4  # pyqtgraph's own auto-range moved it at every frame
    x0, x1 = view.plot_items["loss"].vb.viewRange()[0]
    assert x0 == 0 and 599 < x1 <= 700  # round numbers, and the data fills most of the plot
    assert view.plot_items["lr"].vb.viewRange()[1] == pytest.approx([0.0, 0.022])  # constant rate: mid-height


def test_ranges_are_round_hold_the_data_and_zoom_in_once_it_shrinks() -> None:
    assert nice_step(1000) == 100 and nice_step(437) == 20 and nice_step(0.9) == pytest.approx(0.05)
    assert snapped(0.0, 437.0) == (0.0, 440.0) and snapped(0.13, 1.07) == pytest.approx((0.1, 1.1))
    assert snapped(0.0, 440.0) == (0.0, 460.0)  # a point on the edge would be half cut off
    assert snapped(2.0, 2.0) == pytest.approx((1.8, 2.2))  # a constant gets room around it
    assert follow((0.0, 500.0), 0.0, 420.0) is None  # inside and filling most of it: kept
    assert follow((0.0, 500.0), 0.0, 510.0) == (0.0, 600.0)  # left it: room ahead, rounded
    assert follow((0.0, 2.0), 0.1, 0.5) == pytest.approx((0.1, 0.52))  # shrunk well inside: zooms in
    assert follow(None, math.inf, -math.inf) is None  # nothing finite to show
    assert snapped(-1e308, 1e308) == (-1e308, 1e308)  # a span past the float limit: shown as it is
    assert bounds([np.array([1.0, np.nan, 10.0]), np.array([-1.0, 100.0])], log=True) == (0.0, 2.0)


def test_a_zoom_by_hand_stays_until_the_plot_is_handed_back(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    fill(buffer, 200)
    view.refresh(buffer, ctx())
    vb = view.plot_items["loss"].vb
    vb.scaleBy((0.5, 0.5))  # what the mouse wheel does
    vb.sigRangeChangedManually.emit(vb.state["mouseEnabled"])
    zoomed = vb.viewRange()
    for s in range(200, 400):
        buffer.add_scalars(s, {"train/loss": 3.0})
    view.refresh(buffer, ctx())
    assert vb.viewRange() == zoomed  # the new points do not pull the plot away from where it was put
    vb.enableAutoRange()  # the plot's "A" button
    assert in_view(view, "loss", ("train/loss",))
    assert not any(vb.state["autoRange"][:2])  # the view keeps following the data itself
    for s in range(400, 500):
        buffer.add_scalars(s, {"train/loss": 5.0})
    view.refresh(buffer, ctx())
    assert in_view(view, "loss", ("train/loss",))


def test_show_step_draws_a_cursor_with_the_values_recorded_by_then(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    fill(buffer)
    view.refresh(buffer, ctx())
    assert not any(pin.isVisible() for pin in view.pins.values())
    view.show_step(150)
    _, loss = buffer.series("train/loss")
    _, val = buffer.series("val/loss")
    for key in ("loss", "accuracy", "lr"):
        assert view.pins[key].isVisible() and view.pins[key].value() == pytest.approx(150)
    label = view.pins["loss"].label.toPlainText()
    assert f"training loss {loss[150]:.4g}" in label
    assert f"validation loss {val[140 // 20]:.4g}" in label  # the latest validation at or before 150
    assert "accuracy" not in label
    assert view.readout.text().startswith("at step 150: training loss")
    view.x_mode.setCurrentText("epoch")  # the cursor moves with the axis
    assert view.pins["loss"].value() == pytest.approx(150 / 40, rel=0.02)
    view.show_step(None)  # live again: no cursor
    assert not any(pin.isVisible() for pin in view.pins.values())
    assert view.readout.text() == ""


def test_titles_and_readouts_are_words_not_keys(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    fill(buffer)
    view.refresh(buffer, ctx())
    view.show_step(100)
    titles = [view.plot_items[key].titleLabel.text for key, _, _ in PLOTS]
    assert "training" in titles[0] and "validation" in titles[0] and titles[2] == "Learning rate"
    for text in (*titles, view.readout.text(), view.readout_at(50.0)):
        assert not any(key in text for key in ("train/", "val/", "lr ", "steps_per_s", "_")), text


def test_nothing_recorded_shows_no_axes_and_plots_without_data_are_left_out(view: CurvesView) -> None:
    view.show()
    view.refresh(MetricsBuffer(), ctx())
    assert view.graphics.isHidden() and "press Start" in view.hint.text()
    buffer = MetricsBuffer()  # a regression: loss and learning rate, no accuracy
    for s in range(50):
        buffer.add_scalars(s, {"train/loss": 1.0 / (s + 1)})
    buffer.record_scalars(0, {"lr": 0.01, "val/loss": 1.0})
    view.refresh(buffer, ctx())
    assert not view.graphics.isHidden() and view.hint.isHidden()
    assert view.shown_plots == ("loss", "lr")
    layout = view.graphics.ci.items
    assert view.plot_items["accuracy"] not in layout and view.plot_items["lr"] in layout
