"""The status bar: training state, step, epoch, steps/s and device, plus transient messages.

While training, the speed is the trainer's live figure; once a run stops, finishes or
pauses it is the average over the time spent running, from the first step reported on
(the trainer's last live figure is often low then: its final window holds few steps and
the closing evaluation; and the first step of a process carries one-off warm-up).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from playground.ui.steady_label import SteadyLabel

_STATE_TEXT = {"idle": "Ready", "running": "Training", "paused": "Paused", "stopped": "Stopped",
               "finished": "Finished", "error": "Error"}


class TrainingStatusBar(QStatusBar):
    """Permanent fields on the right, messages on the left."""

    def __init__(self, parent: QWidget | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self._running_since: tuple[float, int, bool] | None = None  # (time, step, counting) of this stretch
        self._ran = (0.0, 0)  # seconds and steps spent running since the last reset
        self.state_label = self._field("state", "What the trainer is doing")
        self.step_label = self._field("step", "Optimizer steps taken")
        self.epoch_label = self._field("epoch", "Passes over the training set")
        self.speed_label = self._field("speed", "Training speed in optimizer steps per second")
        self.device_label = self._field("device", "Where the network trains (CPU or GPU)")
        self._last: dict[str, Any] = {}
        self.show_status({"state": "idle", "step": 0, "epoch": 0, "steps_per_s": 0.0, "device": "cpu"})

    def _field(self, name: str, tip: str) -> QLabel:
        label = SteadyLabel(parent=self)
        label.setObjectName(f"status_{name}")
        label.setToolTip(tip)
        label.setContentsMargins(6, 0, 6, 0)
        self.addPermanentWidget(label)
        return label

    def show_status(self, status: dict[str, Any]) -> None:
        """Update the fields from ``MetricsBuffer.status()`` (cheap when nothing changed)."""
        if status == self._last:
            return
        self._last = dict(status)
        state = str(status.get("state", "idle"))
        step = int(status.get("step", 0))
        self.state_label.setText(_STATE_TEXT.get(state, state.capitalize()))
        self.step_label.setText(f"step {step:,}")
        self.epoch_label.setText(f"epoch {int(status.get('epoch', 0))}")
        average = self._follow_runs(state, step)
        if state == "running" or average is None:
            speed = float(status.get("steps_per_s", 0.0) or 0.0)
            self.speed_label.setText(_speed_text(speed))
            self.speed_label.setToolTip("Training speed in optimizer steps per second")
        else:
            self.speed_label.setText(_speed_text(average) + " avg")
            self.speed_label.setToolTip("Average training speed while the network was training")
        self.device_label.setText(str(status.get("device", "cpu")).upper())

    def _follow_runs(self, state: str, step: int) -> float | None:
        """Track time spent running; the average steps/s so far, or None before any run.

        Each stretch of running is counted from the first step reported after it began, so the
        first report's window (one-off warm-up: imports, the first compile) does not count."""
        now = self._clock()
        seconds, steps = self._ran
        if step == 0 or (self._running_since is not None and step < self._running_since[1]):
            seconds, steps, self._running_since = 0.0, 0, None  # weights were reset
        since = self._running_since
        if state == "running":
            if since is None:
                self._running_since = (now, step, False)
            elif not since[2] and step > since[1]:
                self._running_since = (now, step, True)
        elif since is not None:
            if since[2]:
                seconds, steps = seconds + max(now - since[0], 0.0), steps + max(step - since[1], 0)
            self._running_since = None
        self._ran = (seconds, steps)
        return steps / seconds if seconds > 0 and steps > 0 else None


def _speed_text(speed: float) -> str:
    return f"{speed:,.0f} steps/s" if speed >= 10 else f"{speed:.1f} steps/s"
