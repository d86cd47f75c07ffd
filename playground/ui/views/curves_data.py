"""What the curves view draws, without Qt: series names in words, the smoothing window's scale,
earlier runs checked, fractional epochs, and one series as drawn (raw, smoothed, sparse)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.ui.views.smoothing import MIN_POINTS_PER_WINDOW, should_smooth, step_smooth

MAX_MARKERS = 100  # a series with more points is dense enough to read as a line
WINDOW_MAX_POINTS = 2000  # the slider spans MIN_POINTS_PER_WINDOW … this many points of the densest series
SERIES_NAMES = {"train/loss": "training loss", "val/loss": "validation loss", "train/accuracy": "training accuracy",
                "val/accuracy": "validation accuracy", "lr": "learning rate"}
SHORT_NAMES = {"train": "training", "val": "validation"}


def human(name: str) -> str:
    return SERIES_NAMES.get(name, name)


def window_points(slider: int) -> float:
    """Slider position → smoothing window in points of the densest series (0: off); logarithmic,
    so that every position smooths at least MIN_POINTS_PER_WINDOW points."""
    if slider <= 0:
        return 0.0
    ratio = WINDOW_MAX_POINTS / MIN_POINTS_PER_WINDOW
    return MIN_POINTS_PER_WINDOW * ratio ** ((min(slider, 100) - 1) / 99)


def plan(steps: np.ndarray, values: np.ndarray, window_steps: float,
         sparse_window: float) -> tuple[np.ndarray | None, bool]:
    """How a series is drawn: (its values smoothed over ``window_steps``, or None where the window
    would hold too few of its points, or smoothing is off; whether it is sparse for
    ``sparse_window`` (the window now, or the default one while smoothing is off) and has few
    enough points to tell apart, so drawn with markers)."""
    smooth = step_smooth(steps, values, window_steps) if should_smooth(steps, window_steps) else None
    return smooth, 0 < len(steps) <= MAX_MARKERS and not should_smooth(steps, sparse_window)


def check_run(index: int, run: Any) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One earlier history as {name: (steps, values, wall)}; ValueError names what is wrong and where."""
    where = f"earlier run {index + 1}"
    if not isinstance(run, dict):
        raise ValueError(f"{where} must be a mapping of series names to columns, got {type(run).__name__}")
    out = {}
    for name, cols in run.items():
        if not isinstance(cols, dict) or "steps" not in cols or "values" not in cols:
            raise ValueError(f"{where}: series {name!r} needs 'steps' and 'values' lists")
        try:
            steps = np.asarray(cols["steps"], dtype=np.float64).reshape(-1)
            values = np.asarray(cols["values"], dtype=np.float64).reshape(-1)
            wall = np.asarray(cols.get("wall", np.zeros(len(steps))), dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: series {name!r} has non-numeric values ({err})") from err
        if len(steps) != len(values):
            raise ValueError(f"{where}: series {name!r} has {len(steps)} steps but {len(values)} values")
        if len(wall) != len(steps):
            wall = np.zeros(len(steps))
        out[str(name)] = (steps, values, wall)
    return out


def epoch_axis(steps: np.ndarray, epoch_steps: np.ndarray, epoch_values: np.ndarray) -> np.ndarray:
    """Fractional epochs at ``steps``: linear between the steps where the recorded epoch changed,
    extended at the latest pace (the trainer records whole epochs only at evaluation steps)."""
    if len(epoch_steps) == 0:
        return steps
    change = np.flatnonzero(np.diff(epoch_values)) + 1
    anchor_s = np.concatenate([[epoch_steps[0]], epoch_steps[change]])
    anchor_e = np.concatenate([[epoch_values[0]], epoch_values[change]])
    if len(anchor_s) < 2:
        return np.interp(steps, epoch_steps, epoch_values)
    out = np.interp(steps, anchor_s, anchor_e)
    pace = (anchor_e[-1] - anchor_e[-2]) / max(anchor_s[-1] - anchor_s[-2], 1e-12)
    late = steps > anchor_s[-1]
    out[late] = anchor_e[-1] + (steps[late] - anchor_s[-1]) * pace
    return out


@dataclass
class Drawn:
    """One series as drawn: its steps, x positions, raw values and smoothed values (None: drawn raw)."""

    steps: np.ndarray
    x: np.ndarray
    raw: np.ndarray
    smooth: np.ndarray | None
    sparse: bool

    def at_step(self, step: float) -> int | None:
        """Index of the latest point at or before ``step`` (what was recorded by then)."""
        i = int(np.searchsorted(self.steps, step, side="right")) - 1
        return i if i >= 0 else None

    def text(self, name: str, i: int, smoothed: bool = True) -> str:
        out = f"{human(name)} {self.raw[i]:.4g}"
        return out if self.smooth is None or not smoothed else out + f" (smoothed {self.smooth[i]:.4g})"
