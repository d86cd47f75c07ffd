"""The one input the step-through inspector runs: chosen as a dataset sample, a 2-D point, a
list of tokens, a drawn image or a plain list of numbers, and checked against the task before
anything runs.

``InputChoice`` is what a person chose (plain data, the same from the app and the CLI);
``make_input`` turns it into the batch of one the network takes, or raises
``InspectInputError`` saying what is wrong and where. ``parse_input_text`` reads the CLI's
``--input`` text (see its docstring for the syntax).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from playground.data import DataBundle
from playground.graph.spec import TaskSpec

KINDS = ("sample", "point", "tokens", "image", "vector")
SPLITS = ("train", "val")
_SPLIT_NAMES = {"train": "training set", "val": "validation set"}
# a drawn pixel may sit this far outside the dataset's value range (rounding of typed values)
_RANGE_SLACK = 1e-6


class InspectInputError(ValueError):
    """An inspector input that does not fit the network: the message says what and where."""


@dataclass(frozen=True)
class InputChoice:
    """``kind`` "sample": ``split`` and ``index`` name a dataset example; "point": ``values`` is
    (x, y); "tokens": token ids; "image": rows of pixel values (``values`` a tuple of row
    tuples); "vector": the numbers of a 1-D input."""

    kind: str
    values: tuple = ()
    split: str = "val"
    index: int = 0

    @classmethod
    def sample(cls, index: int, split: str = "val") -> InputChoice:
        return cls("sample", split=split, index=index)

    @classmethod
    def point(cls, x: float, y: float) -> InputChoice:
        return cls("point", (float(x), float(y)))

    @classmethod
    def tokens(cls, tokens: Sequence[int]) -> InputChoice:
        return cls("tokens", tuple(int(t) for t in tokens))

    @classmethod
    def image(cls, rows: Sequence[Sequence[float]]) -> InputChoice:
        return cls("image", tuple(tuple(float(v) for v in row) for row in rows))

    def describe(self) -> str:
        """A few words for a title or a table heading."""
        if self.kind == "sample":
            return f"{_SPLIT_NAMES.get(self.split, self.split)} sample {self.index}"
        if self.kind == "point":
            return f"point ({self.values[0]:.3g}, {self.values[1]:.3g})"
        if self.kind == "tokens":
            return "tokens " + " ".join(str(t) for t in self.values)
        if self.kind == "image":
            return f"drawn image {len(self.values)}×{len(self.values[0]) if self.values else 0}"
        return "input " + ", ".join(f"{v:.3g}" for v in self.values)

    def to_dict(self) -> dict[str, object]:
        if self.kind == "sample":
            return {"kind": "sample", "split": self.split, "index": self.index}
        values: object = [list(r) for r in self.values] if self.kind == "image" else list(self.values)
        return {"kind": self.kind, "values": values}


# ------------------------------------------------------------------- what the task takes
def input_kind(task: TaskSpec) -> str:
    """The kind of typed input a task takes: "tokens", "point", "image" or "vector" (any other
    shape can only be inspected on a dataset sample: "sample")."""
    shape = tuple(task.input_shape)
    if task.input_dtype == "long":
        return "tokens" if len(shape) == 1 else "sample"
    if shape == (2,):
        return "point"
    if len(shape) == 1:
        return "vector"
    if image_size(task) is not None:
        return "image"
    return "sample"


def image_size(task: TaskSpec) -> tuple[int, int] | None:
    """(height, width) of a one-channel picture input ((1, H, W) or (H, W)); None otherwise."""
    shape = tuple(task.input_shape)
    if task.input_dtype != "float":
        return None
    if len(shape) == 3 and shape[0] == 1:
        return shape[1], shape[2]
    if len(shape) == 2:
        return shape[0], shape[1]
    return None


def value_range(bundle: DataBundle) -> tuple[float, float]:
    """The smallest and largest input value of the training data (what a drawn pixel may be)."""
    x = bundle.x_train if bundle.n_train else bundle.x_val
    if x.numel() == 0:
        return 0.0, 1.0
    return float(x.min()), float(x.max())


# ------------------------------------------------------------------- building the batch
def make_input(choice: InputChoice, bundle: DataBundle) -> torch.Tensor:
    """The batch of one ``choice`` stands for, shaped and typed as the network's input."""
    task = bundle.task
    if choice.kind == "sample":
        return _sample(bundle, choice.split, choice.index)
    if choice.kind not in KINDS:
        raise InspectInputError(f"unknown input kind {choice.kind!r}; choose one of: {', '.join(KINDS)}")
    takes = input_kind(task)
    if {choice.kind, takes} == {"point", "vector"}:
        takes = choice.kind  # two numbers are a point, whichever way they were typed
    if choice.kind != takes:
        raise InspectInputError(f"this network takes {_what(task)}, not {_KIND_WORDS[choice.kind]}"
                                f"{'' if takes == 'sample' else f'; give {_KIND_WORDS[takes]}'}")
    if choice.kind == "tokens":
        return _tokens(task, choice.values)
    if choice.kind == "image":
        return _image(bundle, choice.values)
    return _numbers(task, choice.values)


_KIND_WORDS = {"sample": "a dataset sample", "point": "a point (x, y)", "tokens": "a list of tokens",
               "image": "a picture", "vector": "a list of numbers"}


