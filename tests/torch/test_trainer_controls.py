"""Trainer controls from another thread, and faults: pause/stop latency, stepping, reset, NaN, errors."""

import threading
import time

import numpy as np
import pytest
import torch

from playground.data import make_dataset
from playground.data.bundle import DataBundle
from playground.graph.builder import chain_graph
from playground.graph.model import Graph
from playground.train import TrainConfig, Trainer, TrainerError
from playground.train.schedule import CAPACITY, EXTRAS

chain = chain_graph


def mlp() -> Graph:
    return chain(("Linear", {"out_features": 32}), ("ReLU", {}), ("Linear", {"out_features": 2}))


@pytest.fixture(scope="module")
def moons():
    return make_dataset("moons", {"n_samples": 4000})


def start(trainer: Trainer) -> threading.Thread:
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while trainer.step < 20 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert trainer.state == "running"
    return thread


def wait_for(predicate, timeout: float = 5.0) -> float:
    """Seconds until ``predicate()`` holds (fails the test if it never does)."""
    t0 = time.perf_counter()
    while not predicate():
        assert time.perf_counter() - t0 < timeout, "timed out"
        time.sleep(0.0005)
    return time.perf_counter() - t0


def test_pause_and_stop_take_effect_mid_epoch(moons):
    trainer = Trainer(mlp(), moons, TrainConfig(batch_size=8))  # 400 steps an epoch
    thread = start(trainer)
    trainer.pause()
    latency = wait_for(lambda: trainer.state == "paused")
    assert latency < 0.5
    paused_at = trainer.step
    time.sleep(0.1)
    assert trainer.step == paused_at  # really paused
    assert trainer.epoch == 0  # mid-epoch
    trainer.resume()
    wait_for(lambda: trainer.step > paused_at + 10)
    t0 = time.perf_counter()
    trainer.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert time.perf_counter() - t0 < 0.5
    assert trainer.state == "stopped"
    states = [e.message for e in trainer.buffer.drain_events() if e.kind == "state"]
    assert states == ["running", "paused", "running", "stopped"]


def test_stop_while_paused_ends_the_run(moons):
    trainer = Trainer(mlp(), moons, TrainConfig(batch_size=8))
    thread = start(trainer)
    trainer.pause()
    wait_for(lambda: trainer.state == "paused")
    trainer.stop()
    thread.join(2)
    assert not thread.is_alive() and trainer.state == "stopped"


def test_request_step_runs_exactly_n_steps(moons):
    trainer = Trainer(mlp(), moons, TrainConfig(batch_size=16))
    trainer.request_step(3)  # before run(): start paused after three steps
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    wait_for(lambda: trainer.state == "paused" and trainer.step == 3)
    trainer.request_step(5)
    wait_for(lambda: trainer.step == 8 and trainer.state == "paused")
    time.sleep(0.05)
    assert trainer.step == 8
    assert len(trainer.buffer.series("train/loss")[0]) == 8
    trainer.stop()
    thread.join(2)
    assert trainer.state == "stopped"


def test_run_again_continues_counting(moons):
    trainer = Trainer(mlp(), moons, TrainConfig(batch_size=16))
    trainer.run(max_steps=5)
    trainer.run(max_steps=5)
    assert trainer.step == 10
    assert list(trainer.buffer.series("train/loss")[0]) == list(range(1, 11))


def test_reset_weights_restarts_the_same_run(moons):
    cfg = TrainConfig(batch_size=32, seed=5)
    trainer = Trainer(mlp(), moons, cfg)
    initial = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.run(max_steps=20)
    first = trainer.buffer.series("train/loss")[1].copy()
    trainer.reset_weights()
    assert trainer.step == 0 and trainer.epoch == 0
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, initial[k])
    assert len(trainer.buffer.series("train/loss")[0]) == 0
    trainer.run(max_steps=20)
    np.testing.assert_array_equal(trainer.buffer.series("train/loss")[1], first)


def test_reset_while_running_happens_between_steps(moons):
    trainer = Trainer(mlp(), moons, TrainConfig(batch_size=8))
    thread = start(trainer)
    trainer.reset_weights()
    wait_for(lambda: trainer.step < 20)
    trainer.stop()
    thread.join(2)
    assert trainer.state == "stopped"


def test_reset_while_paused_is_done_by_the_training_thread_and_stays_paused(moons):
    cfg = TrainConfig(batch_size=16, seed=2)
    initial = {k: v.clone() for k, v in Trainer(mlp(), moons, cfg).model.state_dict().items()}
    trainer = Trainer(mlp(), moons, cfg)
    trainer.request_step(7)
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    wait_for(lambda: trainer.step == 7 and trainer.state == "paused")
    with pytest.raises(TrainerError, match="already running"):  # a second loop must not join in
        trainer.run(max_steps=1)
    with pytest.raises(TrainerError, match="stop training"):
        trainer.load_state_dict(trainer.state_dict())
    done_by = []
    original = trainer._do_reset
    trainer._do_reset = lambda: (done_by.append(threading.current_thread()), original())
    trainer.reset_weights()
    wait_for(lambda: trainer.step == 0 and trainer.state == "paused")
    assert done_by == [thread]  # never under a forward pass of the training thread
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, initial[k])
    trainer.stop()
    thread.join(2)
    assert trainer.state == "stopped" and trainer.step == 0


