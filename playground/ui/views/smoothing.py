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
