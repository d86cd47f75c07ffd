"""Early stopping with patience, and the best checkpoint by a validation metric.

It watches the validation scalars the trainer records at its scheduled record steps (step
numbers only, never the clock), so the same session and seed stop at the same step on any
machine. ``patience`` counts those evaluations: after ``patience`` in a row without an
improvement (by more than ``min_delta``), it asks the trainer to stop before its next step.
At every improvement it keeps a copy of the weights: ``restore_best()`` puts them back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from playground.train import Trainer

Record = Callable[[int, dict[str, float]], None]


class EarlyStopping:
    """Attach to a trainer before it runs: ``EarlyStopping(5).attach(trainer)``."""

    def __init__(self, patience: int, metric: str | None = None, min_delta: float = 0.0) -> None:
        if patience < 1:
            raise ValueError(f"patience must be at least 1 evaluation, not {patience}")
        if metric is not None and metric not in ("val/accuracy", "val/loss"):
            raise ValueError(f"early stopping watches val/accuracy or val/loss, not {metric!r}")
        self.patience = patience
        self.metric = metric  # None: accuracy when the task has it, else the loss
        self.min_delta = min_delta
        self.best: float | None = None
        self.best_step: int | None = None
        self.best_weights: dict[str, torch.Tensor] | None = None
        self.stopped_at: int | None = None
        self.waited = 0
        self._trainer: Trainer | None = None

    def attach(self, trainer: Trainer) -> EarlyStopping:
        self._trainer = trainer
        buffer = trainer.buffer
        record: Record = buffer.record_scalars

        def watched(step: int, values: dict[str, float]) -> None:
            record(step, values)
            self.observe(step, values)

        setattr(buffer, "record_scalars", watched)  # noqa: B010 (this buffer only, not the class)
        return self

    def observe(self, step: int, values: dict[str, Any]) -> None:
        name = self.metric or ("val/accuracy" if "val/accuracy" in values else "val/loss")
        value = values.get(name)
        if value is None or not math.isfinite(float(value)):
            return
        self.metric = name
        value = float(value)
        higher = name.endswith("accuracy")
        better = self.best is None or (value > self.best + self.min_delta if higher
                                       else value < self.best - self.min_delta)
        if better:
            self.best, self.best_step, self.waited = value, step, 0
            if self._trainer is not None:
                self.best_weights = {k: v.detach().cpu().clone() for k, v in self._trainer.model.state_dict().items()}
            return
        self.waited += 1
        if self.waited >= self.patience and self.stopped_at is None and self._trainer is not None:
            self.stopped_at = step
            self._trainer.stop()

    def restore_best(self) -> bool:
        """Load the best weights into the trainer's model; False when there are none."""
        if self._trainer is None or self.best_weights is None:
            return False
        self._trainer.model.load_state_dict(self.best_weights)
        return True

    def describe(self) -> str:
        if self.best_step is None:
            return "early stopping saw no validation metric"
        best = f"best {self.metric} {self.best:.4g} at step {self.best_step}"
        if self.stopped_at is None:
            return f"no early stop ({best})"
        return f"stopped early at step {self.stopped_at}: {self.patience} evaluations without a better {self.metric} ({best})"