def test_diverging_loss_pauses_with_the_step_and_keeps_good_weights(moons):
    cfg = TrainConfig(optimizer="sgd", lr=1e6, batch_size=0)
    trainer = Trainer(mlp(), moons, cfg)
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    wait_for(lambda: trainer.state == "paused", timeout=20)
    errors = [e for e in trainer.buffer.drain_events() if e.kind == "error"]
    assert errors and ("NaN or infinite at step" in errors[0].message or "diverging" in errors[0].message)
    assert "learning rate" in errors[0].message and trainer.diverged_at is not None
    assert trainer.buffer.status()["message"] == errors[0].message
    for p in trainer.model.parameters():
        assert torch.isfinite(p).all()
    assert np.isfinite(trainer.buffer.series("train/loss")[1]).all()
    # lower the rate and carry on from the restored weights
    trainer.set_lr(0.05)
    trainer.resume()
    wait_for(lambda: trainer.step > 50)
    trainer.stop()
    thread.join(5)
    assert trainer.state == "stopped"
    assert np.isfinite(trainer.buffer.series("train/loss")[1][-5:]).all()


def bad_labels(bundle: DataBundle) -> DataBundle:
    """A bundle whose labels say class 7 while the network has two outputs (a broken CSV)."""
    y = bundle.y_train.clone()
    y[5] = 7
    return DataBundle(bundle.name, bundle.params, bundle.task, bundle.x_train, y,
                      bundle.x_val, bundle.y_val, bundle.meta)


def test_exception_in_the_loop_is_reported_not_raised(moons):
    trainer = Trainer(mlp(), bad_labels(moons), TrainConfig(batch_size=0))
    assert trainer.run(max_steps=10) == "error"
    errors = [e for e in trainer.buffer.drain_events() if e.kind == "error"]
    assert len(errors) == 1 and errors[0].message.startswith("training failed at step 0")
    assert trainer.buffer.status()["state"] == "error"
    with pytest.raises((IndexError, RuntimeError)):
        trainer.run(max_steps=10, raise_errors=True)


def test_exception_in_a_thread_leaves_the_process_alive(moons):
    trainer = Trainer(mlp(), bad_labels(moons), TrainConfig(batch_size=0))
    thread = threading.Thread(target=trainer.run, daemon=True)
    thread.start()
    thread.join(10)
    assert trainer.state == "error"
    healthy = Trainer(mlp(), moons, TrainConfig(batch_size=0))
    assert healthy.run(max_steps=3) == "finished"


def test_divergence_restores_the_weights_of_the_step_it_names(moons):
    cfg = TrainConfig(optimizer="sgd", lr=0.1, batch_size=0)
    trainer = Trainer(mlp(), moons, cfg)
    trainer.run(max_steps=30)
    trainer.set_lr(1e6)
    assert trainer.run(max_steps=200, wait_when_paused=False) == "paused"
    message = next(e.message for e in trainer.buffer.drain_events() if e.kind == "error")
    restored_step = int(message.split("from step ")[1].split(".")[0])
    assert restored_step == trainer.step and 30 <= restored_step < trainer.diverged_at
    reference = Trainer(mlp(), moons, cfg)
    reference.run(max_steps=30)
    reference.set_lr(1e6)
    reference.run(max_steps=restored_step - 30, wait_when_paused=False)
    for a, b in zip(trainer.model.parameters(), reference.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_script_can_ask_run_to_return_when_paused(moons):
    trainer = Trainer(mlp(), moons, TrainConfig(batch_size=16))
    trainer.request_step(4)
    assert trainer.run(wait_when_paused=False) == "paused" and trainer.step == 4
    assert trainer.run(wait_when_paused=False) == "paused" and trainer.step == 4
    trainer.resume()
    assert trainer.run(max_steps=6, wait_when_paused=False) == "finished" and trainer.step == 10


def test_memory_stays_flat_over_a_long_run(moons):
    import tracemalloc

    trainer = Trainer(mlp(), moons, TrainConfig(batch_size=64))
    tracemalloc.start()  # before the first run, so snapshots that replace earlier ones are seen leaving
    try:
        trainer.run(max_steps=1024)  # histories and caches warm up: 129 snapshots a kind (stride 8)
        count = len(trainer.buffer.snapshot_history("weights"))
        before = tracemalloc.get_traced_memory()[0]
        trainer.run(max_steps=1024)  # step 2048: stride 16, 129 snapshots again
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 1024 steps of training loss cost ~1024 × 24 bytes; the record holds as many snapshots as before
    assert len(trainer.buffer.snapshot_history("weights")) == count
    assert grown < 2 * 2**20
    assert len(trainer.buffer.snapshot_history("weights")) <= CAPACITY + EXTRAS


def test_out_of_memory_message_suggests_a_smaller_batch():
    from playground.train.batches import describe_exception

    text = describe_exception(torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"), 12, 4096)
    assert "out of memory at step 12" in text and "smaller batch size" in text and "4096" in text
    other = describe_exception(ValueError("bad value\nsecond line"), 3, 0)
    assert other == "training failed at step 3: ValueError: bad value"


def test_the_pace_hook_and_the_checkpoint_hook_are_separate(moons):
    """The app paces steps through ``between_steps`` and copies checkpoints at ``at_break``: one
    must never replace the other (a checkpoint taken during a Watch run keeps the Watch pace)."""
    trainer = Trainer(chain(("Linear", {"out_features": 8}), ("ReLU", {}), ("Linear", {"out_features": 2})),
                      moons, TrainConfig(batch_size=16, device="cpu"))
    paced, breaks = [], []
    trainer.between_steps = lambda: paced.append(trainer.step)

    def one_checkpoint() -> None:
        breaks.append(trainer.step)
        trainer.at_break = None  # what the app's checkpoint does once it has its copy

    trainer.at_break = one_checkpoint
    trainer.run(max_steps=10, wait_when_paused=False)
    assert breaks == [0] and paced == list(range(1, 11))
    assert trainer.between_steps is not None
