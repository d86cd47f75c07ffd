"""The best checkpoint and early stopping, on the training thread.

At each validation of the record schedule (a due step of the run, or the step a run finishes
at: step numbers only, never the clock or a pause), the trainer compares the validation metric
its config names (``best_metric``: ``val_loss``, ``val_acc``, or ``auto``, which takes accuracy
when the task records it) with the best so far. Only an improvement copies the weights (to the
CPU, once); the last weights are the model itself. With ``patience`` > 0, that many validations
in a row without an improvement stop the run with a message saying at which step and why.

The best is a plain dict, the session's ``best`` field (contract 4)::

    {"metric": "val/loss" | "val/accuracy", "step": int, "value": float, "weights": {key: tensor}}

A mixin of ``Trainer`` (kept apart so the training loop stays short).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import torch

from playground.compile.compiler import CompiledModel
from playground.train.config import TrainConfig
from playground.train.guard import WeightGuard
from playground.train.metrics import MetricsBuffer
from playground.train.schedule import is_due

SERIES = {"val_loss": "val/loss", "val_acc": "val/accuracy"}
HIGHER_IS_BETTER = frozenset({"val/accuracy"})
WORDS = {"val/loss": "validation loss", "val/accuracy": "validation accuracy"}

Best = dict[str, Any]


class NoBestCheckpoint(RuntimeError):
    """Restoring asked for a best checkpoint there is not (yet), phrased for a person."""


def describe_best(best: Best) -> str:
    """``validation accuracy 0.975 at step 120``."""
    return f"{WORDS.get(best['metric'], best['metric'])} {best['value']:.4g} at step {best['step']}"


def watched_series(config: TrainConfig, scalars: dict[str, float]) -> str | None:
    """The series the best is kept by, for these recorded scalars (None: it was not recorded)."""
    if config.best_metric == "auto":
        name = "val/accuracy" if "val/accuracy" in scalars else "val/loss"
    else:
        name = SERIES[config.best_metric]
    return name if name in scalars else None


def is_better(metric: str, value: float, best: Best | None) -> bool:
    if not math.isfinite(value):
        return False
    if best is None or best["metric"] != metric:
        return True
    return value > best["value"] if metric in HIGHER_IS_BETTER else value < best["value"]


def fitting_best(best: Any, model: CompiledModel) -> Best | None:
    """``best`` when its weights fit ``model`` (same keys, shapes and dtypes), else None."""
    if not isinstance(best, dict) or not isinstance(best.get("weights"), dict):
        return None
    state = model.state_dict()
    weights = best["weights"]
    if set(weights) != set(state):
        return None
    if any(tuple(weights[k].shape) != tuple(v.shape) or weights[k].dtype != v.dtype for k, v in state.items()):
        return None
    return best


class BestKeeping:
    """The best checkpoint and patience of a Trainer (see the module docstring)."""

    buffer: MetricsBuffer
    model: CompiledModel
    config: TrainConfig
    step: int
    state: str
    _horizon: int
    _in_run: bool
    _idle: bool
    _cond: threading.Condition
    _guard: WeightGuard
    _recorded_step: int
    stop: Callable[[], None]  # provided by Trainer and RecordingSteps
    _observe: Callable[..., None]

    best: Best | None = None
    early_stopped_at: int | None = None
    _waited = 0  # validations since the last improvement (patience counts these)

    def _keep_best(self, step: int, scalars: dict[str, float]) -> None:
        """Called by the record pass with its validation scalars (on the training thread)."""
        if not self._in_run or self._idle or self.state not in ("running", "finished") or step != self.step:
            return  # a restore's re-record, a pause, or a step the divergence guard took back
        if not (is_due(step, self._horizon) or self.state == "finished"):
            return  # off the schedule: where a pause lands depends on the clock
        metric = watched_series(self.config, scalars)
        if metric is None:
            return
        value = float(scalars[metric])
        if is_better(metric, value, self.best):
            weights = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}
            self.best = {"metric": metric, "step": int(step), "value": value, "weights": weights}
            self._waited = 0
            return
        self._waited += 1
        patience = self.config.patience
        if patience > 0 and self._waited >= patience and self.state == "running":
            self._waited = 0  # training on after the stop gives a fresh patience
            self.early_stopped_at = step
            assert self.best is not None
            message = (f"Early stop at step {step}: {patience} validations in a row without a better "
                       f"{WORDS.get(metric, metric)} (best {describe_best(self.best)})")
            self.buffer.post("info", message, step)
            self.buffer.set_status(message=message)
            self.stop()

    def seed_best(self, best: Any) -> bool:
        """Carry a saved best checkpoint into this trainer (a session reopened); False, and none
        kept, when its weights do not fit the network."""
        self.best = fitting_best(best, self.model)
        self._waited = 0
        return self.best is not None or best is None

    def forget_best(self) -> None:
        self.best = None
        self._waited = 0
        self.early_stopped_at = None

    def put_weights(self, weights: dict[str, torch.Tensor], note: str) -> None:
        """Load ``weights`` into the model at this step (not running, or paused) and record the
        step again, so every view shows what they do. The step, optimizer state and record
        before this step stay; ``note`` goes into the record's events."""
        with self._cond:  # a paused training thread stays in its wait while this holds the lock
            if self._in_run and not self._idle:
                raise NoBestCheckpoint("pause training first")
            self.model.load_state_dict(weights)
            self._guard.mark(self.step)
            self.buffer.post("info", note, self.step)
            self._recorded_step = -1
            self._observe()

    def restore_best(self) -> Best:
        """Put the best weights back (see ``put_weights``); returns the best restored."""
        best = self.best
        if best is None:
            raise NoBestCheckpoint("there is no best checkpoint yet: it is kept at the validation steps "
                                   "of a run")
        self.put_weights(best["weights"], f"restored the best weights ({describe_best(best)})")
        return best
