"""The app's training pace: "watch" spaces steps out to a steady rate a person can follow,
"fastest" does not wait at all.

The waiting happens on the training thread, in the hook ``Trainer.between_steps`` that the
UI's worker sets; the Trainer itself never sleeps and never knows the pace. Pace changes only
when steps happen, never what is recorded at a step (that depends on step numbers alone).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from playground.train.config import TrainConfig

# The share of one core all views may spend drawing while a watch-paced run goes (see
# views.view_panel.DrawBudget: 3% otherwise). Training waits between steps at this pace, so
# drawing every new step costs it little; without it the boundary is drawn ~5 times a second.
WATCH_DRAW_SHARE = 0.5


IDLE_DRAW_SHARE = 1.0


def draw_share(config: TrainConfig, running: bool) -> float | None:
    """The views' drawing share for a run at ``config``'s pace (None: their own budget). With
    no run going there is no training to leave the CPU to: the views draw whenever they need."""
    if not running:
        return IDLE_DRAW_SHARE
    return WATCH_DRAW_SHARE if config.pace == "watch" else None


def steps_per_second(config: TrainConfig) -> float | None:
    """The rate the config asks for; None: as fast as the machine goes."""
    return float(config.watch_steps_per_s) if config.pace == "watch" else None


class Pacer:
    """Spaces training steps to ``rate`` per second (None: no waiting).

    Each step starts at least ``1 / rate`` after the one before it, so ``n`` paced steps take at
    least ``n / rate`` seconds. A step that took longer than that is not made up for by a burst:
    the schedule starts again from it. ``interrupt()`` (pause, stop, a new rate) ends a wait at
    once, so a slow rate never delays a pause.
    """

    def __init__(self, rate: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.rate = rate
        self._start: float | None = None  # when the step that just ran was allowed to start
        self._wake = threading.Event()

    def set_rate(self, rate: float | None) -> None:
        if rate != self.rate:
            self.rate = rate
            self._start = None
            self._wake.set()

    def interrupt(self) -> None:
        self._wake.set()

    def delay(self, now: float) -> float:
        """Seconds to wait at ``now`` (a step has just ended) before the next step starts."""
        if self.rate is None or self.rate <= 0:
            self._start = None
            return 0.0
        period = 1.0 / self.rate
        start = now + period if self._start is None else self._start + period
        if start < now:  # behind: go on now and keep the rate from here
            start = now
        self._start = start
        return start - now

    def wait(self) -> None:
        """Called on the training thread between two steps."""
        now = self.clock()
        target = now + self.delay(now)
        while not self._wake.is_set():
            remaining = target - self.clock()
            if remaining <= 0:
                break
            self._wake.wait(remaining)
        self._wake.clear()
