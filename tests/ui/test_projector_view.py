"""ProjectorView draws the recorded projection of a really trained network: the chosen block's
points, coloured by class, at the step the timeline shows; nothing recorded says so."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.analysis.projector import separation
from playground.data import make_dataset
from playground.graph.builder import chain_graph
from playground.graph.model import Graph
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.ui.views import ALL_VIEWS, ViewContext
from playground.ui.views.colormaps import class_color
from playground.ui.views.projector_view import ProjectorView


@pytest.fixture(scope="module")
def trained():
    bundle = make_dataset("gaussians", {"n_samples": 300, "classes": 3})
    graph = chain_graph(("Linear", {"out_features": 8}), ("Tanh", {}), ("Linear", {"out_features": 3}))
    trainer = Trainer(graph, bundle, TrainConfig(batch_size=32, max_steps=60, device="cpu"), MetricsBuffer())
    trainer.run(wait_when_paused=False)
    return trainer, ViewContext(graph=graph, task=bundle.task, bundle=bundle)


def shown_xy(view: ProjectorView) -> np.ndarray:
    x, y = view.scatter.getData()
    return np.stack([x, y], 1)


def test_nothing_recorded_says_so(view_of):
    assert ProjectorView in ALL_VIEWS
    view = view_of(ProjectorView)
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph()))
    assert view.empty and "No projection yet" in view.hint.text()
    assert view.block.accessibleName() and view.block.toolTip()


def test_draws_the_chosen_blocks_recorded_points_and_follows_the_timeline(view_of, trained, tmp_path):
    trainer, context = trained
    view = view_of(ProjectorView)
    view.refresh(trainer.buffer, context)
    step, snap = trainer.buffer.snapshot("projection")
    labels = [view.block.itemText(i) for i in range(view.block.count())]
    assert labels == [rec["label"] for rec in snap["blocks"].values()]
    last = list(snap["blocks"])[-1]
    assert view.block.currentData() == last  # opens on the network's last block
    np.testing.assert_allclose(shown_xy(view), snap["blocks"][last]["points"], rtol=1e-6)
    brushes = view.scatter.data["brush"]
    for i in (0, 1, len(brushes) - 1):
        assert brushes[i].color().getRgb()[:3] == class_color(int(snap["targets"][i]))
    score = separation(snap["blocks"][last]["points"], snap["targets"])
    assert f"at step {step}" in view.hint.text() and f"class separation {score:.2f}" in view.hint.text()
    # another block, then an earlier step of the timeline
    view.block.setCurrentIndex(1)
    nid = view.block.currentData()
    np.testing.assert_allclose(shown_xy(view), snap["blocks"][nid]["points"], rtol=1e-6)
    view.show_step(10)
    at, early = trainer.buffer.snapshot_at("projection", 10)
    assert at == 10 and view.block.currentData() == nid
    np.testing.assert_allclose(shown_xy(view), early["blocks"][nid]["points"], rtol=1e-6)
    assert not np.allclose(early["blocks"][last]["points"], snap["blocks"][last]["points"])
    path = tmp_path / "projection.csv"
    view.export_csv(str(path))
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == len(early["targets"]) and float(rows[0]["axis_1"]) == pytest.approx(
        float(early["blocks"][nid]["points"][0, 0]), rel=1e-6)
