"""ConfusionView draws the confusion of a really trained classifier: cells, hint and CSV agree
with the matrix; a recorded "confusion" snapshot is drawn too; nothing to show says so."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.analysis.confusion import confusion
from playground.analysis.evaluation import trained_model
from playground.graph.model import Graph
from playground.session.new import new_session
from playground.train import MetricsBuffer
from playground.ui.views import ALL_VIEWS, ViewContext
from playground.ui.views.confusion_view import ConfusionView


@pytest.fixture(scope="module")
def result():
    session, _ = new_session("mlp", overrides=["n_samples=200", "config.epochs=40", "config.seed=0"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    bundle = session.bundle()
    return confusion(trained_model(session, bundle), bundle)


def test_it_is_a_view_titled_confusion(view_of):
    assert ConfusionView in ALL_VIEWS and ConfusionView.title == "Confusion"
    view = view_of(ConfusionView)
    view.refresh(MetricsBuffer(), ViewContext(graph=Graph()))
    assert "No confusion matrix yet" in view.hint.text() and view.image.image is None
    assert view.normalise.accessibleName() and view.normalise.toolTip()


def test_draws_the_matrix_and_exports_it(view_of, result, tmp_path):
    view = view_of(ConfusionView)
    view.set_confusion(result)
    assert np.allclose(view.image.image, result.normalised.numpy())
    assert f"accuracy {result.accuracy:.3f} ({result.correct} of {result.total})" in view.hint.text()
    assert sorted(t.toPlainText() for t in view.texts) == sorted(f"{v:.2f}" for v in result.normalised.flatten().tolist())
    view.normalise.setChecked(False)
    assert np.array_equal(view.image.image, result.counts.numpy().astype(np.float32))
    assert sum(int(t.toPlainText()) for t in view.texts) == result.total
    path = tmp_path / "confusion.csv"
    view.export_csv(str(path))
    rows = list(csv.DictReader(path.open()))
    cells = [r for r in rows if r["row"] == "cell"]
    assert sum(int(r["count"]) for r in cells if r["true"] == r["predicted"]) == result.correct
    assert len([r for r in rows if r["row"] == "class"]) == result.classes


def test_a_recorded_snapshot_is_drawn(view_of):
    buffer = MetricsBuffer()
    buffer.put_snapshot("confusion", 7, {"counts": np.array([[5, 1], [2, 4]])})
    view = view_of(ConfusionView)
    view.refresh(buffer, ViewContext(graph=Graph()))
    assert "accuracy 0.750 (9 of 12)" in view.hint.text()
    assert np.allclose(view.image.image, [[5 / 6, 1 / 6], [2 / 6, 4 / 6]])


def test_ten_classes_numbers_show_only_where_the_cells_hold_them(view_of, qtbot):
    """In a small dock ten classes' numbers ran into each other; they show once the cells are big enough."""
    import torch

    from playground.analysis.confusion import Confusion

    counts = torch.as_tensor(np.random.default_rng(0).integers(0, 30, (10, 10)) + 100 * np.eye(10, dtype=np.int64))
    view = view_of(ConfusionView)
    view.resize(320, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_confusion(Confusion(counts, []))
    qtbot.wait(20)
    assert len(view.texts) == 100 and not any(t.isVisible() for t in view.texts)

    def ticks() -> list[str]:
        return [label for _pos, label in view.plot.getAxis("left")._tickLevels[0]]

    assert 1 < len(ticks()) < 10 and ticks()[0] == "0"  # every k-th class, labels apart
    view.resize(1100, 1200)
    qtbot.waitUntil(lambda: all(t.isVisible() for t in view.texts), timeout=2000)
    assert ticks() == [str(i) for i in range(10)]
