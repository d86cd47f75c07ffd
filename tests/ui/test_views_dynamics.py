"""DynamicsView fed with "modes" and "similarity" snapshots in the trainer's format."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.graph.model import Graph
from playground.train.metrics import MetricsBuffer
from playground.ui.views import DynamicsView, ViewContext

SINGULAR = np.array([3.0, 2.0, 1.0])
ITEMS = ["oak", "rose", "salmon", "robin"]


def filled(moments: int = 6) -> MetricsBuffer:
    buffer = MetricsBuffer()
    for i in range(moments):
        step = 50 * i
        strength = SINGULAR / (1 + np.exp(-(step - 100 * np.arange(1, 4)) / 20))
        analytic = SINGULAR / (1 + np.exp(-(step - 100 * np.arange(1, 4) - 5) / 20))
        buffer.put_snapshot("modes", step, {"strength": strength, "singular_values": SINGULAR.copy(),
                                            "analytic": analytic}, keep_history=True)
        m = np.eye(4) + (i / moments) * np.kron(np.eye(2), np.ones((2, 2)))
        buffer.put_snapshot("similarity", step, {"matrix": (m / m.max()).astype(np.float32), "items": ITEMS},
                            keep_history=True)
    return buffer


@pytest.fixture
def view(view_of):
    return view_of(DynamicsView)  # draws on every refresh (tests/ui/conftest.py)


def test_mode_curves_with_analytic_overlay(view: DynamicsView) -> None:
    buffer = filled()
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert len(view.strength_curves) == 3
    history = buffer.snapshot_history("modes")
    x, y = view.strength_curves[1].getOriginalDataset()
    assert list(x) == [s for s, _ in history]
    assert np.allclose(y, [d["strength"][1] for _, d in history])
    assert np.allclose(view.analytic_curves[2].getOriginalDataset()[1], [d["analytic"][2] for _, d in history])
    assert view.strength_curves[0].name() == "mode 1 (s=3)"


def test_similarity_matrix_labels_and_the_step_the_timeline_shows(view: DynamicsView) -> None:
    buffer = filled()
    view.refresh(buffer, ViewContext(graph=Graph()))
    last = buffer.snapshot("similarity")[1]["matrix"]
    assert np.allclose(view.sim_image.image, last)
    assert list(view.sim_image.getLevels()) == [-1.0, 1.0]
    assert [t for _, t in view.sim_plot.getAxis("left")._tickLevels[0]] == ITEMS
    assert view.time_label.text() == "step 250 (latest)"
    view.show_step(0)
    assert np.allclose(view.sim_image.image, np.eye(4))
    assert view.cursor.value() == 0 and view.sim_plot.titleLabel.text == "Hidden-layer similarity at step 0"
    view.show_step(120)  # between records: the one before
    assert view.sim_step == 100 and view.cursor.value() == 120 and view.time_label.text() == "step 100"
    buffer.put_snapshot("similarity", 300, {"matrix": np.ones((4, 4), dtype=np.float32), "items": ITEMS})
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert view.sim_step == 100  # pinned: new data does not yank it to the latest
    view.show_step(None)
    assert view.sim_step == 300 and view.time_label.text() == "step 300 (latest)"


def test_export_and_hint(view: DynamicsView, tmp_path) -> None:
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph()))
    assert "deep linear" in view.hint.text() and "has none" in view.hint.text()
    assert view.empty and view.graphics.isHidden()  # no empty axes under the sentence
    view.refresh(filled(), ViewContext(graph=Graph()))
    assert view.hint.isHidden() and not view.empty
    view.export_csv(str(tmp_path / "d.csv"))
    with open(tmp_path / "d.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(r["kind"] == "mode" for r in rows) == 6 * 3
    sim = [r for r in rows if r["kind"] == "similarity"]
    assert len(sim) == 16 and sim[1]["item_a"] == "oak" and sim[1]["item_b"] == "rose"