def _what(task: TaskSpec) -> str:
    shape = "×".join(str(n) for n in task.input_shape) or "a scalar"
    if task.input_dtype == "long":
        return f"{shape} token ids (0 to {task.vocab_size - 1})"
    return f"{shape} numbers"


def _given(n: int) -> str:
    return f"{n} {'was' if n == 1 else 'were'} given"


def _sample(bundle: DataBundle, split: str, index: int) -> torch.Tensor:
    if split not in SPLITS:
        raise InspectInputError(f"unknown split {split!r}; choose train or val")
    x = bundle.x_train if split == "train" else bundle.x_val
    n = int(x.shape[0])
    if n == 0:
        raise InspectInputError(f"the {_SPLIT_NAMES[split]} of {bundle.name} is empty; pick a sample of the other")
    if isinstance(index, bool) or not 0 <= index < n:
        raise InspectInputError(f"sample {index} is not in the {_SPLIT_NAMES[split]} of {bundle.name}: "
                                f"it has samples 0 to {n - 1}")
    return x[index:index + 1].clone()


def _tokens(task: TaskSpec, tokens: Sequence[int]) -> torch.Tensor:
    length = task.input_shape[0]
    if len(tokens) != length:
        raise InspectInputError(f"give {length} tokens (the sequence length); {_given(len(tokens))}")
    vocab = task.vocab_size or task.num_classes
    for position, token in enumerate(tokens):
        if not 0 <= token < vocab:
            raise InspectInputError(f"token {token} at position {position} is outside the vocabulary: "
                                    f"tokens are 0 to {vocab - 1}")
    return torch.tensor([list(tokens)], dtype=torch.long)


def _numbers(task: TaskSpec, values: Sequence[float]) -> torch.Tensor:
    width = task.input_shape[0]
    if len(values) != width:
        raise InspectInputError(f"give {width} numbers (the input width); {_given(len(values))}")
    for position, v in enumerate(values):
        if not math.isfinite(v):
            raise InspectInputError(f"value {position + 1} is {v}; give finite numbers")
    return torch.tensor([list(values)], dtype=torch.float32)


def _image(bundle: DataBundle, rows: Sequence[Sequence[float]]) -> torch.Tensor:
    size = image_size(bundle.task)
    assert size is not None
    height, width = size
    if len(rows) != height:
        raise InspectInputError(f"the picture needs {height} rows of {width} values; it has {len(rows)} rows")
    low, high = value_range(bundle)
    for r, row in enumerate(rows):
        if len(row) != width:
            raise InspectInputError(f"row {r + 1} of the picture has {len(row)} values; it needs {width}")
        for c, v in enumerate(row):
            if not (math.isfinite(v) and low - _RANGE_SLACK <= v <= high + _RANGE_SLACK):
                raise InspectInputError(f"pixel at row {r + 1}, column {c + 1} is {v:g}; values must be "
                                        f"between {low:g} and {high:g} (the dataset's range)")
    image = torch.tensor([[list(row) for row in rows]], dtype=torch.float32)
    return image.reshape(1, *bundle.task.input_shape)


# ------------------------------------------------------------------- the CLI's text
def parse_input_text(text: str, task: TaskSpec) -> InputChoice:
    """``--input`` as the task reads it:

    * a point or a 1-D input: numbers separated by commas or spaces, ``"0.5,-0.2"``;
    * tokens: whole numbers separated by spaces or commas, ``"3 1 4 1"``;
    * a picture: the path of a text file with one row of numbers per line (spaces or commas
      between them), or the rows inline separated by ``/``, ``"0 1 0/1 1 1/0 1 0"``.
    """
    kind = input_kind(task)
    if kind == "sample":
        raise InspectInputError(f"this network takes {_what(task)}, which cannot be typed; pick a dataset "
                                "sample with --sample N")
    if kind == "image":
        if os.path.isfile(text):
            try:
                with open(text, encoding="utf-8") as f:
                    lines = [line for line in f.read().splitlines() if line.strip()]
            except (OSError, UnicodeDecodeError) as err:
                raise InspectInputError(f"{text}: cannot read the picture ({err})") from None
            where = text
        elif "/" in text or "\n" in text:
            lines, where = [r for r in text.replace("\n", "/").split("/") if r.strip()], ""
        else:
            raise InspectInputError(f"{text}: no such file; give a text file with one row of pixel values "
                                    "per line, or the rows inline separated by '/'")
        return InputChoice.image([_floats(line, f"{where}, row {r + 1}" if where else f"row {r + 1}")
                                  for r, line in enumerate(lines)])
    if kind == "tokens":
        parts = _split(text)
        try:
            return InputChoice.tokens([int(p) for p in parts])
        except ValueError:
            bad = next(p for p in parts if not _is_int(p))
            raise InspectInputError(f"token {bad!r} is not a whole number; give token ids like \"3 1 4 1\"") from None
    values = _floats(text, "")
    return InputChoice("point", tuple(values)) if kind == "point" else InputChoice("vector", tuple(values))


def _split(text: str) -> list[str]:
    return [p for p in text.replace(",", " ").split() if p]


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _floats(text: str, where: str) -> list[float]:
    out = []
    for part in _split(text):
        try:
            out.append(float(part))
        except ValueError:
            raise InspectInputError(f"{where + ': ' if where else ''}{part!r} is not a number") from None
    return out
