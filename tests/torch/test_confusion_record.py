"""The confusion matrix is part of the record: at every validation step of a classifier, from the
same validation outputs, so its diagonal agrees with the recorded accuracy."""

import numpy as np

from playground.data import make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, TrainConfig, Trainer


def test_confusion_is_recorded_with_every_validation_pass_and_agrees_with_accuracy():
    bundle = make_dataset("gaussians", {"n_samples": 300, "classes": 3})
    from playground.graph.builder import chain_graph
    graph = chain_graph(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 3}))
    trainer = Trainer(graph, bundle, TrainConfig(batch_size=32, max_steps=60, device="cpu"), MetricsBuffer())
    trainer.run(wait_when_paused=False)
    buffer = trainer.buffer
    history = buffer.snapshot_history("confusion")
    steps, accuracy = buffer.series("val/accuracy")
    assert [s for s, _ in history] == [int(s) for s in steps]
    for (step, snap), acc in zip(history, accuracy, strict=True):
        counts = snap["counts"]
        assert counts.shape == (3, 3) and counts.sum() == bundle.n_val
        assert np.trace(counts) / counts.sum() == acc, step
        assert (counts.sum(axis=1) == np.bincount(bundle.y_val.numpy(), minlength=3)).all()
    meta, arrays = buffer.export_record()
    again = MetricsBuffer()
    again.import_record(meta, arrays)
    assert np.array_equal(again.snapshot_at("confusion", 30)[1]["counts"], buffer.snapshot_at("confusion", 30)[1]["counts"])


def test_regression_and_sequences_record_no_confusion():
    t = TEMPLATES["deep_linear"]
    trainer = Trainer(t.build(), make_dataset(t.dataset), TrainConfig(max_steps=5, device="cpu"), MetricsBuffer())
    trainer.run(wait_when_paused=False)
    assert trainer.buffer.snapshot_history("confusion") == []
