"""Divergence caught at its step (issue 12 §3): counters, weights and record agree on the good step."""

import threading

import numpy as np
import torch

from playground.data import DATASETS, make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import Trainer, default_config


def example(name: str, lr: float, steps: int, **changes) -> Trainer:
    t = TEMPLATES[name]
    bundle = make_dataset(t.dataset, t.dataset_params)
    config = default_config(DATASETS[t.dataset].category, **t.config).with_changes(
        lr=lr, max_steps=steps, epochs=0, device="cpu", **changes)
    return Trainer(t.build(), bundle, config)


def reference_weights(name: str, lr: float, steps: int, **changes) -> list[torch.Tensor]:
    ref = example(name, lr, 10**6, blowup_train=0, blowup_val=0, **changes)
    ref.record = False
    assert ref.run(max_steps=steps, wait_when_paused=False) == "finished"
    return [p.detach().clone() for p in ref.model.parameters()]


def assert_agrees_on_the_good_step(trainer: Trainer) -> int:
    good = trainer.step
    assert trainer.diverged_at is not None and trainer.diverged_at > good
    loss_steps = trainer.buffer.series("train/loss")[0]
    assert len(loss_steps) == good and (good == 0 or loss_steps[-1] == good)
    assert np.isfinite(trainer.buffer.series("train/loss")[1]).all()
    for kind in trainer.buffer.snapshot_kinds():
        assert max(trainer.buffer.recorded_steps(kind)) <= good, kind
    for name in trainer.buffer.series_names():
        steps = trainer.buffer.series(name)[0]
        assert not len(steps) or steps[-1] <= good, name
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    return good


def test_ten_step_deep_linear_at_lr_1000_stops_at_the_nan_step():
    trainer = example("deep_linear", 1000.0, 10, blowup_train=0, blowup_val=0)  # NaN/inf only
    assert trainer.run(wait_when_paused=False) == "paused"
    assert 3 <= trainer.diverged_at <= 7
    good = assert_agrees_on_the_good_step(trainer)
    assert good >= trainer.diverged_at - 2  # a 10-step run records every step: the last weights known good
    message = trainer.buffer.status()["message"]
    assert f"at step {trainer.diverged_at}" in message and f"from step {good}" in message
    for p, q in zip(trainer.model.parameters(), reference_weights("deep_linear", 1000.0, good), strict=True):
        assert torch.equal(p, q)


def test_a_finite_blow_up_pauses_the_mlp_example_at_lr_1000():
    trainer = example("mlp", 1000.0, 300)
    assert trainer.run(wait_when_paused=False) == "paused"
    assert trainer.diverged_at is not None and trainer.diverged_at < 300
    assert "diverging" in trainer.buffer.status()["message"]
    assert_agrees_on_the_good_step(trainer)
    events = [e for e in trainer.buffer.drain_events() if e.kind == "error"]
    assert events and events[0].step == trainer.diverged_at


def test_a_training_loss_blow_up_is_caught_before_its_update():
    trainer = example("mlp", 1000.0, 300, blowup_val=0)  # only the training-loss rule
    assert trainer.run(wait_when_paused=False) == "paused"
    good = assert_agrees_on_the_good_step(trainer)
    assert "times its first value" in trainer.buffer.status()["message"]
    for p, q in zip(trainer.model.parameters(), reference_weights("mlp", 1000.0, good), strict=True):
        assert torch.equal(p, q)


def test_a_bad_step_found_in_the_last_copied_losses_is_paused_not_finished():
    """Device losses are checked in batches: the last batch is checked before "finished"."""
    trainer = example("deep_linear", 1000.0, 10, blowup_val=0)
    trainer.record = False  # no record pass, so nothing looks at the losses before the end
    trainer._host_losses = False  # the accelerator path, on the CPU
    assert trainer.run(wait_when_paused=False) == "paused"
    assert trainer.state == "paused" and trainer.buffer.status()["state"] == "paused"
    assert trainer.diverged_at is not None and trainer.diverged_at <= 10
    good = assert_agrees_on_the_good_step(trainer)
    for p, q in zip(trainer.model.parameters(), reference_weights("deep_linear", 1000.0, good), strict=True):
        assert torch.equal(p, q)


def test_training_goes_on_from_the_restored_weights_at_a_lower_rate():
    trainer = example("deep_linear", 100.0, 0, optimizer="sgd")
    assert trainer.run(wait_when_paused=False) == "paused" and trainer.diverged_at is not None
    trainer.set_lr(0.01)
    trainer.resume()
    start = trainer.step
    assert trainer.run(max_steps=30, wait_when_paused=False) == "finished"
    assert trainer.step == start + 30


def test_a_healthy_run_reports_no_divergence():
    trainer = example("mlp", 0.05, 50)
    assert trainer.run() == "finished" and trainer.diverged_at is None


def test_pause_with_wait_returns_once_the_thread_is_paused():
    trainer = example("mlp", 0.05, 0)
    assert trainer.pause(wait=0.1) is True  # not running: idle counts
    trainer.resume()
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    while trainer.step < 5:
        threading.Event().wait(0.005)
    assert trainer.pause(wait=10.0) is True
    assert trainer.state == "paused"
    paused_at = trainer.step
    threading.Event().wait(0.05)
    assert trainer.step == paused_at and trainer.buffer.recorded_steps("weights")[-1] == paused_at
    trainer.stop()
    thread.join(5)
    assert not thread.is_alive()
