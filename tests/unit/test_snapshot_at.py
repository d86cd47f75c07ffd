"""MetricsBuffer.snapshot_at: what the timeline shows at a step (contract 1), headless."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from playground.train.metrics import MetricsBuffer
from playground.train.schedule import is_due


def boundary(value: float, res: int = 64) -> dict:
    return {"extent": (-1.0, 1.0, -1.0, 1.0), "resolution": res, "output": np.full((res, res), value),
            "train_x": np.zeros((3, 2)), "train_y": np.zeros(3), "val_x": np.zeros((1, 2)), "val_y": np.zeros(1),
            "task": "classification", "num_classes": 2}


def test_the_snapshot_at_or_before_a_step_and_the_newest_as_written() -> None:
    buffer = MetricsBuffer()
    assert buffer.snapshot_at("boundary", None) is None and buffer.snapshot_at("boundary", 5) is None
    for step in (0, 10, 20, 30):
        buffer.put_snapshot("boundary", step, boundary(step / 100))
    assert buffer.snapshot_at("boundary", None) is buffer.snapshot("boundary")
    step, data = buffer.snapshot_at("boundary", 19)
    assert step == 10 and float(data["output"][0, 0]) == 0.1
    assert buffer.snapshot_at("boundary", 20)[0] == 20
    assert buffer.snapshot_at("boundary", 10_000) is buffer.snapshot("boundary")  # the full newest one
    assert data["output"].shape == (64, 64)  # a two-class 64² grid fits the history as drawn
    buffer.put_snapshot("boundary", 40, boundary(0.4, res=160))
    buffer.put_snapshot("boundary", 50, boundary(0.5))
    # earlier entries are the bounded history form: a 160² grid (100 KB) is kept at 32²
    assert buffer.snapshot_at("boundary", 45)[1]["output"].shape == (32, 32)
    assert buffer.snapshot_at("boundary", -1) is None  # before the first record: nothing
    assert buffer.snapshot_at("weights", 10) is None  # a kind never recorded


def test_after_a_restore_into_a_fresh_buffer_every_step_is_found() -> None:
    buffer = MetricsBuffer()
    for step in range(0, 50, 5):
        buffer.put_snapshot("units", step, {"a": np.full((2, 4, 4), float(step), dtype=np.float32)})
    fresh = MetricsBuffer()
    fresh.import_record(*buffer.export_record())
    for step in range(0, 50):
        at = fresh.snapshot_at("units", step)
        assert at is not None and at[0] == step - step % 5 and float(at[1]["a"][0, 0, 0]) == at[0]


@given(st.lists(st.integers(0, 3000), min_size=1, max_size=60, unique=True), st.integers(-5, 3100))
def test_agrees_with_the_history_it_keeps(steps: list[int], query: int) -> None:
    buffer = MetricsBuffer()
    for step in sorted(steps):
        buffer.put_snapshot("modes", step, {"strength": np.array([float(step)])})
    history = buffer.snapshot_history("modes")
    kept = [s for s, _ in history if s <= query]
    at = buffer.snapshot_at("modes", query)
    newest = buffer.snapshot("modes")
    if newest is not None and newest[0] <= query:
        assert at is newest
    elif not kept:
        assert at is None
    else:
        assert at is not None and at[0] == kept[-1] and float(at[1]["strength"][0]) == kept[-1]
    assert all(is_due(s) or s in steps for s, _ in history)


@given(st.lists(st.integers(0, 5000), min_size=0, max_size=300, unique=True), st.integers(-5, 5200))
def test_latest_is_the_last_point_of_the_series_at_or_before_a_step(steps: list[int], at: int) -> None:
    """The readout's binary search agrees with reading the whole series, per-step and recorded alike."""
    buffer = MetricsBuffer(capacity=64)  # small: the per-step series thins, as a long run's does
    steps = sorted(steps)
    buffer.add_points("train/loss", steps, [s / 7 for s in steps])
    for s in steps:
        buffer.record_scalars(s, {"val/loss": s / 3})
    for name in ("train/loss", "val/loss", "never"):
        xs, ys = buffer.series(name)
        for step in (None, at):
            keep = len(xs) if step is None else int(np.searchsorted(xs, step, side="right"))
            want = (int(xs[keep - 1]), float(ys[keep - 1])) if keep else None
            assert buffer.latest(name, step) == want


def test_record_version_moves_with_the_record_and_not_with_the_per_step_loss() -> None:
    """The timeline rebuilds its positions only when this moves: each write that can change the
    recorded steps moves it, the loss written at every step does not."""
    buffer = MetricsBuffer()
    seen = buffer.record_version
    buffer.add_points("train/loss", [0, 1, 2], [1.0, 0.9, 0.8])
    buffer.add_scalars(3, {"train/loss": 0.7})
    assert buffer.record_version == seen and buffer.version > 0
    writes = (lambda: buffer.record_scalars(4, {"val/loss": 0.5}), lambda: buffer.put_snapshot("boundary", 4, boundary(0.1)),
              lambda: buffer.add_scalars(5, {"lr": 0.1}), lambda: buffer.truncate(4),
              lambda: buffer.import_history(buffer.export_history()), lambda: buffer.import_record(*buffer.export_record()),
              buffer.clear)
    for write in writes:
        write()
        assert buffer.record_version > seen
        seen = buffer.record_version
