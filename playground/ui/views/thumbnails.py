"""Per-unit heatmaps over the input plane, tiled into one small image per block for the canvas."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from playground.train.metrics import MetricsBuffer
from playground.ui.canvas.block_controls import tag_tiled_units
from playground.ui.views.colormaps import array_to_qimage
from playground.ui.views.tiling import tile_maps

MAX_TILES = 16  # units shown per block (a 4 × 4 grid)
TILE = 16  # pixels per unit


def tile_units(units: np.ndarray) -> np.ndarray:
    """(U, G, G) unit outputs → one 2-D array: up to MAX_TILES units, each scaled to [-1, 1] by its own
    largest |value|, downsampled to TILE pixels, laid out in a square grid with NaN gaps, row 0 = top."""
    units = np.asarray(units, dtype=np.float64)[:MAX_TILES]
    stride = max(1, units.shape[-1] // TILE)
    small = units[:, ::stride, ::stride][:, :TILE, :TILE]
    peak = np.abs(small).reshape(len(small), -1).max(axis=1)
    small = small / np.where(peak > 0, peak, 1.0)[:, None, None]
    return tile_maps(small[:, ::-1, :], MAX_TILES)[0]  # row 0 of a unit is the lowest x₂: flip so y points up


_cache: dict[str, object] = {"key": None, "images": {}}


def unit_thumbnails(buffer: MetricsBuffer) -> dict[str, QImage]:
    """node id → small heatmap of its units' outputs over the plane (2-D data only; cached per probe)."""
    snap = buffer.snapshot("units")
    if snap is None:
        return {}
    key = (id(buffer), snap[0], id(snap[1]))
    if _cache["key"] != key:
        images = {}
        for nid, units in snap[1].items():
            if np.ndim(units) == 3 and len(units):
                image = array_to_qimage(tile_units(units), -1.0, 1.0, "diverging")
                images[nid] = tag_tiled_units(image, np.asarray(units)[:MAX_TILES])  # hover readout
        _cache["key"], _cache["images"] = key, images
    return dict(_cache["images"])  # type: ignore[call-overload]
