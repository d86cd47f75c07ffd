"""The record schedule: which steps are recorded, as a function of the step number alone.

Every recorded kind (validation scalars, histograms, gradient norms, activations, boundary and
unit maps, attention, mode strengths, similarity) follows one rule. At step ``t`` the stride is
the smallest power of two ``k`` with ``t // k + 1 <= CAPACITY``; step ``t`` is *due* when
``t % k == 0``. A store that keeps exactly the due steps therefore holds every multiple of the
current stride: every step while ``t < CAPACITY``, then between ``CAPACITY / 2`` and
``CAPACITY`` snapshots spread evenly over the whole run. This is the stride of the scalar
series ("double k when the store is full"), written so that it depends on nothing but ``t``:
not on wall time, machine load, open views, or on how often the run was paused.

Records taken off the schedule (the end of a run, a pause) are *extras*. A store keeps the
newest ``EXTRAS`` of them and never lets them change which due steps it keeps, so an
uninterrupted run of a given session and seed records the same steps on any machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

CAPACITY = 256  # on-schedule snapshots per kind: between CAPACITY // 2 + 1 and CAPACITY
EXTRAS = 8  # off-schedule snapshots (ends of runs, pauses) kept per kind, newest first

T = TypeVar("T")


def stride_at(step: int) -> int:
    """The recording stride at ``step``: the smallest power of two k with step // k + 1 <= CAPACITY."""
    k = 1
    while step // k + 1 > CAPACITY:
        k *= 2
    return k


def is_due(step: int, horizon: int = 0) -> bool:
    """Whether ``step`` is on the record schedule; with a known run length ``horizon`` the stride
    is that of the run's end from the start (the steps the doubling stride keeps at the end)."""
    return step >= 0 and step % stride_at(max(step, horizon)) == 0


def due_steps(start: int, end: int) -> list[int]:
    """The steps in ``[start, end]`` that are due (used by tests and to plan batched copies)."""
    return [s for s in range(max(start, 0), end + 1) if is_due(s)]


class KindStore(Generic[T]):
    """The bounded history of one recorded kind: (step, item) pairs in step order.

    Holds at most ``CAPACITY`` due steps plus ``EXTRAS`` off-schedule ones, so its memory is at
    most ``(CAPACITY + EXTRAS)`` times the size of one item (each kind caps its item size; see
    ``playground.train.snapshots``).
    """

    __slots__ = ("extras", "items", "steps", "stride")

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.items: list[T] = []
        self.stride = 1  # the stride the kept due steps are multiples of
        self.extras = 0  # off-schedule entries held

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[tuple[int, T]]:
        return iter(zip(self.steps, self.items, strict=True))

    def add(self, step: int, item: T) -> None:
        """Record ``item`` at ``step``; a step at or before the newest replaces what follows it
        (a run restored to an earlier step records over the abandoned future)."""
        step = int(step)
        if self.steps and step <= self.steps[-1]:
            self.truncate(step - 1)
        self.steps.append(step)
        self.items.append(item)
        stride = stride_at(step)
        if step % stride:
            self.extras += 1
        if stride != self.stride or self.extras > EXTRAS:
            self._thin(stride)

    def truncate(self, last: int) -> None:
        """Forget everything recorded after step ``last``."""
        keep = next((i for i in range(len(self.steps) - 1, -1, -1) if self.steps[i] <= last), -1) + 1
        del self.steps[keep:]
        del self.items[keep:]
        self._thin(stride_at(self.steps[-1]) if self.steps else 1)

    def _thin(self, stride: int) -> None:
        extras = [i for i, s in enumerate(self.steps) if s % stride_at(s)]
        keep_extras = set(extras[-EXTRAS:]) if extras else set()
        keep = [i for i, s in enumerate(self.steps) if i in keep_extras or (s % stride == 0 and s % stride_at(s) == 0)]
        self.steps = [self.steps[i] for i in keep]
        self.items = [self.items[i] for i in keep]
        self.stride = stride
        self.extras = len(keep_extras)

    def latest(self) -> tuple[int, T] | None:
        return (self.steps[-1], self.items[-1]) if self.steps else None

    def load(self, pairs: list[tuple[int, T]]) -> None:
        """Replace the contents with ``pairs`` (sorted by step), thinned as ``add`` would."""
        self.steps, self.items = [], []
        for step, item in sorted(pairs, key=lambda p: p[0]):
            self.steps.append(int(step))
            self.items.append(item)
        if self.steps:
            self._thin(stride_at(self.steps[-1]))
