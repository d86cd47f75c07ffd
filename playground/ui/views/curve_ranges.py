"""The curves view's axis ranges, without Qt: every point drawn stays in view, and the range moves
in round steps only when the data leaves it or fills a much smaller part of it.

pyqtgraph's own auto-range fits the plot to the data exactly, so while a run streams points every
axis moves at every frame: each plot scans its items for their bounds, every linked plot follows,
and every axis lays out its ticks and labels again. That was most of what a frame of the curves
cost while training. A range snapped outward to a round step (a tenth of the span, on the 1-2-5
scale) stays put for many frames: the points are drawn as often as before, the axes only move
when there is somewhere to move to.
"""

from __future__ import annotations

import math

import numpy as np

DIVISIONS = 10  # the range is snapped outward to about a tenth of its span
SHRINK = 1.6  # the range zooms in once the data spans less than 1/SHRINK of it
HEADROOM = 0.1  # data that left the range gets this share of its span as room on that side


def nice_step(span: float, divisions: int = DIVISIONS) -> float:
    """The largest 1, 2 or 5 × 10^k at most ``span / divisions`` (a positive ``span``)."""
    raw = span / divisions
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (5.0, 2.0, 1.0):
        if factor * power <= raw * (1 + 1e-9):
            return factor * power
    return power


def snapped(low: float, high: float) -> tuple[float, float]:
    """[low, high] widened outward to multiples of a round step (a constant gets room around it)."""
    constant = high <= low
    if constant:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    if not math.isfinite(high - low):  # values near the float limit: no round step to take
        return low, high
    step = nice_step(high - low)
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    if end <= high and not constant:  # the last point on the edge of the plot, half of its marker cut off
        end += step
    return start, end


def follow(current: tuple[float, float] | None, low: float, high: float) -> tuple[float, float] | None:
    """The range to show data spanning [low, high] when ``current`` is shown: None keeps it (every
    point is inside and the data still fills a fair share of it), else a new snapped range."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    if current is None:
        return snapped(low, high)
    if current[0] <= low and high < current[1]:  # every point inside: zoom in only once it has shrunk
        fitted = snapped(low, high)
        shrunk = (current[1] - current[0]) > SHRINK * (fitted[1] - fitted[0])
        return fitted if shrunk and fitted != current else None
    room = HEADROOM * (high - low)  # a growing run: room ahead, so the next points do not move it again
    wanted = snapped(low - room if low < current[0] else low, high + room if high >= current[1] else high)
    return wanted if wanted != current else None


def bounds(arrays: list[np.ndarray], log: bool = False) -> tuple[float, float]:
    """(min, max) of the finite values of ``arrays`` (of the positive ones, as log10, when ``log``);
    (inf, -inf) when there are none."""
    low, high = math.inf, -math.inf
    for values in arrays:
        values = np.asarray(values, dtype=np.float64)
        if log:
            values = values[values > 0]
            values = np.log10(values) if len(values) else values
        values = values[np.isfinite(values)]
        if len(values):
            low, high = min(low, float(values.min())), max(high, float(values.max()))
    return low, high
