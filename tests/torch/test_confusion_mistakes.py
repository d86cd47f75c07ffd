"""The recorded confusion carries the most confidently wrong validation examples, from the same
validation outputs as the counts: the same ones ``analysis.confusion`` finds on the trained
network, most confident first."""

from __future__ import annotations

import numpy as np
import torch

from playground.analysis.confusion import confusion
from playground.data import make_dataset
from playground.graph.builder import chain_graph
from playground.train import MetricsBuffer, TrainConfig, Trainer
from playground.train.mistakes import WRONG_EXAMPLES, WrongExamples


def test_the_recorded_mistakes_are_the_most_confident_wrong_answers_of_the_trained_network():
    bundle = make_dataset("gaussians", {"n_samples": 400, "classes": 4, "noise": 0.5})
    graph = chain_graph(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 4}))
    trainer = Trainer(graph, bundle, TrainConfig(batch_size=32, max_steps=80, device="cpu"), MetricsBuffer())
    trainer.run(wait_when_paused=False)
    step, snap = trainer.buffer.snapshot("confusion")
    assert step == 80
    expected = confusion(trainer.model, bundle, wrong=WRONG_EXAMPLES)
    assert expected.total - expected.correct > WRONG_EXAMPLES  # enough mistakes to choose from
    assert np.array_equal(snap["counts"], expected.counts.numpy())
    assert snap["wrong_index"].tolist() == [w.index for w in expected.wrong]
    assert snap["wrong_true"].tolist() == [w.true for w in expected.wrong]
    assert snap["wrong_predicted"].tolist() == [w.predicted for w in expected.wrong]
    np.testing.assert_allclose(snap["wrong_confidence"], [w.confidence for w in expected.wrong], rtol=1e-5)
    assert (np.diff(snap["wrong_confidence"]) <= 0).all()
    # every recorded pass has them, and they read back from the saved record
    meta, arrays = trainer.buffer.export_record()
    again = MetricsBuffer()
    again.import_record(meta, arrays)
    for (s, a), (t, b) in zip(trainer.buffer.snapshot_history("confusion"), again.snapshot_history("confusion"),
                              strict=True):
        assert s == t and set(a) == set(b) >= {"counts", "wrong_index", "wrong_confidence"}
        assert np.array_equal(a["wrong_index"], b["wrong_index"])


def test_ties_go_to_the_earlier_sample_and_right_answers_never_count():
    tracker = WrongExamples(limit=3)
    out = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0], [0.0, 1.0]])  # predicted 0, 1, 0, 1
    tracker.add(out[:2], torch.tensor([1, 1]), out[:2].argmax(-1), 0, bce=False)
    tracker.add(out[2:], torch.tensor([1, 0]), out[2:].argmax(-1), 2, bce=False)
    got = tracker.arrays()
    assert got["wrong_index"].tolist() == [0, 2, 3]  # sample 1 was right; 0 and 2 tie: 0 first
    assert got["wrong_predicted"].tolist() == [0, 0, 1] and got["wrong_true"].tolist() == [1, 1, 0]
    np.testing.assert_allclose(got["wrong_confidence"][:2], torch.softmax(out[0], -1).max().item())
    binary = WrongExamples()
    logits = torch.tensor([[3.0], [-1.0]])
    binary.add(logits, torch.tensor([0, 0]), (logits.reshape(-1) > 0).long(), 0, bce=True)
    assert binary.arrays()["wrong_index"].tolist() == [0]
    np.testing.assert_allclose(binary.arrays()["wrong_confidence"], [torch.sigmoid(torch.tensor(3.0)).item()])
