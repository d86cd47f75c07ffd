"""Laying out many small 2-D maps (feature maps, unit heatmaps) in one array with NaN gaps."""

from __future__ import annotations

import math

import numpy as np


def tile_maps(maps: np.ndarray, max_tiles: int = 64, gap: int = 1) -> tuple[np.ndarray, int, int]:
    """(K, H, W) → (grid, rows, columns): the first ``max_tiles`` maps in a near-square grid, row-major,
    separated by ``gap`` NaN pixels (drawn transparent)."""
    maps = np.asarray(maps, dtype=np.float64)[:max_tiles]
    count, h, w = maps.shape
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i in range(count):
        r, c = divmod(i, cols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = maps[i]
    return out, rows, cols
