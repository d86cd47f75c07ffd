"""Softmax temperature on recorded attention maps: T = 1 gives the map back, T -> 0 one-hot rows,
a large T even rows; the row entropy falls as T falls; masked keys stay masked."""

from __future__ import annotations

import numpy as np
import pytest

from playground.analysis.temperature import at_temperature, entropy_at, row_entropy


def _maps(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(3, 2, 6, 6)) * 2
    e = np.exp(scores - scores.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True), scores


def test_temperature_one_is_the_map_and_any_t_is_softmax_of_scores_over_t():
    maps, scores = _maps()
    assert np.allclose(at_temperature(maps, 1.0), maps)
    for t in (0.1, 0.5, 3.0):
        e = np.exp(scores / t - (scores / t).max(-1, keepdims=True))
        assert np.allclose(at_temperature(maps, t), e / e.sum(-1, keepdims=True), atol=1e-9)


def test_saturation_at_the_ends_and_entropy_falls_with_t():
    maps, _ = _maps(1)
    cold = at_temperature(maps, 1e-6)
    assert np.allclose(cold.max(-1), 1.0) and np.array_equal(cold.argmax(-1), maps.argmax(-1))
    assert np.allclose(at_temperature(maps, 1e4), 1 / 6, atol=1e-3)
    temps = [0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0]
    values = [entropy_at(maps, t) for t in temps]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert values[0] < 0.05 and values[-1] > 0.99 and row_entropy(maps) == pytest.approx(values[3])


def test_masked_keys_stay_masked_and_bad_temperatures_are_refused():
    causal = np.tril(np.ones((4, 4)))
    maps = causal / causal.sum(-1, keepdims=True)
    hot = at_temperature(maps, 50.0)
    assert np.all(hot[np.triu_indices(4, 1)] == 0) and np.allclose(hot.sum(-1), 1)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature must be a number above 0"):
            at_temperature(maps, bad)
