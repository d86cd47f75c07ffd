"""Histogram helpers for the views (pure numpy): rebinning onto a shared grid and percentiles."""

from __future__ import annotations

import numpy as np


def rebin(counts: np.ndarray, edges: np.ndarray, new_edges: np.ndarray) -> np.ndarray:
    """Counts of a histogram moved onto ``new_edges``, assuming values spread evenly within a bin.

    Counts outside the new range go to the outermost bins, so the total is kept.
    """
    counts = np.asarray(counts, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    cdf = np.concatenate([[0.0], np.cumsum(counts)])
    at_new = np.interp(new_edges, edges, cdf, left=0.0, right=cdf[-1])
    at_new[0], at_new[-1] = 0.0, cdf[-1]
    return np.diff(at_new)


def percentiles(counts: np.ndarray, edges: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Values below which the fractions ``qs`` of the histogram's mass lie (linear in each bin)."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return np.full(len(qs), np.nan)
    cdf = np.concatenate([[0.0], np.cumsum(counts)]) / total
    # np.interp needs increasing x: drop flat stretches (empty bins) except their last point.
    keep = np.concatenate([np.diff(cdf) > 0, [True]])
    return np.interp(qs, cdf[keep], np.asarray(edges, dtype=np.float64)[keep])


def shared_edges(ranges: list[tuple[float, float]], bins: int) -> np.ndarray:
    """Edges covering every (low, high) in ``ranges`` with ``bins`` equal bins."""
    low = min((r[0] for r in ranges), default=-1.0)
    high = max((r[1] for r in ranges), default=1.0)
    if not np.isfinite(low) or not np.isfinite(high) or high <= low:
        low, high = -1.0, 1.0
    return np.linspace(low, high, bins + 1)
