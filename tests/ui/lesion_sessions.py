"""Trained sessions for the lesion and pruning UI tests, trained once per test process (real
training, headless) and saved to a file that each test opens in its own window."""

from __future__ import annotations

import functools
import os
import tempfile

from playground.graph.builder import GraphBuilder
from playground.session import save_session
from playground.session.model import Session
from playground.session.new import new_session
from playground.train.config import TrainConfig


def _train(session: Session) -> Session:
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    return session


@functools.cache
def trained_path(kind: str) -> str:
    """A saved trained session: "mlp" (the spiral template, 300 full-batch steps) or "residual"
    (a spiral MLP whose second layer is a residual branch around an Add)."""
    if kind == "mlp":
        session, _ = new_session("mlp", overrides=["config.epochs=300", "config.seed=0", "config.pace=fastest"])
    else:
        b = GraphBuilder().then("Input", "input").then("Features2D", "features").then("Linear", "fc1", out_features=16)
        b.then("Tanh", "act").then("Linear", "fc2", out_features=16).then("Tanh", "act2")
        b.then("Add", "add", port="a").wire("act", "add", "b")
        b.then("Linear", "head", out_features=2).then("Output", "output")
        session = Session(graph=b.graph, dataset="spirals",
                          config=TrainConfig(optimizer="adam", lr=0.03, batch_size=0, epochs=300, seed=0))
    _train(session)
    path = os.path.join(tempfile.mkdtemp(prefix="lesion_tests_"), f"{kind}.playground")
    save_session(session, path)
    return path
