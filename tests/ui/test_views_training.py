"""Real short training runs (Trainer on templates) drive every view; every view exports PNG and CSV."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtGui import QImage

from playground.data import make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.ui.views import (
    ALL_VIEWS,
    ActivationsView,
    AttentionView,
    BoundaryView,
    CurvesView,
    DynamicsView,
    HistogramView,
    ViewContext,
    unit_thumbnails,
)


def trainer_for(template: str, dataset_params: dict | None = None, **config: object) -> tuple[Trainer, ViewContext]:
    t = TEMPLATES[template]
    bundle = make_dataset(t.dataset, {**t.dataset_params, **(dataset_params or {})})
    graph = t.build()
    cfg = TrainConfig.from_dict({**t.config, "device": "cpu", "probe_every": 5, "eval_every": 5, **config})
    return Trainer(graph, bundle, cfg, MetricsBuffer()), ViewContext(graph=graph, task=bundle.task, bundle=bundle)


@pytest.fixture(scope="module")
def mlp() -> tuple[Trainer, ViewContext]:
    return trainer_for("mlp", {"n_samples": 200})


def test_mlp_run_updates_curves_histograms_boundary_activations(view_of, mlp) -> None:
    trainer, context = mlp
    views = [view_of(cls) for cls in (CurvesView, HistogramView, BoundaryView, ActivationsView)]
    curves, hists, boundary, acts = views
    trainer.run(max_steps=20)
    context.selected = [next(n for n, node in context.graph.nodes.items() if node.label == "tanh1")]
    for v in views:
        v.refresh(trainer.buffer, context)
    n_loss = len(curves.curves["train/loss"].getOriginalDataset()[0])
    first_boundary = boundary.class_map.image.copy()
    first_hist_steps = len(hists.history)
    assert n_loss == 20 and first_boundary.shape == (64, 64, 3)
    assert acts.summary.text().startswith("tanh1 · Tanh")
    assert acts.image.shape[1] == 16  # samples × 16 units

    trainer.run(max_steps=40)
    for v in views:
        v.refresh(trainer.buffer, context)
    assert len(curves.curves["train/loss"].getOriginalDataset()[0]) == 60
    assert len(curves.curves["val/loss"].getOriginalDataset()[0]) >= 2
    assert len(hists.history) > first_hist_steps and hists.time_label.text().endswith("(latest)")
    assert hists.param.count() == 6 and hists.param.itemText(0) == "fc1.weight"
    assert set(n.split("/", 1)[1] for n in hists.norm_curves) == {"fc1", "fc2", "head"}
    assert not np.array_equal(boundary.class_map.image, first_boundary)  # the boundary moved
    assert len(boundary.train_points.data) == len(trainer.bundle.x_train)

    thumbs = unit_thumbnails(trainer.buffer)
    hidden = {nid for nid, node in context.graph.nodes.items() if node.label in ("fc1", "tanh1", "fc2", "tanh2")}
    assert hidden <= set(thumbs) and all(not img.isNull() for img in thumbs.values())


def test_transformer_run_updates_attention(view_of) -> None:
    trainer, context = trainer_for("transformer", {"n_samples": 256}, batch_size=64)
    view = view_of(AttentionView)
    trainer.run(max_steps=4)
    view.refresh(trainer.buffer, context)
    assert [view.block.itemText(i) for i in range(view.block.count())] == ["block1", "block2"]
    assert view.image.image.shape == (8, 8)
    assert np.allclose(view.image.image.sum(axis=1), 1.0, atol=1e-4)  # rows are softmax distributions
    vocab = set(trainer.bundle.meta["tokens"])
    assert set(view.key_labels) <= vocab
    before = view.image.image.copy()
    trainer.run(max_steps=6)
    view.refresh(trainer.buffer, context)
    assert view.step == 10 and not np.allclose(view.image.image, before)


def test_deep_linear_run_updates_dynamics(qtbot) -> None:
    trainer, context = trainer_for("deep_linear", probe_every=10)
    view = DynamicsView()
    qtbot.addWidget(view)
    trainer.run(max_steps=200)
    view.refresh(trainer.buffer, context)
    assert len(view.strength_curves) == len(trainer.buffer.snapshot("modes")[1]["singular_values"])
    assert len(view.strength_curves[0].getOriginalDataset()[0]) >= 2
    items = trainer.bundle.meta["items"]
    assert view.sim_image.image.shape == (len(items), len(items))
    assert [t for _, t in view.sim_plot.getAxis("bottom")._tickLevels[0]] == list(items)


def test_every_view_exports_png_and_csv(qtbot, mlp, tmp_path) -> None:
    trainer, context = mlp
    if trainer.step == 0:
        trainer.run(max_steps=10)
    for cls in ALL_VIEWS:
        view = cls()
        qtbot.addWidget(view)
        view.resize(640, 400)
        view.refresh(trainer.buffer, context)
        png, table = tmp_path / f"{cls.__name__}.png", tmp_path / f"{cls.__name__}.csv"
        view.export_png(str(png))
        image = QImage(str(png))
        assert (image.width(), image.height()) == (640, 400), cls.__name__
        view.export_csv(str(table))
        with open(table, newline="") as handle:
            rows = list(csv.reader(handle))
        assert len(rows[0]) >= 3 and all(len(r) == len(rows[0]) for r in rows), cls.__name__
        if cls.__name__ not in ("AttentionView", "DynamicsView", "ConfusionView"):  # no attention / modes /
            # recorded confusion in an MLP run
            assert len(rows) > 1, cls.__name__
        view.close()


def test_export_png_to_missing_folder_says_where(qtbot, tmp_path) -> None:
    view = CurvesView()
    qtbot.addWidget(view)
    with pytest.raises(OSError, match="could not write the picture to"):
        view.export_png(str(tmp_path / "nope" / "x.png"))


def test_every_view_has_an_export_menu_that_asks_where_and_reports_failures(qtbot, mlp, tmp_path) -> None:
    from playground.ui import dialogs

    trainer, context = mlp
    if trainer.step == 0:
        trainer.run(max_steps=10)
    asked: list[dialogs.Question] = []
    answers: dict[str, str] = {}
    dialogs.set_answerer(lambda q: asked.append(q) or answers.get(q.kind, q.default))
    try:
        for cls in (CurvesView, BoundaryView):
            view = cls()
            qtbot.addWidget(view)
            view.busy_budget = None
            view.refresh(trainer.buffer, context)
            picture, table = view.export_menu.actions()
            answers["save"] = str(tmp_path / cls.__name__)  # no extension typed: it is added
            picture.trigger()
            assert not QImage(str(tmp_path / f"{cls.__name__}.png")).isNull()
            table.trigger()
            with open(tmp_path / f"{cls.__name__}.csv", newline="") as handle:
                assert len(list(csv.reader(handle))) > 1
            answers["save"] = str(tmp_path / "missing" / "x.csv")
            table.trigger()
            assert asked[-1].title == "Cannot export" and "missing" in asked[-1].text
    finally:
        dialogs.set_answerer(None)
