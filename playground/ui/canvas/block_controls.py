"""The parts of a block that answer the mouse: the +/− unit buttons, the "+ layer" button, the
problem badge and the per-unit heatmap, each with its own tooltip text.

A block paints these itself (no child items: hundreds of blocks stay cheap to draw); the view
asks :func:`region_at` what is under the cursor and shows the matching text.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage

CONTROLS = 24.0  # height of the row of unit buttons under the block's body
_BUTTON_H = 18.0
UNIT_GRID_KEY = "playground.unit_grid"  # QImage text key describing a tiled per-unit heatmap

# (region name, x, width) of the buttons in the row; the unit count sits between − and +
BUTTONS = (("unit_minus", 6.0, 20.0), ("unit_plus", 28.0, 20.0), ("layer_plus", 112.0, 52.0))
COUNT_RECT_X, COUNT_RECT_W = 50.0, 60.0
BUTTON_GLYPHS = {"unit_minus": "−", "unit_plus": "+", "layer_plus": "+ layer"}


def button_rects(top: float) -> dict[str, QRectF]:
    """Where each button is, in block coordinates, for a controls row starting at ``top``."""
    y = top + (CONTROLS - _BUTTON_H) / 2
    return {name: QRectF(x, y, w, _BUTTON_H) for name, x, w in BUTTONS}


def button_tooltip(region: str, what: str, count: int) -> str:
    """``what`` is "units" or "channels"."""
    one = what[:-1]
    if region == "unit_minus":
        return f"Remove a {one} ({count} → {max(1, count - 1)}); the others keep their trained weights"
    if region == "unit_plus":
        return f"Add a {one} ({count} → {count + 1}); the others keep their trained weights"
    return "Add a layer after this one, as wide as it (with the same activation)"


# ------------------------------------------------------------------ unit heatmaps
@dataclass(frozen=True)
class UnitGrid:
    """How a tiled heatmap image is laid out: ``rows`` × ``cols`` tiles of ``tile`` pixels with
    ``gap`` pixels between them, and each unit's value range (before scaling to colours)."""

    rows: int
    cols: int
    tile: int
    gap: int
    ranges: tuple[tuple[float, float], ...]

    def unit_at(self, px: float, py: float) -> int | None:
        """The unit whose tile holds image pixel (px, py), or None on a gap or outside."""
        pitch = self.tile + self.gap
        if px < 0 or py < 0:
            return None
        col, row = int(px // pitch), int(py // pitch)
        if px % pitch >= self.tile or py % pitch >= self.tile or col >= self.cols or row >= self.rows:
            return None
        unit = row * self.cols + col
        return unit if unit < len(self.ranges) else None


_LAZY_RANGES: OrderedDict[int, Callable[[], Sequence[tuple[float, float]]]] = OrderedDict()
# Images whose ranges can still be worked out, newest last: the canvas shows the newest image of each
# block, so a graph with up to this many heatmap blocks keeps every readout. Each entry holds the
# units it was drawn from (at most 16 maps of 64 × 64 float32 in the thumbnails: 256 KB), ≤ 32 MB.
LAZY_KEPT = 128


def tag_unit_grid(image: QImage, rows: int, cols: int, tile: int, gap: int,
                  ranges: Sequence[tuple[float, float]] | Callable[[], Sequence[tuple[float, float]]]) -> QImage:
    """Record the tiling of ``image`` in its metadata, so the canvas can say which unit is under
    the cursor and what range its values span (the colours are scaled per unit). ``ranges`` may be
    a function that works them out: it runs only when someone points at the heatmap (a new heatmap
    comes with every probe while training, and only a few are ever read)."""
    grid = {"rows": rows, "cols": cols, "tile": tile, "gap": gap}
    if not callable(ranges):
        grid["ranges"] = [[float(lo), float(hi)] for lo, hi in ranges]
    image.setText(UNIT_GRID_KEY, json.dumps(grid))
    if callable(ranges):
        _LAZY_RANGES[image.cacheKey()] = ranges
        while len(_LAZY_RANGES) > LAZY_KEPT:
            _LAZY_RANGES.popitem(last=False)
    return image


def unit_grid(image: QImage | None) -> UnitGrid | None:
    """The tiling recorded by :func:`tag_unit_grid`, or None (an untagged image)."""
    if image is None:
        return None
    text = image.text(UNIT_GRID_KEY)
    if not text:
        return None
    try:
        data = json.loads(text)
        if "ranges" in data:
            ranges = data["ranges"]
        else:  # worked out now, once (an image too old to remember them reads as untagged units)
            find = _LAZY_RANGES.get(image.cacheKey())
            ranges = find() if find is not None else []
            if find is not None:
                _LAZY_RANGES[image.cacheKey()] = lambda known=tuple(ranges): known
        return UnitGrid(int(data["rows"]), int(data["cols"]), int(data["tile"]), int(data["gap"]),
                        tuple((float(lo), float(hi)) for lo, hi in ranges))
    except (ValueError, KeyError, TypeError):
        return None


def heatmap_readout(image: QImage, rect: QRectF, local: QPointF) -> str:
    """What the heatmap shows at block point ``local`` (the image is drawn into ``rect``)."""
    grid = unit_grid(image)
    if grid is None or rect.isEmpty():
        return "Each tile: one unit's output over the input plane (blue below zero, red above)"
    px = (local.x() - rect.x()) / rect.width() * image.width()
    py = (local.y() - rect.y()) / rect.height() * image.height()
    unit = grid.unit_at(px, py)
    if unit is None:
        return f"{len(grid.ranges)} units, one tile each: point at a tile to read it"
    lo, hi = grid.ranges[unit]
    return (f"unit {unit} of {len(grid.ranges)}\noutput {lo:.3g} … {hi:.3g} over the input plane\n"
            "(colours scaled to this unit's largest |value|)")


def tile_rect(image: QImage, rect: QRectF, local: QPointF) -> QRectF | None:
    """The heatmap tile under ``local`` in block coordinates (a tooltip stays while inside it)."""
    grid = unit_grid(image)
    if grid is None or rect.isEmpty():
        return None
    sx, sy = rect.width() / image.width(), rect.height() / image.height()
    px, py = (local.x() - rect.x()) / sx, (local.y() - rect.y()) / sy
    if grid.unit_at(px, py) is None:
        return None
    pitch = grid.tile + grid.gap
    col, row = int(px // pitch), int(py // pitch)
    return QRectF(rect.x() + col * pitch * sx, rect.y() + row * pitch * sy, grid.tile * sx, grid.tile * sy)


def tag_tiled_units(image: QImage, units: object, gap: int = 1) -> QImage:
    """:func:`tag_unit_grid` for an image made by ``views.tiling.tile_maps`` from ``units``
    ((U, H, W) outputs, the ones shown): the grid is near-square, row-major, ``gap`` apart."""
    import numpy as np  # only the views' thumbnails call this

    maps = np.asarray(units, dtype=np.float64)
    count = len(maps)
    if count == 0 or image.isNull():
        return image
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    tile = (image.width() + gap) // cols - gap
    flat = maps.reshape(count, -1)
    ranges = [(float(np.nanmin(m)), float(np.nanmax(m))) for m in flat]
    return tag_unit_grid(image, rows, cols, tile, gap, ranges)
