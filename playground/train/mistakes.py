"""The most confidently wrong validation examples of a classifier, kept with the recorded
confusion counts (``Prober._validation`` feeds it the outputs it already computes).

Everything stays on the device until ``arrays``: each chunk's wrong answers are merged into the
running best ``WRONG_EXAMPLES`` with one stable sort, so ties go to the earlier sample and the
result depends on the outputs alone. A binary head with one output (BCE) predicts class 1 when
its logit is positive, with confidence max(p, 1 − p).
"""

from __future__ import annotations

import numpy as np
import torch

WRONG_EXAMPLES = 16


class WrongExamples:
    """The top ``limit`` wrong answers by confidence over the chunks given to ``add``."""

    def __init__(self, limit: int = WRONG_EXAMPLES) -> None:
        self.limit = limit
        self._best: tuple[torch.Tensor, ...] | None = None  # confidence, index, true, predicted

    def add(self, out: torch.Tensor, truth: torch.Tensor, predicted: torch.Tensor, offset: int, bce: bool) -> None:
        """One chunk: ``out`` the raw outputs (B, C) or (B, 1), ``truth``/``predicted`` (B,),
        ``offset`` the chunk's first validation row."""
        if bce:
            p1 = torch.sigmoid(out.reshape(-1).float())
            confidence = torch.maximum(p1, 1 - p1)
        else:
            confidence = torch.softmax(out.float(), -1).amax(-1).reshape(-1)
        wrong = predicted.reshape(-1) != truth.reshape(-1)
        confidence = torch.where(wrong, confidence, torch.full_like(confidence, -1.0))
        index = torch.arange(offset, offset + len(confidence), device=out.device)
        parts: tuple[torch.Tensor, ...] = (confidence, index, truth.reshape(-1).long(), predicted.reshape(-1).long())
        if self._best is not None:
            parts = tuple(torch.cat([a, b]) for a, b in zip(self._best, parts, strict=True))
        order = torch.sort(parts[0], descending=True, stable=True).indices[:self.limit]
        self._best = tuple(p[order] for p in parts)

    def arrays(self) -> dict[str, np.ndarray]:
        """``wrong_index``, ``wrong_true``, ``wrong_predicted`` (int64) and ``wrong_confidence``
        (float32), most confident first; only real mistakes (empty when there are none)."""
        if self._best is None:
            empty = np.zeros(0, dtype=np.int64)
            return {"wrong_index": empty, "wrong_true": empty, "wrong_predicted": empty,
                    "wrong_confidence": np.zeros(0, dtype=np.float32)}
        confidence, index, true, predicted = (t.cpu() for t in self._best)
        keep = confidence >= 0
        return {"wrong_index": index[keep].numpy(), "wrong_true": true[keep].numpy(),
                "wrong_predicted": predicted[keep].numpy(),
                "wrong_confidence": confidence[keep].numpy().astype(np.float32)}
