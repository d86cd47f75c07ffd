"""The exported torchrun script trains like the app: for every template, its first 20 losses, run
in one process, equal the Trainer's on the same seed; and ``--checkpoint`` writes a session file
that opens with the trained weights and the loss history.

The script is run as a real file (``runpy``, as ``python script.py`` would), in this process
to spare ten interpreter start-ups; the two-process gloo run is in ``test_torchrun.py``.
"""

from __future__ import annotations

import json
import runpy
import sys

import numpy as np
import pytest
import torch

from playground.export.files import write_torchrun
from playground.export.source_parts import PARTS, check_standalone, definitions
from playground.graph.templates import TEMPLATES
from playground.session.fileformat import load_session
from playground.session.new import new_session
from playground.train import MetricsBuffer, Trainer

STEPS = 20


def _run_script(path, capsys, *args: str) -> list[dict]:
    argv = sys.argv
    sys.argv = [str(path), "--steps", str(STEPS), "--log-every", "1", *args]
    try:
        with torch.random.fork_rng(devices=[]):
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = argv
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_script_losses_equal_the_trainers(template, tmp_path, capsys):
    session, _ = new_session(template)
    bundle = session.bundle()
    script = tmp_path / "train.py"
    write_torchrun(session, bundle, str(script))
    text = script.read_text()
    assert "import playground" not in text and "from playground" not in text

    checkpoint = tmp_path / "trained.playground"
    lines = _run_script(script, capsys, "--checkpoint", str(checkpoint))
    script_losses = [r["loss"] for r in lines if "loss" in r and "done" not in r]
    assert len(script_losses) == STEPS

    trainer = Trainer(session.graph, bundle, session.config, MetricsBuffer())
    trainer.run(max_steps=STEPS, raise_errors=True)
    steps, trainer_losses = trainer.buffer.series("train/loss")
    assert list(steps) == list(range(1, STEPS + 1))
    np.testing.assert_allclose(script_losses, trainer_losses, rtol=1e-5, atol=1e-6)

    reopened = load_session(str(checkpoint))  # the app's own loader: no pickle, all-or-nothing
    assert reopened.graph.to_dict() == session.graph.to_dict()
    assert reopened.config == session.config
    assert reopened.weights is not None
    for key, value in trainer.model.state_dict().items():
        torch.testing.assert_close(reopened.weights[key], value, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reopened.history["train/loss"]["values"], trainer_losses, rtol=1e-5, atol=1e-6)


def test_the_pruning_mask_survives_the_script(tmp_path, capsys):
    session, _ = new_session("mlp")
    bundle = session.bundle()
    trainer = Trainer(session.graph, bundle, session.config, MetricsBuffer(), record=False)
    key = next(k for k, v in trainer.model.state_dict().items() if v.dim() == 2)
    mask = torch.ones_like(trainer.model.state_dict()[key], dtype=torch.bool)
    mask[:, ::2] = False
    session.masks = {key: mask}
    script = tmp_path / "train.py"
    write_torchrun(session, bundle, str(script))
    checkpoint = tmp_path / "pruned.playground"
    _run_script(script, capsys, "--checkpoint", str(checkpoint))
    reopened = load_session(str(checkpoint))
    assert reopened.masks is not None and torch.equal(reopened.masks[key], mask)
    assert reopened.weights is not None
    assert torch.all(reopened.weights[key][~mask] == 0)
    assert torch.any(reopened.weights[key][mask] != 0)


def test_copied_helpers_are_the_trainers_own_source():
    import inspect

    from playground.train import optim

    block = definitions(optim, ("lr_at",))
    assert block == inspect.getsource(optim.lr_at).rstrip("\n")
    for module, names in PARTS:
        check_standalone(definitions(module, names))  # none reaches into playground


def test_a_helper_that_imports_is_refused():
    from playground.export.source_parts import SourcePartError

    with pytest.raises(SourcePartError, match="imports"):
        check_standalone("def f():\n    from playground.train import config\n")
