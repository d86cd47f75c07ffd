"""The status bar: training state, step, epoch, steps/s and device, plus transient messages."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

_STATE_TEXT = {"idle": "Ready", "running": "Training", "paused": "Paused", "stopped": "Stopped",
               "finished": "Finished", "error": "Error"}


class TrainingStatusBar(QStatusBar):
    """Permanent fields on the right, messages on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state_label = self._field("state", "What the trainer is doing")
        self.step_label = self._field("step", "Optimizer steps taken")
        self.epoch_label = self._field("epoch", "Passes over the training set")
        self.speed_label = self._field("speed", "Training speed in optimizer steps per second")
        self.device_label = self._field("device", "Where the network trains (CPU or GPU)")
        self._last: dict[str, Any] = {}
        self.show_status({"state": "idle", "step": 0, "epoch": 0, "steps_per_s": 0.0, "device": "cpu"})

    def _field(self, name: str, tip: str) -> QLabel:
        label = QLabel(self)
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
        self.state_label.setText(_STATE_TEXT.get(state, state.capitalize()))
        self.step_label.setText(f"step {int(status.get('step', 0)):,}")
        self.epoch_label.setText(f"epoch {int(status.get('epoch', 0))}")
        speed = float(status.get("steps_per_s", 0.0) or 0.0)
        self.speed_label.setText(f"{speed:,.0f} steps/s" if speed >= 10 else f"{speed:.1f} steps/s")
        self.device_label.setText(str(status.get("device", "cpu")).upper())
