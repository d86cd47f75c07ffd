"""BoundaryView fed with "boundary" snapshots for binary, multi-class and regression tasks."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.train.metrics import MetricsBuffer
from playground.ui.views import BoundaryView, ViewContext

G = 16


def plane(task: str = "classification", classes: int = 2) -> dict:
    xs = np.linspace(-1, 1, G)
    gx, gy = np.meshgrid(xs, xs)  # row = y, column = x (as the probe lays it out)
    rng = np.random.default_rng(0)
    train_x = rng.uniform(-1, 1, (30, 2)).astype(np.float32)
    val_x = rng.uniform(-1, 1, (10, 2)).astype(np.float32)
    if task == "regression":
        output = (gx + gy).astype(np.float32)
        train_y = (train_x[:, :1] + train_x[:, 1:]).astype(np.float32)
        val_y = (val_x[:, :1] + val_x[:, 1:]).astype(np.float32)
    elif classes == 2:
        output = (1 / (1 + np.exp(-8 * gx))).astype(np.float32)  # P(class 1) grows with x₁
        train_y, val_y = (train_x[:, 0] > 0).astype(np.int64), (val_x[:, 0] > 0).astype(np.int64)
    else:
        logits = np.stack([-gx, gx, gy * 3], -1)
        output = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(np.float32)
        train_y = rng.integers(0, 3, 30)
        val_y = rng.integers(0, 3, 10)
    return {"extent": (-1.0, 1.0, -1.0, 1.0), "resolution": G, "output": output, "train_x": train_x,
            "train_y": train_y, "val_x": val_x, "val_y": val_y, "task": task,
            "num_classes": classes if task == "classification" else None}


@pytest.fixture
def view(view_of):
    return view_of(BoundaryView)  # draws on every refresh (tests/ui/conftest.py)


def shown(buffer: MetricsBuffer, view: BoundaryView, data: dict, step: int = 10) -> None:
    buffer.put_snapshot("boundary", step, data)
    view.refresh(buffer, ViewContext(graph=Graph()))


def test_binary_boundary_colours_points_and_toggles(view: BoundaryView) -> None:
    buffer = MetricsBuffer()
    shown(buffer, view, plane())
    image = view.class_map.image
    assert image.shape == (G, G, 3) and view.class_map.isVisible() and not view.surface.isVisible()
    left, right = image[G // 2, 0].astype(int), image[G // 2, -1].astype(int)
    assert left[0] > left[2] and right[2] > right[0]  # orange where x₁ < 0, blue where x₁ > 0
    rect = view.class_map.mapRectToParent(view.class_map.boundingRect())
    assert rect.left() < -1 < rect.right() and rect.top() < -1 < 1 < rect.bottom()
    assert len(view.train_points.data) == 30 and len(view.test_points.data) == 10
    brushes = {view.train_points.data["brush"][i].color().name() for i in range(30)}
    assert len(brushes) == 2
    view.show_test.setChecked(False)
    assert not view.test_points.isVisible()
    assert len({tuple(c) for c in image.reshape(-1, 3)}) > 2
    view.discrete.setChecked(True)
    assert len({tuple(c) for c in view.class_map.image.reshape(-1, 3)}) == 2


def test_multiclass_uses_one_colour_per_class(view: BoundaryView) -> None:
    buffer = MetricsBuffer()
    view.discrete.setChecked(True)
    shown(buffer, view, plane(classes=3))
    assert len({tuple(c) for c in view.class_map.image.reshape(-1, 3)}) == 3


def test_regression_surface_with_fixed_levels(view: BoundaryView, tmp_path) -> None:
    buffer = MetricsBuffer()
    data = plane("regression")
    shown(buffer, view, data)
    assert view.surface.isVisible() and not view.class_map.isVisible()
    assert view.surface.image.shape == (G, G)
    targets = np.concatenate([data["train_y"][:, 0], data["val_y"][:, 0]])
    assert view.surface.getLevels() == pytest.approx([targets.min(), targets.max()])
    data2 = plane("regression")
    data2["output"] = data2["output"] * 3  # the network overshoots: levels stay on the targets
    shown(buffer, view, data2, step=20)
    assert view.surface.getLevels() == pytest.approx([targets.min(), targets.max()])
    view.discrete.setChecked(True)
    assert len(np.unique(view.surface.image)) <= 10
    view.export_csv(str(tmp_path / "b.csv"))
    with open(tmp_path / "b.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(r["kind"] == "grid" for r in rows) == G * G
    assert sum(r["kind"] == "train" for r in rows) == 30
    grid = [r for r in rows if r["kind"] == "grid"]
    assert float(grid[G + 3]["output_0"]) == pytest.approx(float(data2["output"][1, 3]), rel=1e-6)


def test_classification_csv_has_class_probabilities(view: BoundaryView, tmp_path) -> None:
    buffer = MetricsBuffer()
    data = plane()
    shown(buffer, view, data)
    view.export_csv(str(tmp_path / "b.csv"))
    with open(tmp_path / "b.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    first = rows[0]
    assert float(first["output_0"]) + float(first["output_1"]) == pytest.approx(1.0)
    assert float(first["x1"]) == -1.0 and float(first["x2"]) == -1.0
    tests = [r for r in rows if r["kind"] == "test"]
    assert [int(r["target"]) for r in tests] == list(data["val_y"])


def test_placeholder_says_what_is_true_for_the_data(view: BoundaryView) -> None:
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph()))
    assert "Choose a dataset with two input features" in view.hint.text()
    assert view.empty and view.graphics.isHidden()  # no axes around nothing
    images = TaskSpec(task="classification", input_shape=(1, 28, 28), num_classes=10)
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph(), task=images))
    assert view.hint.text().startswith("This data has 1×28×28 input features")
    planar = TaskSpec(task="classification", input_shape=(2,), num_classes=2)
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph(), task=planar))
    assert view.hint.text().startswith("Press Start")
    buffer = MetricsBuffer()
    shown(buffer, view, plane())
    assert not view.empty and view.hint.isHidden()


def test_cleared_buffer_clears_the_plane(view: BoundaryView) -> None:
    buffer = MetricsBuffer()
    shown(buffer, view, plane())
    buffer.clear()
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert view.class_map.image is None and len(view.train_points.data) == 0


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_wide_dock_shows_the_data_extent_with_square_pixels(view: BoundaryView, qtbot, task: str) -> None:
    view.resize(1400, 260)  # a bottom dock across the window
    view.show()
    qtbot.waitExposed(view)
    shown(MetricsBuffer(), view, plane(task))
    qtbot.wait(50)  # the layout follows the resize
    (x0, x1), (y0, y1) = view.plot.vb.viewRange()
    assert -1.25 < x0 < -1.0 and 1.0 < x1 < 1.25, (x0, x1)  # not ±10 across the dock
    assert -1.25 < y0 < -1.0 and 1.0 < y1 < 1.25, (y0, y1)
    box = view.plot.vb.sceneBoundingRect()
    assert abs(box.width() - box.height()) < 0.1 * box.height()  # square pixels: a square plane
