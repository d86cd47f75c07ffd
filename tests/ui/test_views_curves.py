"""CurvesView fed with synthetic metrics in the MetricsBuffer's real scalar names."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage

from playground.graph.model import Graph
from playground.train.metrics import MetricsBuffer
from playground.ui.views import CurvesView, ViewContext
from playground.ui.views.curves_view import PLOTS
from playground.ui.views.smoothing import ema_smooth


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


def test_draws_raw_and_smoothed_loss(view: CurvesView) -> None:
    buffer = MetricsBuffer()
    fill(buffer)
    view.smoothing.setValue(80)
    view.refresh(buffer, ctx())
    steps, values = buffer.series("train/loss")
    x, y = view.curves["train/loss"].getOriginalDataset()
    assert np.array_equal(x, steps)
    assert np.allclose(y, ema_smooth(values, 0.8))
    assert np.array_equal(view.raw_curves["train/loss"].getOriginalDataset()[1], values)
    assert len(view.curves["val/loss"].getOriginalDataset()[0]) == 20
    view.smoothing.setValue(0)  # redraws at once from the last buffer
    assert np.array_equal(view.curves["train/loss"].getOriginalDataset()[1], values)
    assert view.raw_curves["train/loss"].getOriginalDataset()[0] is None or \
        len(view.raw_curves["train/loss"].getOriginalDataset()[0]) == 0
    assert view.smoothing_label.text() == "0.00"


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
    assert f"train/loss {values[200]:.4g}" in text
    assert "val/loss" in text
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
    view.plot_items["lr"].vb.updateAutoRange()
    assert view.plot_items["lr"].vb.viewRange()[1][1] >= 0.03
