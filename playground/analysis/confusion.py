"""Confusion matrix on validation data: counts (rows: true class, columns: predicted), the
row-normalised matrix, per-class precision, recall and F1, and the most confidently wrong
validation examples.

For sequence tasks every position is one judgement (an example's index is its sample's);
binary heads with one output (BCE) predict class 1 when the logit is positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.compile.compiler import CompiledModel
from playground.data import DataBundle
from playground.train.batches import EVAL_CHUNK

DEFAULT_WRONG = 16


@dataclass(frozen=True)
class WrongExample:
    index: int  # row of the validation set
    position: int | None  # the sequence position (sequence tasks), else None
    true: int
    predicted: int
    confidence: float  # the probability the network gave its (wrong) answer


@dataclass(frozen=True)
class Confusion:
    counts: torch.Tensor  # (C, C) int64: counts[true, predicted]
    wrong: list[WrongExample]  # most confident first

    @property
    def classes(self) -> int:
        return int(self.counts.shape[0])

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    @property
    def correct(self) -> int:
        return int(self.counts.diagonal().sum())

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def normalised(self) -> torch.Tensor:
        """Each row divided by its total (a class with no examples: a row of zeros)."""
        rows = self.counts.sum(1, keepdim=True).clamp_min(1)
        return self.counts.double() / rows

    @property
    def precision(self) -> torch.Tensor:
        return self.counts.diagonal().double() / self.counts.sum(0).clamp_min(1)

    @property
    def recall(self) -> torch.Tensor:
        return self.counts.diagonal().double() / self.counts.sum(1).clamp_min(1)

    @property
    def f1(self) -> torch.Tensor:
        p, r = self.precision, self.recall
        return torch.where(p + r > 0, 2 * p * r / (p + r).clamp_min(1e-12), torch.zeros_like(p))


def has_classes(bundle: DataBundle) -> bool:
    return bundle.task.task in ("classification", "sequence") and bundle.task.num_classes >= 2


def confusion(model: CompiledModel, bundle: DataBundle, wrong: int = DEFAULT_WRONG) -> Confusion:
    """The confusion of ``model`` on ``bundle``'s validation set (ValueError for tasks without classes)."""
    if not has_classes(bundle):
        raise ValueError(f"a confusion matrix needs classes; this is a {bundle.task.task} task")
    classes = bundle.task.num_classes
    counts = torch.zeros(classes, classes, dtype=torch.long)
    mistakes: list[tuple[float, int, int | None, int, int]] = []
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for a in range(0, len(bundle.x_val), EVAL_CHUNK):
                out = model(bundle.x_val[a:a + EVAL_CHUNK])
                y = bundle.y_val[a:a + EVAL_CHUNK].long()
                if out.shape[-1] == 1 or (bundle.task.task == "classification" and out.dim() == 1):
                    p1 = torch.sigmoid(out.reshape(-1))
                    probs = torch.stack([1 - p1, p1], -1)
                else:
                    probs = torch.softmax(out.float(), -1)
                conf, pred = probs.max(-1)
                y = y.reshape(pred.shape)
                counts += torch.bincount(y.flatten() * classes + pred.flatten(),
                                         minlength=classes * classes).view(classes, classes)
                bad = (pred != y).nonzero()
                for where in bad.tolist():
                    row = a + where[0]
                    pos = where[1] if len(where) > 1 else None
                    key = tuple(where)
                    mistakes.append((float(conf[key]), row, pos, int(y[key]), int(pred[key])))
    finally:
        model.train(was_training)
    mistakes.sort(key=lambda m: (-m[0], m[1], m[2] or 0))
    return Confusion(counts, [WrongExample(i, pos, t, p, c) for c, i, pos, t, p in mistakes[:wrong]])
