"""MetricsBuffer: the only channel from a training thread to its watchers.

The trainer writes; consumers (UI timer at ~30 Hz, CLI, tests) pull at their
own rate. Everything is guarded by one lock and bounded:

* scalar series keep at most ``capacity`` points each; when full, every
  second point is dropped and the recording stride doubles, so a run of any
  length keeps an even, bounded history (1e6 steps -> a few MB);
* the record (validation scalars, gradient norms, and every snapshot kind:
  histograms, activations, boundary, unit maps, attention, mode strengths,
  similarity) follows the step schedule of ``playground.train.schedule``: each
  kind keeps at most 264 entries spread evenly over the whole run, each entry
  capped in size (``playground.train.snapshots``), so the record stays within
  a few tens of MB for any network and any run length; the newest snapshot of
  each kind is also kept as written;
* events (state changes, warnings, errors) are a bounded queue.

``train/loss`` is the per-step series; scalars written with ``record_scalars`` are
recorded ones (on the schedule). ``export_record``/``import_record`` carry the snapshot
histories (see ``playground.train.record_io``).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.train.schedule import CAPACITY, EXTRAS, KindStore, stride_at
from playground.train.snapshots import history_entry, nbytes

DEFAULT_CAPACITY = 20_000
PER_STEP_SERIES = "train/loss"  # written every step (add_points), not on the record schedule
SNAPSHOT_HISTORY = CAPACITY + EXTRAS  # entries per kind, at most (kept for callers that read it)


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
                self.steps = np.resize(self.steps, size)
                self.values = np.resize(self.values, size)
                self.wall = np.resize(self.wall, size)
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

    def truncate(self, last: int) -> None:
        self.n = int(np.searchsorted(self.steps[: self.n], last, side="right"))

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
            self.steps = np.resize(self.steps, size)
            self.values = np.resize(self.values, size)
            self.wall = np.resize(self.wall, size)
        self.n = n
        self.stride = stride


class MetricsBuffer:
    """Thread-safe, bounded store of training metrics. See module docstring."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, snapshot_history: int = SNAPSHOT_HISTORY) -> None:
        self._lock = threading.Lock()
        self._capacity = capacity
        self._series: dict[str, _Series] = {}
        self._snapshots: dict[str, tuple[int, Any]] = {}
        self._stores: dict[str, KindStore[Any]] = {}
        self._recorded: dict[str, KindStore[tuple[float, float]]] = {}  # scheduled scalars: (value, wall)
        self._events: deque[Event] = deque(maxlen=1000)
        self._status: dict[str, Any] = {"state": "idle", "step": 0, "epoch": 0, "steps_per_s": 0.0,
                                        "device": "cpu", "message": ""}
        self._t0 = time.time()
        self.version = 0  # bumped on every write; consumers skip redraws when unchanged
        # bumped on every write that can change which steps the record holds: everything but the
        # per-step train/loss (the timeline's positions are rebuilt only when it moves)
        self.record_version = 0

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
            if set(values) != {PER_STEP_SERIES}:
                self.record_version += 1

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
            if name != PER_STEP_SERIES:
                self.record_version += 1

    def record_scalars(self, step: int, values: dict[str, float]) -> None:
        """Recorded scalars (validation, accuracies, gradient norms, lr, epoch) at a scheduled step.

        Each name keeps at most 264 points (the record schedule), about 4 KB."""
        wall = time.time() - self._t0
        with self._lock:
            for name, value in values.items():
                store = self._recorded.get(name)
                if store is None:
                    store = self._recorded[name] = KindStore()
                    legacy = self._series.pop(name, None)  # e.g. from an older file: keep its points
                    if legacy is not None:
                        steps, vals, walls = legacy.columns()
                        store.load([(int(a), (float(b), float(c))) for a, b, c in zip(steps, vals, walls, strict=True)])
                store.add(int(step), (float(value), wall))
            self.version += 1
            self.record_version += 1

    def put_snapshot(self, kind: str, step: int, data: Any, keep_history: bool = True) -> None:
        """Store ``data`` as the newest snapshot of ``kind`` and its bounded form in the kind's history.

        Every kind keeps a history now (``keep_history`` is accepted for older callers and ignored)."""
        entry = history_entry(kind, data)
        with self._lock:
            self._snapshots[kind] = (int(step), data)
            store = self._stores.get(kind)
            if store is None:
                store = self._stores[kind] = KindStore()
            store.add(int(step), entry)
            self.version += 1
            self.record_version += 1

    def truncate(self, last: int) -> None:
        """Forget everything recorded after step ``last`` (a run restored to its last good step)."""
        with self._lock:
            for series in self._series.values():
                series.truncate(last)
            for store in (*self._recorded.values(), *self._stores.values()):
                store.truncate(last)
            for kind, (step, _) in list(self._snapshots.items()):
                if step > last:
                    latest = self._stores[kind].latest() if kind in self._stores else None
                    if latest is None:
                        del self._snapshots[kind]
                    else:
                        self._snapshots[kind] = latest
            self.version += 1
            self.record_version += 1

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
            self._stores.clear()
            self._recorded.clear()
            self._t0 = time.time()
            self.version += 1
            self.record_version += 1

    # ------------------------------------------------------------- readers
    def series_names(self) -> list[str]:
        with self._lock:
            return sorted({*self._series, *self._recorded})

    def _columns(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        s = self._series.get(name)
        if s is not None:
            return s.columns()
        store = self._recorded.get(name)
        if store is None:
            return None
        pairs = np.array(store.items, dtype=np.float64).reshape(-1, 2)
        return np.array(store.steps, dtype=np.int64), pairs[:, 0], pairs[:, 1]

    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) as float64 arrays (empty if never recorded)."""
        with self._lock:
            cols = self._columns(name)
            if cols is None:
                return np.empty(0), np.empty(0)
            return cols[0].astype(np.float64), cols[1].copy()

    def latest(self, name: str, step: int | None = None) -> tuple[int, float] | None:
        """(step, value) of the last point of series ``name`` at or before ``step`` (None: the very
        last), or None; a binary search, with no copy of the series (the readout asks every tick)."""
        with self._lock:
            s = self._series.get(name)
            if s is not None:
                steps = s.steps[: s.n]
                i = s.n if step is None else int(np.searchsorted(steps, step, side="right"))
                return (int(steps[i - 1]), float(s.values[i - 1])) if i else None
            store = self._recorded.get(name)
            if store is None:
                return None
            i = len(store.steps) if step is None else bisect.bisect_right(store.steps, step)
            return (int(store.steps[i - 1]), float(store.items[i - 1][0])) if i else None

    def series_wall(self, name: str) -> np.ndarray:
        """Seconds since the buffer started, aligned with ``series(name)``."""
        with self._lock:
            cols = self._columns(name)
            return cols[2].copy() if cols is not None else np.empty(0)

    def snapshot_kinds(self) -> list[str]:
        with self._lock:
            return sorted(self._stores)

    def record_bytes(self) -> int:
        """Bytes of numpy data the record holds (histories, newest snapshots and scalar series)."""
        with self._lock:
            seen: set[int] = set()
            total = sum(nbytes(store.items, seen) for store in self._stores.values())
            total += sum(nbytes(data, seen) for _, data in self._snapshots.values())
            total += sum(s.steps.nbytes + s.values.nbytes + s.wall.nbytes for s in self._series.values())
            return total + 24 * sum(len(s) for s in self._recorded.values())

    def snapshot(self, kind: str) -> tuple[int, Any] | None:
        with self._lock:
            return self._snapshots.get(kind)

    def snapshot_at(self, kind: str, step: int | None) -> tuple[int, Any] | None:
        """The latest recorded snapshot of ``kind`` at or before ``step`` (None: the latest), as
        (step it was recorded at, data); None when nothing of ``kind`` was recorded by then.

        The newest snapshot is returned as written; earlier ones are their history entries
        (bounded forms, see snapshots.py)."""
        with self._lock:
            newest = self._snapshots.get(kind)
            if step is None or (newest is not None and newest[0] <= step):
                return newest
            store = self._stores.get(kind)
            if store is None:
                return None
            index = bisect.bisect_right(store.steps, int(step)) - 1
            return (store.steps[index], store.items[index]) if index >= 0 else None

    def snapshot_history(self, kind: str) -> list[tuple[int, Any]]:
        """(step, entry) pairs of ``kind`` in step order: the bounded history (see snapshots.py)."""
        with self._lock:
            store = self._stores.get(kind)
            return list(store) if store is not None else []

    def recorded_steps(self, kind: str) -> list[int]:
        """The steps a kind (snapshot kind or scalar name) was recorded at."""
        with self._lock:
            store = self._stores.get(kind) or self._recorded.get(kind)
            if store is not None:
                return list(store.steps)
            s = self._series.get(kind)
            return s.columns()[0].tolist() if s is not None else []

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
            out = {
                name: {"steps": s.columns()[0].astype(float).tolist(), "values": s.columns()[1].tolist(),
                       "wall": s.columns()[2].tolist(), "stride": [float(s.stride)]}
                for name, s in self._series.items()
            }
            for name, store in self._recorded.items():
                out[name] = {"steps": [float(v) for v in store.steps], "values": [v for v, _ in store.items],
                             "wall": [w for _, w in store.items], "stride": [float(store.stride)]}
            return out

    def import_history(self, data: dict[str, dict[str, list[float]]]) -> None:
        """Restore scalar series; series whose steps follow the record schedule become recorded ones."""
        with self._lock:
            self._series.clear()
            self._recorded.clear()
            for name, cols in data.items():
                steps = cols.get("steps", [])
                values = cols.get("values", [])
                wall = cols.get("wall", [0.0] * len(steps))
                if name != PER_STEP_SERIES and _on_schedule(steps):
                    store: KindStore[tuple[float, float]] = KindStore()
                    store.load([(int(a), (float(b), float(c))) for a, b, c in zip(steps, values, wall, strict=False)])
                    self._recorded[name] = store
                    continue
                s = _Series(self._capacity)
                s.load(steps, values, wall, int((cols.get("stride") or [1])[0]))
                self._series[name] = s
            self.version += 1
            self.record_version += 1

    def export_record(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Every snapshot kind's history as (JSON-safe meta, flat numeric arrays); see record_io."""
        from playground.train.record_io import encode_record

        with self._lock:
            histories = {kind: list(store) for kind, store in self._stores.items()}
        return encode_record(histories)

    def import_record(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Restore every snapshot kind's history from ``export_record`` output.

        Raises ValueError (and changes nothing) on malformed or inconsistent input."""
        from playground.train.record_io import decode_record

        histories = decode_record(meta, arrays)
        with self._lock:
            self._stores.clear()
            self._snapshots.clear()
            for kind, pairs in histories.items():
                store: KindStore[Any] = KindStore()
                store.load(pairs)
                self._stores[kind] = store
                latest = store.latest()
                if latest is not None:
                    self._snapshots[kind] = latest
            self.version += 1
            self.record_version += 1


def _on_schedule(steps: Sequence[float]) -> bool:
    """Whether a stored series was recorded on the record schedule (all but a few extras due)."""
    if not steps or len(steps) > CAPACITY + EXTRAS:
        return False
    last = int(steps[-1])
    stride = stride_at(last)
    off = sum(1 for s in steps if int(s) % stride)
    return off <= EXTRAS
