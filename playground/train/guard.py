"""WeightGuard and Divergence. WeightGuard keeps the last weights known to give a finite loss, without extra reductions.

Weights copied at one flush are a *candidate*; they become *good* at the next flush once
every loss computed from them (and from their successors) was finite. On a NaN/inf loss
the guard restores the newest weights that produced a finite loss.
"""

from __future__ import annotations

import math

import numpy as np
import torch


class WeightGuard:
    def __init__(self, tensors: list[torch.Tensor], step: int = 0) -> None:
        self.tensors = tensors  # the live model tensors (parameters and float buffers)
        self._good = [t.detach().clone() for t in tensors]
        self._cand = [t.detach().clone() for t in tensors]
        self.good_step = self._cand_step = step

    def mark(self, step: int) -> None:
        """The current weights are trusted (fresh start, loaded state, after a restore)."""
        for box in (self._good, self._cand):
            torch._foreach_copy_(box, self.tensors)
        self.good_step = self._cand_step = step

    def confirm(self, step: int) -> None:
        """Every loss up to ``step`` was finite: promote the candidate, take a new one."""
        self._good, self._cand = self._cand, self._good
        self.good_step = self._cand_step
        torch._foreach_copy_(self._cand, self.tensors)
        self._cand_step = step

    def restore(self, bad_step: int, step: int) -> int:
        """The loss of ``bad_step`` was not finite: put back the newest good weights and
        return the step they come from. ``step`` is the trainer's current step."""
        # the candidate is good if a finite loss came from it (the step after it was taken)
        use_cand = bad_step > self._cand_step + 1
        source, source_step = (self._cand, self._cand_step) if use_cand else (self._good, self.good_step)
        torch._foreach_copy_(self.tensors, source)
        self.mark(step)
        self.good_step = source_step
        return source_step


class Divergence:
    """Decides, from losses already computed, whether a run has diverged.

    A step is bad when its training loss is NaN or infinite, or above ``train_factor`` times the
    first training loss of the run; a record pass is bad when the validation loss is not finite
    or above ``val_factor`` times the best so far. No extra tensor work: the trainer passes the
    floats it reads anyway.
    """

    def __init__(self, train_factor: float = 100.0, val_factor: float = 1000.0) -> None:
        self.train_factor, self.val_factor = train_factor, val_factor
        self.first: float | None = None
        self.best: float | None = None
        self.flagged: tuple[int, float, str] | None = None  # (step, value, "train" | "val")

    def configure(self, train_factor: float, val_factor: float) -> None:
        self.train_factor, self.val_factor = train_factor, val_factor

    def reset(self) -> None:
        self.first = self.best = None
        self.flagged = None

    def forget_best(self) -> None:
        """The network changed on purpose: its validation loss is measured afresh from here (the
        first training loss, the scale of an untrained network, still holds)."""
        self.best = None

    def train_ok(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.first is None:
            self.first = abs(value)
            return True
        return self.train_factor <= 0 or self.first <= 0 or value <= self.train_factor * self.first

    def val_ok(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        ok = self.val_factor <= 0 or self.best is None or self.best <= 0 or value <= self.val_factor * self.best
        if ok and (self.best is None or value < self.best):
            self.best = value
        return ok

    def flag(self, step: int, value: float, what: str) -> None:
        if self.flagged is None:
            self.flagged = (step, value, what)

    def message(self, bad_step: int, good_step: int, lr: float) -> str:
        _step, value, what = self.flagged or (bad_step, float("nan"), "train")
        hint = f"Lower the learning rate (now {lr:g}) or turn on gradient clipping."
        if not math.isfinite(value):
            what_text = "validation loss" if what == "val" else "loss"
            return (f"{what_text} became NaN or infinite at step {bad_step}; paused with the weights "
                    f"from step {good_step}. {hint}")
        if what == "val":
            return (f"validation loss {value:.4g} at step {bad_step} is over {self.val_factor:g} times its best "
                    f"({self.best:.4g}): the run is diverging; paused with the weights from step {good_step}. {hint}")
        return (f"training loss {value:.4g} at step {bad_step} is over {self.train_factor:g} times its first "
                f"value ({self.first or 0.0:.4g}): the run is diverging; paused with the weights from step "
                f"{good_step}. {hint}")

    def state(self) -> dict[str, float | None]:
        return {"first_loss": self.first, "best_val": self.best}

    def load_state(self, counters: dict, train_losses: np.ndarray) -> None:
        first = _number_or_none(counters.get("first_loss"))  # optional: older files lack them, and a
        if first is None and len(train_losses):              # damaged value only loses the reference
            first = float(train_losses[0])
        self.first = None if first is None else abs(first)
        self.best = _number_or_none(counters.get("best_val"))
        self.flagged = None


def _number_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)
