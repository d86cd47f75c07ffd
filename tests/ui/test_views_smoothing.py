"""Smoothing by step distance (ui/views/smoothing.py), checked against the obvious double loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.ui.views.smoothing import (
    MIN_POINTS_PER_WINDOW,
    WINDOW_WEIGHT,
    ema_smooth,
    median_gap,
    should_smooth,
    step_smooth,
)


def weighted_loop(steps: np.ndarray, values: np.ndarray, window: float) -> np.ndarray:
    tau = window / -math.log(1 - WINDOW_WEIGHT)
    out = []
    for i in range(len(steps)):
        w = np.exp(-(steps[i] - steps[: i + 1]) / tau)
        out.append(float((w * values[: i + 1]).sum() / w.sum()))
    return np.array(out)


def test_weights_follow_step_distance_not_point_index() -> None:
    rng = np.random.default_rng(0)
    steps = np.sort(rng.choice(100_000, size=600, replace=False)).astype(float)
    values = rng.normal(size=600).cumsum()
    for window in (5.0, 300.0, 5_000.0, 1e6):
        assert np.allclose(step_smooth(steps, values, window), weighted_loop(steps, values, window), rtol=1e-9)
    # one point far back hardly counts, however few points lie between
    s = np.array([0.0, 1000.0, 1001.0])
    got = step_smooth(s, np.array([10.0, 0.0, 0.0]), 30.0)
    assert got[0] == 10.0 and got[-1] < 1e-9


def test_even_steps_give_tensorboards_smoothing_and_nan_stays_nan() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=20_000).cumsum()
    steps = np.arange(20_000) * 4.0
    window = 200.0
    weight = math.exp(4.0 * math.log(1 - WINDOW_WEIGHT) / window)
    assert np.allclose(step_smooth(steps, values, window), ema_smooth(values, weight), rtol=1e-9)
    values[[3, 50]] = [np.nan, np.inf]
    got = step_smooth(steps, values, window)
    assert np.isnan(got[[3, 50]]).all() and np.isfinite(np.delete(got, [3, 50])).all()
    with pytest.raises(ValueError, match="3 steps but 2 values"):
        step_smooth(np.arange(3), np.ones(2), 10.0)


def test_smoothing_needs_enough_points_per_window() -> None:
    every_25 = np.arange(0, 1000, 25.0)
    assert median_gap(every_25) == 25
    assert not should_smooth(every_25, 25.0 * (MIN_POINTS_PER_WINDOW - 1))
    assert should_smooth(every_25, 25.0 * MIN_POINTS_PER_WINDOW)
    assert not should_smooth(every_25, 0.0) and not should_smooth(np.array([3.0]), 1e6)
