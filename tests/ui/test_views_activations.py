"""ActivationsView fed with an "activations" snapshot in the probe's format."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.graph.elements import Node
from playground.graph.model import Graph
from playground.train.metrics import MetricsBuffer
from playground.ui.views import ActivationsView, ViewContext


def snapshot() -> dict:
    rng = np.random.default_rng(0)
    conv = rng.normal(size=(2, 5, 4, 4)).astype(np.float32)
    relu = np.maximum(rng.normal(size=(8, 6)), 0).astype(np.float32)
    relu[:, 0] = 0
    seq = rng.normal(size=(8, 7, 3)).astype(np.float32)
    return {
        "n1": {"label": "input", "type": "Input", "shape": (2,), "values": rng.normal(size=(8, 2)).astype(np.float32),
               "mean": np.zeros(2, np.float32), "dead_fraction": None},
        "n2": {"label": "conv1", "type": "Conv2d", "shape": (5, 4, 4), "values": conv,
               "mean": conv.mean(axis=(0, 2, 3)), "dead_fraction": None},
        "n3": {"label": "relu1", "type": "ReLU", "shape": (6,), "values": relu, "mean": relu.mean(0),
               "dead_fraction": 1 / 6},
        "n4": {"label": "lstm", "type": "LSTM", "shape": (7, 3), "values": seq, "mean": seq.mean((0, 1)),
               "dead_fraction": None},
    }


@pytest.fixture
def view(view_of):
    return view_of(ActivationsView)  # draws on every refresh (tests/ui/conftest.py)


def test_follows_selection_and_draws_feature_maps(view: ActivationsView) -> None:
    buffer = MetricsBuffer()
    data = snapshot()
    buffer.put_snapshot("activations", 40, data)
    view.refresh(buffer, ViewContext(graph=Graph(), selected=["n2"]))
    assert view.block.count() == 4 and view.block.currentText() == "conv1 (Conv2d)"
    assert view.image.shape == (2 * 5 - 1, 3 * 5 - 1)  # 5 channels of 4×4 in a 2 × 3 grid
    assert np.array_equal(view.image[0:4, 5:9], data["n2"]["values"][0, 1])
    peak = float(np.abs(data["n2"]["values"][0]).max())
    assert list(view.map_image.getLevels()) == pytest.approx([-peak, peak])
    assert "5 of 5 channels" in view.map_plot.titleLabel.text
    assert view.summary.text() == "conv1 · Conv2d · output N×5×4×4 · step 40"
    assert view.counts.sum() == data["n2"]["values"].size
    assert np.allclose(view.mean_bars.opts["height"], data["n2"]["mean"])
    assert view.hint.isHidden()
    view.sample.setCurrentIndex(1)
    assert np.array_equal(view.image[0:4, 0:4], data["n2"]["values"][1, 0])


def test_dead_relus_and_sample_matrix(view: ActivationsView) -> None:
    buffer = MetricsBuffer()
    buffer.put_snapshot("activations", 40, snapshot())
    view.refresh(buffer, ViewContext(graph=Graph(), selected=["n3"]))
    assert "dead ReLUs 16.7%" in view.summary.text()
    assert view.image.shape == (8, 6)
    assert view.map_image.getLevels()[0] == 0.0  # non-negative output: a 0-based scale
    view.refresh(buffer, ViewContext(graph=Graph(), selected=["n4"]))
    assert view.image.shape == (7, 3) and view.mean_plot.getAxis("bottom").labelText == "unit"


def test_hint_without_selection_and_manual_pick(view: ActivationsView, tmp_path) -> None:
    buffer = MetricsBuffer()
    data = snapshot()
    buffer.put_snapshot("activations", 40, data)
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert "Select a block" in view.hint.text()
    assert view.block.currentData() == "n2"  # the first block that is not the input
    view.block.setCurrentIndex(2)
    assert view.node == "n3"
    view.export_csv(str(tmp_path / "a.csv"))
    with open(tmp_path / "a.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    values = [r for r in rows if r["kind"] == "value"]
    assert len(values) == 8 * 6
    assert float(values[7]["value"]) == pytest.approx(float(data["n3"]["values"][1, 1]))
    assert next(r for r in rows if r["kind"] == "dead_fraction")["value"] == f"{1 / 6:.9g}"


def test_no_activations_hint(view: ActivationsView) -> None:
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph()))
    assert "Add blocks to the canvas" in view.hint.text() and view.empty
    graph = Graph()
    graph.add_node(Node("n1", "Input", "input"))
    view.refresh(MetricsBuffer(), ViewContext(graph=graph))
    assert view.hint.text().startswith("Press Start") and view.graphics.isHidden()
