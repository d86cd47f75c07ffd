"""Every shipped example opens in the Workspace the app edits and trains a step, as a person who
opens it from File ▸ Open Example and presses Train would see (real PyTorch, real files)."""

from __future__ import annotations

import math

import pytest

from playground.train.metrics import MetricsBuffer
from playground.train.trainer import Trainer
from playground.workspace import Workspace
from playground.workspace.examples import EXAMPLES, example_path, load_example


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_an_example_opens_in_the_workspace_and_its_first_steps_train(name):
    workspace = Workspace()
    notes = workspace.load(load_example(name), path=str(example_path(name)))
    assert notes == []  # nothing had to change to fit this machine
    assert workspace.notes == EXAMPLES[name].story and not workspace.is_modified()
    again = workspace.to_session()
    assert again.graph.to_dict() == load_example(name).graph.to_dict()
    assert workspace.bundle is not None
    config = workspace.config.with_changes(max_steps=2, device="cpu", pace="fastest")
    buffer = MetricsBuffer()
    trainer = Trainer(workspace.document.graph, workspace.bundle, config, buffer)
    assert trainer.run(wait_when_paused=False) == "finished"
    steps, losses = buffer.series("train/loss")
    assert list(steps) == [1, 2] and all(math.isfinite(v) for v in losses)
