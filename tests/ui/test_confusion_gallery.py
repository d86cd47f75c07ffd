"""The Confusion view's per-class table and its gallery of the most confidently wrong validation
examples, drawn from the record of a really trained classifier (so they follow the timeline):
the diagonal is the number of right answers, precision/recall/F1 are the hand-computed ones, the
gallery lists the most confident mistakes as pictures, tokens or points ringed on the boundary."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QMainWindow, QSplitter

from playground.analysis.confusion import Confusion, WrongExample, confusion
from playground.data import make_dataset
from playground.graph.builder import chain_graph
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.ui.views import ViewContext
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.confusion_view import ConfusionView


@pytest.fixture(scope="module")
def trained():
    bundle = make_dataset("gaussians", {"n_samples": 400, "classes": 4, "noise": 0.5})
    graph = chain_graph(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 4}))
    trainer = Trainer(graph, bundle, TrainConfig(batch_size=32, max_steps=80, device="cpu"), MetricsBuffer())
    trainer.run(wait_when_paused=False)
    return trainer, ViewContext(graph=graph, task=bundle.task, bundle=bundle)


def table(widget) -> list[list[str]]:
    return [[widget.item(r, c).text() for c in range(widget.columnCount())] for r in range(widget.rowCount())]


def test_the_diagonal_is_the_number_of_right_answers_and_the_gallery_the_most_confident_mistakes(qtbot, trained):
    trainer, context = trained
    bundle = context.bundle
    window = QMainWindow()
    qtbot.addWidget(window)
    boundary, view = BoundaryView(), ConfusionView()
    split = QSplitter()
    split.addWidget(boundary)
    split.addWidget(view)
    window.setCentralWidget(split)
    window.resize(1400, 700)
    window.show()
    boundary.refresh(trainer.buffer, context)
    view.refresh(trainer.buffer, context)
    with torch.no_grad():
        trainer.model.eval()
        right = int((trainer.model(bundle.x_val).argmax(-1) == bundle.y_val).sum())
    shown = view.shown
    assert shown is not None and int(shown.counts.diagonal().sum()) == right < bundle.n_val
    expected = confusion(trainer.model, bundle)
    rows = table(view.gallery)
    assert [int(r[0]) for r in rows] == [w.index for w in expected.wrong]
    names = bundle.meta["class_names"]
    assert [r[2] for r in rows] == [f"{names[w.true]} ({w.true})" for w in expected.wrong]
    assert [r[3] for r in rows] == [f"{names[w.predicted]} ({w.predicted})" for w in expected.wrong]
    assert [r[4] for r in rows] == [f"{w.confidence:.3f}" for w in expected.wrong]
    assert [float(r[4]) for r in rows] == sorted((float(r[4]) for r in rows), reverse=True)
    # 2-D points: listed by coordinates and ringed on the decision boundary
    x, y = boundary.highlighted.getData()
    np.testing.assert_allclose(np.stack([x, y], 1), bundle.x_val[[w.index for w in expected.wrong]].numpy(),
                               rtol=1e-6)
    first = bundle.x_val[expected.wrong[0].index]
    assert rows[0][1] == f"({float(first[0]):.2f}, {float(first[1]):.2f})"
    # an earlier step of the timeline shows that step's mistakes
    view.show_step(0)
    _, early = trainer.buffer.snapshot_at("confusion", 0)
    assert [int(r[0]) for r in table(view.gallery)] == early["wrong_index"].tolist()
    window.close()


def test_per_class_precision_recall_and_f1_are_the_hand_computed_ones(view_of):
    buffer = MetricsBuffer()
    buffer.put_snapshot("confusion", 3, {"counts": np.array([[5, 1], [2, 4]])})
    view = view_of(ConfusionView)
    view.refresh(buffer, ViewContext(graph=chain_graph()))
    rows = table(view.class_table)
    # class 0: 5 of 7 predictions right, 5 of 6 found; class 1: 4 of 5, 4 of 6
    p0, r0, p1, r1 = 5 / 7, 5 / 6, 4 / 5, 4 / 6
    f0, f1 = 2 * p0 * r0 / (p0 + r0), 2 * p1 * r1 / (p1 + r1)
    assert rows[0] == ["0", f"{p0:.3f}", f"{r0:.3f}", f"{f0:.3f}", "6"]
    assert rows[1] == ["1", f"{p1:.3f}", f"{r1:.3f}", f"{f1:.3f}", "6"]
    assert rows[2] == ["macro mean", f"{(p0 + p1) / 2:.3f}", f"{(r0 + r1) / 2:.3f}", f"{(f0 + f1) / 2:.3f}", "12"]
    assert view.class_table.accessibleName() and view.gallery.accessibleName() and view.tables.toolTip()
    view.normalise.setChecked(False)  # counts
    assert sum(int(t.toPlainText()) for t in view.texts) == 12
    view.normalise.setChecked(True)  # row shares
    assert sorted(t.toPlainText() for t in view.texts) == sorted(["0.83", "0.17", "0.33", "0.67"])


def test_pictures_for_images_and_tokens_for_sequences(view_of):
    digits = make_dataset("digits", {})
    view = view_of(ConfusionView)
    view.context = ViewContext(graph=chain_graph(), task=digits.task, bundle=digits)
    view.set_confusion(Confusion(torch.eye(10, dtype=torch.long), [WrongExample(4, None, 1, 7, 0.9)]))
    icon = view.gallery.item(0, 1).icon()
    assert not icon.isNull() and view.gallery.item(0, 0).text() == "4"
    parity = make_dataset("parity", {})
    view.context = ViewContext(graph=chain_graph(), task=parity.task, bundle=parity)
    view.set_confusion(Confusion(torch.eye(2, dtype=torch.long), [WrongExample(2, None, 0, 1, 0.8)]))
    tokens = parity.meta["tokens"]
    assert view.gallery.item(0, 1).text() == " ".join(tokens[i] for i in parity.x_val[2].tolist())
    assert view.gallery.item(0, 1).icon().isNull()
