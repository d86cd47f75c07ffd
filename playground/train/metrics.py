"""MetricsBuffer: the only channel from a training thread to its watchers.

The trainer writes; consumers (UI timer at ~30 Hz, CLI, tests) pull at their
own rate. Everything is guarded by one lock and bounded:

* scalar series keep at most ``capacity`` points each; when full, every
  second point is dropped and the recording stride doubles, so a run of any
  length keeps an even, bounded history (1e6 steps -> a few MB);
* snapshots (histograms, attention maps, activations, decision boundaries,
  mode strengths) keep the latest value per kind, plus a bounded history for
  kinds that views show over time;
* events (state changes, warnings, errors) are a bounded queue.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DEFAULT_CAPACITY = 20_000
SNAPSHOT_HISTORY = 200


@dataclass
class Event:
    kind: str  # "state", "info", "warning", "error"
    message: str
    step: int = 0
    time: float = field(default_factory=time.time)


class _Series:
    __slots__ = ("capacity", "steps", "stride", "values", "wall")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.stride = 1
        self.steps: list[int] = []
        self.values: list[float] = []
        self.wall: list[float] = []

    def add(self, step: int, value: float, wall: float) -> None:
        if self.steps and step % self.stride and step - self.steps[-1] < self.stride:
            return
        self.steps.append(step)
        self.values.append(value)
        self.wall.append(wall)
        if len(self.steps) > self.capacity:
            self.steps = self.steps[::2]
            self.values = self.values[::2]
            self.wall = self.wall[::2]
            self.stride *= 2


class MetricsBuffer:
    """Thread-safe, bounded store of training metrics. See module docstring."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, snapshot_history: int = SNAPSHOT_HISTORY) -> None:
        self._lock = threading.Lock()
        self._capacity = capacity
        self._series: dict[str, _Series] = {}
        self._snapshots: dict[str, Any] = {}
        self._snapshot_history: dict[str, deque[tuple[int, Any]]] = {}
        self._history_len = snapshot_history
        self._events: deque[Event] = deque(maxlen=1000)
        self._status: dict[str, Any] = {"state": "idle", "step": 0, "epoch": 0, "steps_per_s": 0.0,
                                        "device": "cpu", "message": ""}
        self._t0 = time.time()
        self.version = 0  # bumped on every write; consumers skip redraws when unchanged

    # ------------------------------------------------------------- writers
    def add_scalars(self, step: int, values: dict[str, float]) -> None:
        wall = time.time() - self._t0
        with self._lock:
            for name, value in values.items():
                series = self._series.get(name)
                if series is None:
                    series = self._series[name] = _Series(self._capacity)
                series.add(int(step), float(value), wall)
            self.version += 1

    def put_snapshot(self, kind: str, step: int, data: Any, keep_history: bool = False) -> None:
        """Store the latest ``data`` of ``kind`` (e.g. "weights", "attention", "boundary")."""
        with self._lock:
            self._snapshots[kind] = (int(step), data)
            if keep_history:
                hist = self._snapshot_history.setdefault(kind, deque(maxlen=self._history_len))
                hist.append((int(step), data))
            self.version += 1

    def post(self, kind: str, message: str, step: int = 0) -> None:
        with self._lock:
            self._events.append(Event(kind, message, step))
            self.version += 1

    def set_status(self, **fields: Any) -> None:
        with self._lock:
            self._status.update(fields)
            self.version += 1

    def clear(self) -> None:
        with self._lock:
            self._series.clear()
            self._snapshots.clear()
            self._snapshot_history.clear()
            self._t0 = time.time()
            self.version += 1

    # ------------------------------------------------------------- readers
    def series_names(self) -> list[str]:
        with self._lock:
            return sorted(self._series)

    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) as float64 arrays (empty if never recorded)."""
        with self._lock:
            s = self._series.get(name)
            if s is None:
                return np.empty(0), np.empty(0)
            return np.asarray(s.steps, dtype=np.float64), np.asarray(s.values, dtype=np.float64)

    def series_wall(self, name: str) -> np.ndarray:
        """Seconds since the buffer started, aligned with ``series(name)``."""
        with self._lock:
            s = self._series.get(name)
            return np.asarray(s.wall if s else [], dtype=np.float64)

    def snapshot(self, kind: str) -> tuple[int, Any] | None:
        with self._lock:
            return self._snapshots.get(kind)

    def snapshot_history(self, kind: str) -> list[tuple[int, Any]]:
        with self._lock:
            return list(self._snapshot_history.get(kind, ()))

    def drain_events(self) -> list[Event]:
        with self._lock:
            events = list(self._events)
            self._events.clear()
            return events

    def status(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._status)

    # -------------------------------------------------- persistence helpers
    def export_history(self) -> dict[str, dict[str, list[float]]]:
        """Scalar history as plain lists (for session files and CSV)."""
        with self._lock:
            return {
                name: {"steps": list(map(float, s.steps)), "values": list(s.values),
                       "wall": list(s.wall), "stride": [float(s.stride)]}
                for name, s in self._series.items()
            }

    def import_history(self, data: dict[str, dict[str, list[float]]]) -> None:
        with self._lock:
            self._series.clear()
            for name, cols in data.items():
                s = _Series(self._capacity)
                s.steps = [int(v) for v in cols.get("steps", [])]
                s.values = [float(v) for v in cols.get("values", [])]
                s.wall = [float(v) for v in cols.get("wall", [0.0] * len(s.steps))]
                s.stride = int((cols.get("stride") or [1])[0])
                self._series[name] = s
            self.version += 1
