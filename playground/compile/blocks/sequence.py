"""Sequence blocks: token embedding, positional encoding, recurrent layers, pooling over time.

Sequences are per-sample (T, F): T positions (time steps, tokens) of F features.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
from torch import nn

from playground.compile.blocks.base import Block, ShapeError, register, spec_param
from playground.graph.spec import ParamSpec, Shape, TaskSpec, format_shape

MAX_VOCAB = 1_000_000


# ------------------------------------------------------------------ modules
class PositionalEncoding(nn.Module):
    """Adds position information to a (N, T, D) sequence.

    kind "sinusoidal": fixed sin/cos waves (Vaswani et al.); "learned": a trained
    vector per position; "none": passes the input through (for comparisons).
    """

    table: torch.Tensor | None  # a learned Parameter, a fixed buffer, or nothing

    def __init__(self, dim: int, max_len: int, kind: str = "sinusoidal") -> None:
        super().__init__()
        self.dim = dim
        self.max_len = max_len
        self.kind = kind
        if kind == "learned":
            self.table = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        elif kind == "sinusoidal":
            position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
            rate = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
            table = torch.zeros(max_len, dim)
            table[:, 0::2] = torch.sin(position * rate)
            table[:, 1::2] = torch.cos(position * rate[: dim // 2])
            # Not saved with the weights: it is recomputed from dim and max_len.
            self.register_buffer("table", table, persistent=False)
        else:
            self.table = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.table is None:
            return x
        return x + self.table[: x.shape[1]]

    def ctor_source(self) -> str:
        return f"PositionalEncoding({self.dim}, {self.max_len}, {self.kind!r})"


class RecurrentLayer(nn.Module):
    """nn.RNN / nn.LSTM / nn.GRU over a batch-first sequence, returning only the output sequence."""

    def __init__(self, kind: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, nonlinearity: str = "tanh") -> None:
        super().__init__()
        self.kind = kind
        extra = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
        self.rnn = getattr(nn, kind)(input_size, hidden_size, num_layers=num_layers,
                                     bidirectional=bidirectional, batch_first=True, **extra)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _state = self.rnn(x)
        return output

    def ctor_source(self) -> str:
        r = self.rnn
        args = f"{self.kind!r}, {r.input_size}, {r.hidden_size}, {r.num_layers}, {r.bidirectional}"
        if self.kind == "RNN":
            args += f", {r.nonlinearity!r}"
        return f"RecurrentLayer({args})"


class SequencePool(nn.Module):
    """(N, T, F) -> (N, F): the last step, the first step or the mean over steps."""

    def __init__(self, mode: str = "last") -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "mean":
            return x.mean(dim=1)
        if self.mode == "first":
            return x[:, 0]
        return x[:, -1]

    def ctor_source(self) -> str:
        return f"SequencePool({self.mode!r})"


# ------------------------------------------------------------------- blocks
def need_sequence(x: Shape, port: str = "in", what: str = "") -> None:
    """Raise unless ``x`` is a per-sample (steps, features) sequence."""
    if len(x) != 2:
        raise ShapeError(f"expects a sequence{what} (N×steps×features) but receives a {len(x) + 1}-D tensor",
                         port)


@register
class Embedding(Block):
    type = "Embedding"
    category = "Sequence"
    tokens = "consume"
    channel_axis = -1
    description = "Turns integer tokens into learned vectors: (T,) token ids -> (T, embedding_dim)"
    params = (
        spec_param("embedding_dim", "int", 32, "Length of each token's vector", min=1, max=4096),
        spec_param("num_embeddings", "int", None, "Vocabulary size (empty = the dataset's vocabulary)",
                   min=1, max=MAX_VOCAB, optional=True),
    )

    @classmethod
    def _vocab(cls, p: dict[str, Any], task: TaskSpec | None) -> int:
        vocab = task.vocab_size if task is not None else 0
        if p["num_embeddings"] is None:
            if vocab <= 0:
                raise ShapeError("needs num_embeddings: the dataset does not say how many tokens it uses")
            return vocab
        if vocab > p["num_embeddings"]:
            raise ShapeError(
                f"has num_embeddings {p['num_embeddings']} but the dataset uses {vocab} different tokens"
            )
        return p["num_embeddings"]

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        if task is not None and task.input_dtype != "long":
            raise ShapeError("needs integer token ids (use Linear for real-valued data) but receives "
                             "real-valued features", "in")
        if len(x) == 0:
            raise ShapeError(f"expects a sequence of token ids (N×T) but receives {format_shape(x)}", "in")
        cls._vocab(p, task)
        return {"out": (*x, p["embedding_dim"])}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Embedding(cls._vocab(p, task), p["embedding_dim"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        vocab = p["num_embeddings"] or (task.vocab_size if task is not None else 0)
        return vocab * p["embedding_dim"]


@register
class PositionalEncodingBlock(Block):
    type = "PositionalEncoding"
    category = "Sequence"
    channel_axis = -1
    description = "Adds each position's code to a sequence so attention can tell positions apart"
    params = (
        spec_param("kind", "choice", "sinusoidal", "sinusoidal: fixed waves; learned: trained per "
                   "position; none: no position information", choices=("sinusoidal", "learned", "none")),
        spec_param("max_len", "int", 512, "Longest sequence this encoding covers", min=1, max=100_000),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        need_sequence(x)
        if p["kind"] != "none" and x[0] > p["max_len"]:
            raise ShapeError(f"covers at most max_len={p['max_len']} positions but receives {x[0]} positions",
                             "in")
        return {"out": x}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return PositionalEncoding(ins["in"][-1], p["max_len"], p["kind"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        return p["max_len"] * ins["in"][-1] if p["kind"] == "learned" else 0


_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


class _Recurrent(Block):
    category = "Sequence"
    channel_axis = -1
    params: ClassVar[tuple[ParamSpec, ...]] = (
        spec_param("hidden_size", "int", 32, "Units in the hidden state", min=1, max=4096),
        spec_param("num_layers", "int", 1, "Stacked recurrent layers", min=1, max=16),
        spec_param("bidirectional", "bool", False, "Also run right-to-left; doubles the output features"),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        need_sequence(x)
        dirs = 2 if p["bidirectional"] else 1
        return {"out": (x[0], p["hidden_size"] * dirs)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return RecurrentLayer(cls.type, ins["in"][-1], p["hidden_size"], p["num_layers"],
                              p["bidirectional"], p.get("nonlinearity", "tanh"))

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        h = p["hidden_size"]
        dirs = 2 if p["bidirectional"] else 1
        total = 0
        for layer in range(p["num_layers"]):
            width = ins["in"][-1] if layer == 0 else h * dirs
            total += dirs * _GATES[cls.type] * h * (width + h + 2)
        return total


@register
class RNN(_Recurrent):
    type = "RNN"
    description = "Simple (Elman) recurrent layer: (T, F) -> (T, hidden × directions)"
    params = (*_Recurrent.params,
              spec_param("nonlinearity", "choice", "tanh", "Activation of the hidden state",
                         choices=("tanh", "relu")))


@register
class LSTM(_Recurrent):
    type = "LSTM"
    description = "Long short-term memory layer: (T, F) -> (T, hidden × directions)"


@register
class GRU(_Recurrent):
    type = "GRU"
    description = "Gated recurrent unit layer: (T, F) -> (T, hidden × directions)"


@register
class SequencePoolBlock(Block):
    type = "SequencePool"
    category = "Sequence"
    channel_axis = -1
    description = "Summarises a sequence as one vector: its last step, first step or mean, (T, F) -> (F,)"
    params = (
        spec_param("mode", "choice", "last", "last: final step (classic RNN readout); first: the first "
                   "step (e.g. a class token); mean: average over steps", choices=("last", "mean", "first")),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        need_sequence(x)
        return {"out": (x[1],)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return SequencePool(p["mode"])
