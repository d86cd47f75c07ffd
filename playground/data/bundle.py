"""DataBundle (what every dataset produces), DatasetError, and shared helpers.

Helpers here are the common parameters (n_samples, noise, seed, val_fraction) and the
train/validation split, so every generator splits the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from playground.graph.spec import ParamSpec, TaskSpec


class DatasetError(ValueError):
    """A dataset could not be made: bad parameters, a bad file. The message says what and where."""


@dataclass
class DataBundle:
    """Train and validation tensors (CPU) plus what a consumer needs to interpret them.

    x: float32 (N, *input_shape), or int64 (N, T) tokens when ``task.input_dtype == "long"``.
    y: int64 (N,) class indices; float32 (N, *target_shape) for regression; int64 (N, T) for
    sequences; for reconstruction ``y`` is the input itself.
    """

    name: str
    params: dict[str, Any]
    task: TaskSpec
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.x_val.shape[0])

    def describe(self) -> str:
        """One line for status bars and the CLI, e.g. 'spirals: 400 train / 100 val, 2 classes'.

        ``meta["split_note"]``, when a dataset sets it, is appended: it says where validation
        cannot be told apart from training (the same items by design, or every possible input
        used once because fewer exist than were asked for)."""
        t = self.task
        what = {
            "classification": f"{t.num_classes} classes",
            "regression": f"regression to {t.target_shape}",
            "sequence": f"sequence over {t.num_classes} symbols",
            "reconstruction": "reconstruction",
        }[t.task]
        line = f"{self.name}: {self.n_train} train / {self.n_val} val, input {t.input_shape}, {what}"
        note = self.meta.get("split_note")
        return f"{line}; {note}" if note else line


# ---- common parameters ----------------------------------------------------------------------

def p_samples(default: int, lo: int = 20, hi: int = 50_000) -> ParamSpec:
    return ParamSpec("n_samples", "int", default, "Number of examples (train + validation)", lo, hi)


def p_noise(default: float, hi: float = 1.0, help: str = "Standard deviation of Gaussian noise") -> ParamSpec:
    return ParamSpec("noise", "float", default, help, 0.0, hi)


def p_seed() -> ParamSpec:
    return ParamSpec("seed", "int", 0, "Random seed: the same seed gives the same data", 0, 2**31 - 1)


def p_val(default: float = 0.2) -> ParamSpec:
    return ParamSpec("val_fraction", "float", default,
                     "Share of examples held out for validation (0 = none)", 0.0, 0.9)


def common(n_samples: int, noise: float | None = None, noise_hi: float = 1.0) -> tuple[ParamSpec, ...]:
    head: tuple[ParamSpec, ...] = (p_samples(n_samples),)
    if noise is not None:
        head += (p_noise(noise, noise_hi),)
    return (*head, p_seed(), p_val())


# ---- distinct inputs ---------------------------------------------------------------------------

# Input spaces up to this size are enumerated and sampled without replacement; larger ones are
# drawn at random and duplicates redrawn (cheap there, since collisions are rare).
ENUMERATE_LIMIT = 1 << 20


def distinct_rows(rng: np.random.Generator, n: int, width: int, high: int) -> np.ndarray:
    """Up to ``n`` distinct rows of ``width`` integers in [0, high), in random order, int64.

    When fewer than ``n`` distinct rows exist, every one of them is returned once (shuffled):
    repeating an input adds nothing to learn, and splitting distinct rows is what keeps
    validation inputs out of training. Deterministic given ``rng``'s state."""
    space = high**width  # a Python int: exact however large
    if space <= ENUMERATE_LIMIT:
        codes = rng.permutation(space)[:n]
        powers = high ** np.arange(width - 1, -1, -1, dtype=np.int64)
        return (codes[:, None] // powers[None]) % high
    rows = np.zeros((0, width), np.int64)
    while len(rows) < n:
        more = np.concatenate([rows, rng.integers(0, high, (n - len(rows) + 16, width), dtype=np.int64)])
        _, first = np.unique(more, axis=0, return_index=True)
        rows = more[np.sort(first)]  # keep drawing order: sorting rows would bias which ones are kept
    return rows[:n]


def space_note(kept: int, asked: int) -> str | None:
    """The summary's words for a space smaller than ``n_samples`` (None when it was big enough)."""
    if kept >= asked:
        return None
    return (f"only {kept:,} distinct inputs exist at these settings (n_samples {asked:,} asked): "
            f"each is used once, split between training and validation")


# ---- splitting --------------------------------------------------------------------------------

def split_indices(n: int, val_fraction: float, rng: np.random.Generator,
                  labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train/val index arrays. With ``labels`` the split is stratified per class,
    so a balanced dataset stays balanced on both sides. val is empty only when val_fraction is 0."""
    if val_fraction <= 0 or n < 2:
        return rng.permutation(n), np.zeros(0, dtype=np.int64)
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    train, val = [], []
    for g in groups:
        g = rng.permutation(g)
        k = round(len(g) * val_fraction)
        val.append(g[:k])
        train.append(g[k:])
    tr, va = np.concatenate(train), np.concatenate(val)
    if len(va) == 0:  # tiny dataset: still hold one example out
        tr, va = tr[1:], tr[:1]
    if len(tr) == 0:
        tr, va = va[:1], va[1:]
    return rng.permutation(tr), rng.permutation(va)


def make_bundle(name: str, params: dict[str, Any], task: TaskSpec, x: np.ndarray, y: np.ndarray,
                rng: np.random.Generator, meta: dict[str, Any] | None = None,
                stratify: bool = True) -> DataBundle:
    """Split (x, y) with ``params['val_fraction']`` and wrap as tensors with the contract's dtypes."""
    labels = y if (stratify and task.task == "classification") else None
    tr, va = split_indices(len(x), float(params.get("val_fraction", 0.2)), rng, labels)
    x_t = torch.from_numpy(np.ascontiguousarray(x))
    x_t = x_t.long() if task.input_dtype == "long" else x_t.float()
    if task.task in ("classification", "sequence"):
        y_t = torch.from_numpy(np.ascontiguousarray(y)).long()
    elif task.task == "reconstruction":
        y_t = x_t
    else:
        y_t = torch.from_numpy(np.ascontiguousarray(y)).float().reshape(len(y), *task.target_shape)
    tr_t, va_t = torch.from_numpy(tr).long(), torch.from_numpy(va).long()
    return DataBundle(name=name, params=dict(params), task=task,
                      x_train=x_t[tr_t].contiguous(), y_train=y_t[tr_t].contiguous(),
                      x_val=x_t[va_t].contiguous(), y_val=y_t[va_t].contiguous(), meta=meta or {})


def extent_of(points: np.ndarray, pad: float = 0.1, at_least: float = 1.0) -> tuple[float, float, float, float]:
    """Symmetric box around 2-D points: never smaller than [-at_least, at_least], padded by ``pad``."""
    half = max(at_least, float(np.abs(points).max()) if len(points) else at_least) + pad
    half = round(half, 2)
    return (-half, half, -half, half)
