"""Per-unit heatmaps over the input plane, tiled into one small image per block for the canvas."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from PySide6.QtGui import QImage

from playground.train.metrics import MetricsBuffer
from playground.ui.canvas.block_controls import tag_unit_grid
from playground.ui.views.colormaps import array_to_qimage
from playground.ui.views.tiling import tile_maps

MAX_TILES = 16  # units shown per block (a 4 × 4 grid)
TILE = 16  # pixels per unit


def tile_units(units: np.ndarray) -> np.ndarray:
    """(U, G, G) unit outputs → one 2-D array: up to MAX_TILES units, each scaled to [-1, 1] by its own
    largest |value|, downsampled to TILE pixels, laid out in a square grid with NaN gaps, row 0 = top."""
    units = np.asarray(units)[:MAX_TILES]
    stride = max(1, units.shape[-1] // TILE)
    # downsample before converting: only TILE × TILE values of each unit are ever shown
    small = np.asarray(units[:, ::stride, ::stride][:, :TILE, :TILE], dtype=np.float64)
    peak = np.abs(small).reshape(len(small), -1).max(axis=1)
    small = small / np.where(peak > 0, peak, 1.0)[:, None, None]
    return tile_maps(small[:, ::-1, :], MAX_TILES)[0]  # row 0 of a unit is the lowest x₂: flip so y points up


def unit_ranges(units: np.ndarray) -> list[tuple[float, float]]:
    """(low, high) of each unit's whole map (what the hover readout says), NaN ignored as
    ``np.nanmin``/``np.nanmax`` do, in one pass without their copies (an all-NaN unit: nan … nan)."""
    flat = np.asarray(units).reshape(len(units), -1)
    lows, highs = flat.min(axis=1), flat.max(axis=1)  # NaN where a unit has one: redone without it
    for i in np.flatnonzero(np.isnan(lows) | np.isnan(highs)):
        lows[i], highs[i] = np.fmin.reduce(flat[i]), np.fmax.reduce(flat[i])
    return list(zip(lows.astype(float).tolist(), highs.astype(float).tolist(), strict=True))


def unit_image(units: np.ndarray) -> QImage:
    """The tiled heatmap of one block's (U, G, G) units, tagged for the canvas's hover readout
    (the same tagging as ``block_controls.tag_tiled_units``, with the ranges found in one pass)."""
    shown = np.asarray(units)[:MAX_TILES]
    image = array_to_qimage(tile_units(shown), -1.0, 1.0, "diverging")
    count = len(shown)
    if image.isNull():
        return image
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    tile = (image.width() + 1) // cols - 1  # tile_maps leaves a 1-pixel gap
    return tag_unit_grid(image, rows, cols, tile, 1, lambda: unit_ranges(shown))  # on hover only


CACHED_STEPS = 32  # scrubbing back and forth over a stretch of the timeline reuses its pictures (~3 MB)
_cache: OrderedDict[tuple, dict[str, QImage]] = OrderedDict()


def unit_thumbnails(buffer: MetricsBuffer, step: int | None = None) -> dict[str, QImage]:
    """node id → small heatmap of its units' outputs over the plane at ``step`` (None: the latest;
    2-D data only; cached per recorded snapshot)."""
    snap = buffer.snapshot_at("units", step)
    if snap is None:
        return {}
    key = (id(buffer), snap[0], id(snap[1]))
    images = _cache.get(key)
    if images is None:
        images = {}
        for nid, units in snap[1].items():
            if np.ndim(units) == 3 and len(units):
                images[nid] = unit_image(units)
        _cache[key] = images
        while len(_cache) > CACHED_STEPS:
            _cache.popitem(last=False)
    _cache.move_to_end(key)
    return dict(images)
