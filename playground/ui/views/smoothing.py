"""Exponential moving average as in TensorBoard's scalar dashboard (pure numpy).

TensorBoard smooths with ``last = last * w + (1 - w) * value`` and divides by the
debias factor ``1 - w^k`` (k = number of finite points so far), so the curve starts
at the first value instead of at zero. Non-finite values are skipped and stay NaN.
"""

from __future__ import annotations

import math

import numpy as np

MAX_BLOCK = 4096
MAX_KERNEL = 64  # strong decay: a truncated convolution is exact to ~1e-17 and faster


def ema_smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """Debiased EMA of ``values`` with smoothing ``weight`` in [0, 1); 0 returns a copy.

    Vectorised in blocks (w^-i stays finite within a block), so a 1e6-point series takes
    milliseconds instead of a Python loop over every point.
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    x = values[finite]
    if weight == 0.0 or len(x) == 0:
        out[finite] = x
        return out
    w = float(weight)
    debias = 1.0 - w ** np.arange(1, len(x) + 1, dtype=np.float64)
    decay = -math.log(w)
    kernel_len = math.ceil(40.0 / decay)
    if kernel_len <= MAX_KERNEL:
        kernel = (1.0 - w) * w ** np.arange(kernel_len, dtype=np.float64)
        out[finite] = np.convolve(x, kernel)[: len(x)] / debias
        return out
    # w^-i up to e^600 stays finite in float64; the sums are dominated by their newest terms.
    block = max(1, min(MAX_BLOCK, int(600.0 / decay)))
    ema = np.empty_like(x)
    last = 0.0
    powers = w ** np.arange(block + 1, dtype=np.float64)  # w^0 .. w^block
    inverse = 1.0 / powers[:-1]  # w^0 .. w^-(block-1)
    for start in range(0, len(x), block):
        chunk = x[start:start + block]
        n = len(chunk)
        # ema[s+j] = w^(j+1) last + (1-w) w^j sum_{i<=j} w^-i x[s+i]
        acc = np.cumsum(chunk * inverse[:n])
        values_block = powers[1:n + 1] * last + (1.0 - w) * powers[:n] * acc
        ema[start:start + n] = values_block
        last = values_block[-1]
    out[finite] = ema / debias
    return out


# ---------------------------------------------------------------- smoothing by step distance
MIN_POINTS_PER_WINDOW = 20  # fewer points than this in one window: the series is drawn raw
WINDOW_WEIGHT = 0.95  # share of a smoothed value's weight that lies within the window
MAX_EXPONENT = 600.0  # e^600 stays finite in float64


def median_gap(steps: np.ndarray) -> float:
    """The typical step distance between consecutive points (inf for fewer than two points)."""
    steps = np.asarray(steps, dtype=np.float64).reshape(-1)
    if len(steps) < 2:
        return math.inf
    gaps = np.diff(steps)
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if len(gaps) else math.inf


def points_per_window(steps: np.ndarray, window_steps: float) -> float:
    """How many of the series' points one smoothing window of ``window_steps`` steps holds."""
    gap = median_gap(steps)
    if window_steps <= 0:
        return 0.0
    return math.inf if math.isinf(gap) and len(steps) <= 1 else window_steps / gap


def should_smooth(steps: np.ndarray, window_steps: float) -> bool:
    """Smoothing is applied only where one window holds at least MIN_POINTS_PER_WINDOW points:
    a sparse series (validation every few dozen steps) averaged over a handful of its points
    would lag far behind what was measured."""
    return window_steps > 0 and len(steps) > 1 and points_per_window(steps, window_steps) >= MIN_POINTS_PER_WINDOW


def step_smooth(steps: np.ndarray, values: np.ndarray, window_steps: float) -> np.ndarray:
    """Exponentially weighted mean by step distance: the point ``d`` steps before weighs
    ``exp(-d / tau)``, with ``tau`` such that WINDOW_WEIGHT of the weight lies within
    ``window_steps``. Normalised by the sum of the weights (TensorBoard's debiasing), so the
    curve starts at the first value; with evenly spaced points it equals TensorBoard's EMA of
    weight ``exp(-gap / tau)``. Unevenly spaced points weigh by how far back they were measured,
    not by how many points came between. Non-finite values are skipped and stay NaN."""
    steps = np.asarray(steps, dtype=np.float64).reshape(-1)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(steps) != len(values):
        raise ValueError(f"step_smooth: {len(steps)} steps but {len(values)} values")
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    s, x = steps[finite], values[finite]
    if window_steps <= 0 or len(x) == 0:
        out[finite] = x
        return out
    rate = -math.log(1.0 - WINDOW_WEIGHT) / float(window_steps)  # 1 / tau
    t = (s - s[0]) * rate  # step distance in units of tau
    num = np.empty_like(x)
    den = np.empty_like(x)
    carry_num = carry_den = 0.0
    carry_t = t[0]
    start = 0
    # Blocks over which e^(t - t_block) stays finite; within one, both sums are cumulative sums.
    while start < len(x):
        stop = int(np.searchsorted(t, t[start] + MAX_EXPONENT, side="right"))
        rel = t[start:stop] - t[start]
        grow = np.exp(rel)
        decay = math.exp(-(t[start] - carry_t))
        num_block = (carry_num * decay + np.cumsum(x[start:stop] * grow)) / grow
        den_block = (carry_den * decay + np.cumsum(grow)) / grow
        num[start:stop], den[start:stop] = num_block, den_block
        carry_num, carry_den, carry_t = num_block[-1], den_block[-1], t[stop - 1]
        start = stop
    out[finite] = num / den
    return out
