"""HistogramView fed with "weights"/"grads" snapshots in the probe's format."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.graph.model import Graph
from playground.train.metrics import MetricsBuffer
from playground.ui.views import HistogramView, ViewContext
from playground.ui.views.histogram_view import HEATMAP_BINS, HEATMAP_COLUMNS

STEPS = [0, 10, 20, 40, 80]


def hist(spread: float, seed: int) -> dict[str, np.ndarray]:
    values = np.random.default_rng(seed).normal(0, spread, 500)
    r = 1.0 if spread < 0.25 else 2.0
    counts, edges = np.histogram(np.clip(values, -r, r), bins=41, range=(-r, r))
    return {"counts": counts.astype(np.int64), "edges": edges}


def filled() -> MetricsBuffer:
    buffer = MetricsBuffer()
    for i, step in enumerate(STEPS):
        spread = 0.1 + 0.1 * i
        buffer.put_snapshot("weights", step, {"fc1.weight": hist(spread, i), "fc1.bias": hist(0.05, i)},
                            keep_history=True)
        buffer.add_scalars(step, {"grad_norm/fc1": 1.0 / (i + 1), "grad_norm/head": 2.0 / (i + 1)})
    return buffer


@pytest.fixture
def view(view_of):
    return view_of(HistogramView)  # draws on every refresh (tests/ui/conftest.py)


def test_current_histogram_heatmap_and_picker(view: HistogramView) -> None:
    buffer = filled()
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert [view.param.itemText(i) for i in range(view.param.count())] == ["fc1.weight", "fc1.bias"]
    latest = buffer.snapshot("weights")[1]["fc1.weight"]
    x, y = view.hist_curve.getOriginalDataset()
    assert np.array_equal(x, latest["edges"]) and np.array_equal(y, latest["counts"])
    assert view.heatmap.image.shape == (HEATMAP_BINS, HEATMAP_COLUMNS)
    assert list(view.heatmap.getLevels()) == [0.0, 1.0]
    assert view.heatmap.image.max() == pytest.approx(1.0)
    rect = view.heatmap.mapRectToParent(view.heatmap.boundingRect())
    assert rect.left() == pytest.approx(0) and rect.right() == pytest.approx(80)
    # shared range: from the first to the last filled bin of any moment, so the widest (last) one fits
    assert view.edges[0] <= -1.0 and view.edges[-1] >= 1.0 and view.edges[-1] <= 2.0
    assert len(view.history) == len(STEPS) and view.time_label.text() == "step 80 (latest)"
    assert view.hist_plot.titleLabel.text == "fc1.weight at step 80"
    median = view.band[1].getOriginalDataset()[1]
    assert np.abs(median).max() < 0.2  # centred distributions
    view.param.setCurrentText("fc1.bias")
    bias = buffer.snapshot("weights")[1]["fc1.bias"]
    assert np.array_equal(view.hist_curve.getOriginalDataset()[1], bias["counts"])


def test_the_step_the_timeline_shows_and_stays_there(view: HistogramView) -> None:
    buffer = filled()
    view.refresh(buffer, ViewContext(graph=Graph()))
    view.show_step(15)  # between records: the one at or before it
    first = buffer.snapshot_history("weights")[1][1]["fc1.weight"]
    assert np.array_equal(view.hist_curve.getOriginalDataset()[1], first["counts"])
    assert view.time_label.text() == "step 10" and view.cursor.value() == 10
    buffer.put_snapshot("weights", 160, {"fc1.weight": hist(1.0, 9), "fc1.bias": hist(0.05, 9)}, keep_history=True)
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert len(view.history) == len(STEPS) + 1 and view.time_label.text() == "step 10"  # not yanked back to live
    view.show_step(None)
    assert view.time_label.text() == "step 160 (latest)"
    view.show_step(-1)
    assert view.time_label.text() == "nothing recorded by step -1"


def test_gradient_norm_chart_and_missing_grads_hint(view: HistogramView) -> None:
    buffer = filled()
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert sorted(view.norm_curves) == ["grad_norm/fc1", "grad_norm/head"]
    x, y = view.norm_curves["grad_norm/head"].getOriginalDataset()
    assert list(x) == STEPS and y[0] == pytest.approx(2.0)
    assert view.norm_plot.getAxis("left").logMode
    view.kind.setCurrentText("gradients")
    assert "No gradient histograms were recorded in this run" in view.hint.text() and view.empty


def test_export(view: HistogramView, tmp_path) -> None:
    buffer = filled()
    view.refresh(buffer, ViewContext(graph=Graph()))
    view.export_csv(str(tmp_path / "h.csv"))
    with open(tmp_path / "h.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    hist_rows = [r for r in rows if r["kind"] == "weights"]
    assert len(hist_rows) == 41 * len(STEPS)
    last = [int(r["value"]) for r in hist_rows if r["step"] == "80"]
    assert last == list(buffer.snapshot("weights")[1]["fc1.weight"]["counts"])
    assert {r["name"] for r in rows if r["kind"] == "grad_norm"} == {"fc1", "head"}
    view.export_png(str(tmp_path / "h.png"))
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cleared_buffer_clears_the_plots(view: HistogramView) -> None:
    buffer = filled()
    view.refresh(buffer, ViewContext(graph=Graph()))
    buffer.clear()  # what "reset weights" does
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert view.heatmap.image is None and view.history == []
    assert view.hist_curve.getOriginalDataset()[0] is None or len(view.hist_curve.getOriginalDataset()[0]) == 0
    assert "Add blocks to the canvas" in view.hint.text() and view.empty  # an empty graph
