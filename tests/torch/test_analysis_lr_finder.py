"""The learning-rate range test sweeps a copy: the session's weights are untouched, and the
suggestion is a rate at which the network really learns."""

from __future__ import annotations

import torch

from playground.analysis.lr_finder import lr_range_test
from playground.session.new import new_session


def test_the_sweep_leaves_the_weights_alone_and_suggests_a_rate_that_learns():
    session, _ = new_session("mlp", overrides=["n_samples=200", "config.epochs=20", "config.seed=0"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    before = {k: v.clone() for k, v in session.weights.items()}
    model_before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    rng = torch.get_rng_state()
    sweep = lr_range_test(session, steps=120)
    assert all(torch.equal(before[k], v) for k, v in session.weights.items())
    assert all(torch.equal(model_before[k], v) for k, v in trainer.model.state_dict().items())
    assert torch.equal(torch.get_rng_state(), rng)
    assert sweep.lrs == sorted(sweep.lrs) and len(sweep.lrs) == len(sweep.losses) >= 3
    assert sweep.lrs[0] < sweep.suggested < sweep.lrs[-1]
    assert min(sweep.losses) < sweep.losses[0]  # somewhere along the sweep the loss fell
    # a short run at the suggested rate from the seed's start lowers the loss more than the smallest rate
    finals = {}
    for lr in (sweep.lrs[0], sweep.suggested):
        fresh, _ = new_session("mlp", overrides=["n_samples=200", "config.epochs=30", "config.seed=0",
                                                 f"config.lr={lr}"])
        t = fresh.make_trainer()
        t.run(raise_errors=True, wait_when_paused=False)
        finals[lr] = float(t.buffer.series("train/loss")[1][-1])
    assert finals[sweep.suggested] < finals[sweep.lrs[0]], finals
