"""Softmax temperature on recorded attention maps, and how saturated a map is (its row entropy).

The record keeps attention probabilities p = softmax(s). Since log p differs from the scores s
by one constant per row, and a softmax ignores such constants, softmax(log p / T) equals
softmax(s / T) exactly: a recorded map can be redrawn at any temperature T without the model.
T -> 0 saturates every row into one-hot (ties share), a large T flattens it to even weights.
"""

from __future__ import annotations

import math

import numpy as np


def at_temperature(maps: np.ndarray, temperature: float) -> np.ndarray:
    """``maps`` (..., queries, keys), rows softmax outputs, as softmax(scores / T) along the keys.
    Keys with weight 0 (a causal mask) stay at 0."""
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"the softmax temperature must be a number above 0, not {temperature!r}")
    p = np.clip(np.asarray(maps, dtype=np.float64), 0.0, None)
    with np.errstate(divide="ignore"):
        logs = np.log(p) / temperature
    top = logs.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    weights = np.exp(logs - top)  # exp(-inf) = 0: masked keys stay masked
    return weights / np.maximum(weights.sum(axis=-1, keepdims=True), 1e-300)


def row_entropy(maps: np.ndarray) -> float:
    """Mean entropy of the rows of ``maps`` (..., keys), divided by log(keys): 0 when each row
    puts all its weight on one key, 1 when it spreads it evenly over all keys."""
    p = np.clip(np.asarray(maps, dtype=np.float64), 0.0, None)
    keys = p.shape[-1]
    if keys < 2 or p.size == 0:
        return 0.0
    p = p / np.maximum(p.sum(axis=-1, keepdims=True), 1e-300)
    logs = np.log(np.where(p > 0, p, 1.0))
    return float((-(p * logs).sum(axis=-1) / math.log(keys)).mean())


def entropy_at(maps: np.ndarray, temperature: float) -> float:
    """``row_entropy`` of ``maps`` redrawn at ``temperature``."""
    return row_entropy(at_temperature(maps, temperature))
