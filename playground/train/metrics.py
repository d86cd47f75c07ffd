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
from collections.abc import Sequence
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
    """One scalar series in preallocated numpy columns (24 bytes a point)."""

    __slots__ = ("capacity", "n", "steps", "stride", "values", "wall")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.stride = 1
        self.n = 0
        size = min(256, capacity + 1)
        self.steps = np.empty(size, dtype=np.int64)
        self.values = np.empty(size, dtype=np.float64)
        self.wall = np.empty(size, dtype=np.float64)

    def add(self, step: int, value: float, wall: float) -> None:
        n = self.n
        if n and step % self.stride and step - self.steps[n - 1] < self.stride:
            return
        if n == len(self.steps):  # grow geometrically up to capacity + 1
            size = min(2 * n, self.capacity + 1)
            self.steps = np.resize(self.steps, size)
            self.values = np.resize(self.values, size)
            self.wall = np.resize(self.wall, size)
        self.steps[n] = step
        self.values[n] = value
        self.wall[n] = wall
        self.n = n + 1
        if self.n > self.capacity:
            keep = (self.n + 1) // 2
            self.steps[:keep] = self.steps[: self.n : 2]
            self.values[:keep] = self.values[: self.n : 2]
            self.wall[:keep] = self.wall[: self.n : 2]
            self.n = keep
            self.stride *= 2

    def add_many(self, steps: np.ndarray, values: np.ndarray, wall: float) -> None:
        """Vectorised ``add`` for increasing steps: keeps the points on the current stride."""
        while len(steps):
            keep = steps % self.stride == 0
            if self.n == 0:
                keep[0] = True
            steps, values = steps[keep], values[keep]
            if not len(steps):
                return
            n = self.n
            if n + len(steps) > len(self.steps) and len(self.steps) < self.capacity + 1:
                size = min(max(2 * n, n + len(steps)), self.capacity + 1)
                self.steps, self.values, self.wall = (np.resize(a, size) for a in (self.steps, self.values, self.wall))
            take = min(len(self.steps) - n, len(steps))
            self.steps[n:n + take] = steps[:take]
            self.values[n:n + take] = values[:take]
            self.wall[n:n + take] = wall
            self.n = n + take
            steps, values = steps[take:], values[take:]
            if self.n > self.capacity:
                keep_n = (self.n + 1) // 2
                for a in (self.steps, self.values, self.wall):
                    a[:keep_n] = a[: self.n : 2]
                self.n = keep_n
                self.stride *= 2

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = self.n
        return self.steps[:n], self.values[:n], self.wall[:n]

    def load(self, steps: list[float], values: list[float], wall: list[float], stride: int) -> None:
        n = min(len(steps), len(values), len(wall))
        stride = max(int(stride), 1)
        while n > self.capacity:  # a file from a larger buffer: thin it the way add() would
            steps, values, wall = steps[:n:2], values[:n:2], wall[:n:2]
            n = len(steps)
            stride *= 2
        size = max(n, 1)
        self.steps = np.asarray(steps[:n], dtype=np.int64).reshape(-1).copy()
        self.values = np.asarray(values[:n], dtype=np.float64).reshape(-1).copy()
        self.wall = np.asarray(wall[:n], dtype=np.float64).reshape(-1).copy()
        if size > n:
            self.steps, self.values, self.wall = (np.resize(a, size) for a in (self.steps, self.values, self.wall))
        self.n = n
        self.stride = stride


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

    def add_points(self, name: str, steps: Sequence[int] | np.ndarray, values: Sequence[float] | np.ndarray) -> None:
        """Append many points of one series under a single lock (the trainer's flush)."""
        wall = time.time() - self._t0
        with self._lock:
            series = self._series.get(name)
            if series is None:
                series = self._series[name] = _Series(self._capacity)
            series.add_many(np.asarray(steps, dtype=np.int64).reshape(-1),
                            np.asarray(values, dtype=np.float64).reshape(-1), wall)
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
            steps, values, _ = s.columns()
            return steps.astype(np.float64), values.copy()

    def series_wall(self, name: str) -> np.ndarray:
        """Seconds since the buffer started, aligned with ``series(name)``."""
        with self._lock:
            s = self._series.get(name)
            return s.columns()[2].copy() if s else np.empty(0)

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
                name: {"steps": s.columns()[0].astype(float).tolist(), "values": s.columns()[1].tolist(),
                       "wall": s.columns()[2].tolist(), "stride": [float(s.stride)]}
                for name, s in self._series.items()
            }

    def import_history(self, data: dict[str, dict[str, list[float]]]) -> None:
        with self._lock:
            self._series.clear()
            for name, cols in data.items():
                s = _Series(self._capacity)
                steps = cols.get("steps", [])
                s.load(steps, cols.get("values", []), cols.get("wall", [0.0] * len(steps)),
                       int((cols.get("stride") or [1])[0]))
                self._series[name] = s
            self.version += 1
