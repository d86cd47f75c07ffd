"""Confusion matrices on real trained networks: the diagonal is the correct count, the rows
are the true classes, and the wrong examples really are wrong and sorted by confidence."""

from __future__ import annotations

import pytest
import torch

from playground.analysis.confusion import confusion
from playground.analysis.evaluation import Evaluator, trained_model
from playground.compile import compile_graph
from playground.data import make_dataset
from playground.graph.builder import chain_graph
from playground.session.new import new_session


@pytest.fixture(scope="module")
def digits():
    session, _ = new_session("lenet", overrides=["config.epochs=2", "config.seed=0"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    bundle = session.bundle()
    return trained_model(session, bundle), bundle


def test_diagonal_sum_is_the_correct_count(digits):
    model, bundle = digits
    c = confusion(model, bundle)
    with torch.no_grad():
        right = int((model(bundle.x_val).argmax(-1) == bundle.y_val).sum())
    assert c.correct == right and c.total == len(bundle.y_val) and c.classes == 10
    assert c.accuracy == pytest.approx(Evaluator(model, bundle).score().accuracy)
    assert torch.equal(c.counts.sum(1), torch.bincount(bundle.y_val, minlength=10))  # rows: true classes
    assert torch.allclose(c.normalised.sum(1), torch.ones(10, dtype=torch.float64))
    assert 0.5 < c.accuracy < 1.0  # it learned, and still makes mistakes to show


def test_precision_recall_f1_and_confident_mistakes(digits):
    model, bundle = digits
    c = confusion(model, bundle, wrong=5)
    k = 3
    tp = int(c.counts[k, k])
    assert float(c.precision[k]) == pytest.approx(tp / int(c.counts[:, k].sum()))
    assert float(c.recall[k]) == pytest.approx(tp / int(c.counts[k].sum()))
    p, r = float(c.precision[k]), float(c.recall[k])
    assert float(c.f1[k]) == pytest.approx(2 * p * r / (p + r))
    assert len(c.wrong) == 5
    with torch.no_grad():
        probs = torch.softmax(model(bundle.x_val), -1)
    for w in c.wrong:
        assert int(bundle.y_val[w.index]) == w.true != w.predicted
        assert float(probs[w.index].max()) == pytest.approx(w.confidence, abs=1e-6)
    assert [w.confidence for w in c.wrong] == sorted((w.confidence for w in c.wrong), reverse=True)


def test_sequence_positions_and_refusal_without_classes():
    bundle = make_dataset("reverse", {"n_samples": 60})
    graph = chain_graph(("Embedding", {"embedding_dim": 8}), ("Linear", {"out_features": bundle.task.num_classes}))
    model = compile_graph(graph, bundle.task)
    c = confusion(model, bundle)
    assert c.total == bundle.y_val.numel() and all(w.position is not None for w in c.wrong)
    with pytest.raises(ValueError, match="needs classes"):
        confusion(model, make_dataset("polynomial", {}))
