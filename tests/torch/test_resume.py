"""Stopping, saving, loading and resuming gives the same loss curve as never stopping (CPU, same seed)."""

from __future__ import annotations

import numpy as np
import pytest

from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.session import Session, load_session, save_session
from playground.train import TrainConfig


def dropout_net() -> Graph:
    """Mini-batches (shuffled order) and dropout (random masks): both must resume exactly."""
    b = GraphBuilder()
    chain = [("Input", "input", {}), ("Linear", "fc1", {"out_features": 16}), ("Dropout", "drop", {"p": 0.3}),
             ("ReLU", "relu", {}), ("Linear", "head", {"out_features": 2}), ("Output", "output", {})]
    for i, (kind, label, params) in enumerate(chain):
        b.then(kind, label, node_id=f"n{i}", **params)
    return b.graph


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_resumed_run_matches_an_uninterrupted_one(tmp_path, optimizer):
    config = TrainConfig(optimizer=optimizer, lr=0.05, batch_size=24, seed=11, schedule="cosine",
                         max_steps=60, device="cpu")

    def fresh() -> Session:
        return Session(graph=dropout_net(), dataset="moons", dataset_params={"n_samples": 200}, config=config)

    straight = fresh().make_trainer()
    straight.run(max_steps=60)
    expected_steps, expected = straight.buffer.series("train/loss")
    assert len(expected) == 60

    first = fresh()
    trainer = first.make_trainer()
    trainer.run(max_steps=27)  # stop mid-epoch
    first.capture(trainer)
    path = tmp_path / "half.playground"
    save_session(first, path)

    resumed = load_session(path).make_trainer()
    assert resumed.step == 27
    resumed.run(max_steps=33)
    steps, got = resumed.buffer.series("train/loss")
    assert resumed.step == 60 and np.array_equal(steps, expected_steps)
    assert np.array_equal(got, expected)  # bit for bit, not just close
    for key, value in straight.model.state_dict().items():
        assert value.equal(resumed.model.state_dict()[key]), key
