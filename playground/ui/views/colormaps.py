"""Colour maps shared by the views: one diverging map (the classic playground's orange–white–blue),
one sequential map, class colours, and a numpy → QImage helper for small thumbnails."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage

# Class colours: orange and blue first (the classic playground's two classes), then distinct hues.
CLASS_COLORS: tuple[tuple[int, int, int], ...] = (
    (245, 147, 34), (8, 119, 189), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)
# Series colours for curves (readable on white and on dark grey).
SERIES_COLORS: tuple[str, ...] = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def class_color(index: int) -> tuple[int, int, int]:
    return CLASS_COLORS[int(index) % len(CLASS_COLORS)]


def series_color(index: int) -> str:
    return SERIES_COLORS[int(index) % len(SERIES_COLORS)]


def diverging() -> pg.ColorMap:
    """Orange (low) – white (middle) – blue (high): signed values and binary class probabilities."""
    return pg.ColorMap([0.0, 0.5, 1.0], [(245, 147, 34), (248, 248, 248), (8, 119, 189)])


def sequential() -> pg.ColorMap:
    """Viridis: magnitudes, counts, attention weights (readable in grey scale too)."""
    return pg.colormap.get("viridis")


_LUTS: dict[str, np.ndarray] = {}


def lookup_table(name: str) -> np.ndarray:
    """(256, 3) uint8 table of ``name`` ("diverging" or "sequential")."""
    lut = _LUTS.get(name)
    if lut is None:
        cmap = diverging() if name == "diverging" else sequential()
        lut = _LUTS[name] = np.ascontiguousarray(cmap.getLookupTable(0.0, 1.0, 256, alpha=False)[:, :3])
    return lut


def array_to_qimage(values: np.ndarray, low: float, high: float, cmap: str = "diverging") -> QImage:
    """Colour a 2-D array (row 0 drawn at the top; NaN shows as light grey) into an RGB888 QImage."""
    values = np.asarray(values, dtype=np.float32)
    span = high - low if high > low else 1.0
    scaled = (values - np.float32(low)) * np.float32(255.0 / span)
    finite = np.isfinite(scaled)
    index = np.clip(np.where(finite, scaled, 0.0), 0.0, 255.0).astype(np.uint8)
    rgb = lookup_table(cmap)[index]
    if not finite.all():
        rgb[~finite] = (225, 225, 225)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
