"""WeightGuard: keeps the last weights known to give a finite loss, without extra reductions.

Weights copied at one flush are a *candidate*; they become *good* at the next flush once
every loss computed from them (and from their successors) was finite. On a NaN/inf loss
the guard restores the newest weights that produced a finite loss.
"""

from __future__ import annotations

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
