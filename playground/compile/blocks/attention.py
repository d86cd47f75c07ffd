"""Attention blocks: multi-head self/cross attention, a transformer encoder block, ViT patch embedding.

The attention math is written out (softmax(Q Kᵀ · scale) V) rather than calling a fused
kernel, so the weights can be observed: every attention module has ``record`` (bool)
and ``last_attention`` (None, or the detached (N, heads, Tq, Tk) weights of the last
forward pass made while ``record`` was on).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, ShapeError, register, spec_param
from playground.compile.blocks.sequence import need_sequence
from playground.graph.spec import PortSpec, Shape, TaskSpec


# ------------------------------------------------------------------ modules
class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention over several heads.

    Queries come from ``x``; keys and values from ``context`` (self-attention when it is None).
    """

    def __init__(self, dim: int, heads: int, head_dim: int | None = None, causal: bool = False,
                 scale: float | None = None, context_dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim
        self.heads = heads
        self.head_dim = head_dim or dim // heads
        self.causal = causal
        self.given_scale = scale
        self.scale = scale if scale is not None else 1.0 / math.sqrt(self.head_dim)
        self.context_dim = context_dim
        inner = heads * self.head_dim
        kv_dim = context_dim or dim
        self.query = nn.Linear(dim, inner)
        self.key = nn.Linear(kv_dim, inner)
        self.value = nn.Linear(kv_dim, inner)
        self.out = nn.Linear(inner, dim)
        self.record = False
        self.last_attention: torch.Tensor | None = None

    def split_heads(self, t: torch.Tensor) -> torch.Tensor:
        n, length, _ = t.shape
        return t.view(n, length, self.heads, self.head_dim).transpose(1, 2)

    def steps(self, x: torch.Tensor, context: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Every intermediate of one pass, in order: ``q``, ``k``, ``v`` (heads split), ``scores``
        (scaled, the future masked when causal), ``weights`` (softmax), ``mixed`` (the weighted
        sum, heads joined) and ``out``. ``forward`` is this pass; the step-through inspector shows it."""
        source = x if context is None else context
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(source))
        v = self.split_heads(self.value(source))
        scores = torch.matmul(q, k.transpose(-2, -1)) * self.scale
        if self.causal:
            future = torch.ones(scores.shape[-2:], dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        mixed = torch.matmul(weights, v).transpose(1, 2).flatten(2)
        return {"q": q, "k": k, "v": v, "scores": scores, "weights": weights, "mixed": mixed,
                "out": self.out(mixed)}

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        steps = self.steps(x, context)
        if self.record:
            self.last_attention = steps["weights"].detach()
        return steps["out"]

    def ctor_source(self) -> str:
        return (f"MultiHeadAttention({self.dim}, {self.heads}, {self.head_dim}, {self.causal}, "
                f"{self.given_scale!r}, {self.context_dim})")


class TransformerLayer(nn.Module):
    """Transformer encoder layer: attention and a feed-forward net, each in a residual branch.

    norm "pre": x + f(LayerNorm(x)) (stable when deep); "post": LayerNorm(x + f(x)) (the 2017 original).
    """

    def __init__(self, dim: int, heads: int, ffn_width: int, norm: str = "pre", dropout: float = 0.0,
                 causal: bool = False) -> None:
        super().__init__()
        self.dim = dim
        self.ffn_width = ffn_width
        self.norm = norm
        self.dropout = dropout
        self.attn = MultiHeadAttention(dim, heads, causal=causal)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn_width), nn.GELU(), nn.Linear(ffn_width, dim))
        self.drop = nn.Dropout(dropout)

    @property
    def record(self) -> bool:
        return self.attn.record

    @record.setter
    def record(self, on: bool) -> None:
        self.attn.record = on

    @property
    def last_attention(self) -> torch.Tensor | None:
        return self.attn.last_attention

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.norm == "pre":
            x = x + self.drop(self.attn(self.norm1(x)))
            return x + self.drop(self.ffn(self.norm2(x)))
        x = self.norm1(x + self.drop(self.attn(x)))
        return self.norm2(x + self.drop(self.ffn(x)))

    def ctor_source(self) -> str:
        a = self.attn
        return (f"TransformerLayer({self.dim}, {a.heads}, {self.ffn_width}, {self.norm!r}, "
                f"{self.dropout!r}, {a.causal})")


class PatchEmbedding(nn.Module):
    """Cuts an image into patches and embeds each one: (N, C, H, W) -> (N, T, dim).

    A learned position vector is added to every patch; an optional class token is prepended.
    """

    def __init__(self, in_channels: int, dim: int, patch_size: int, num_patches: int,
                 class_token: bool = True) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.dim = dim
        self.patch_size = patch_size
        self.num_patches = num_patches
        self.proj = nn.Conv2d(in_channels, dim, patch_size, stride=patch_size)
        self.class_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02) if class_token else None
        self.position = nn.Parameter(torch.randn(1, num_patches + int(class_token), dim) * 0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.proj(x).flatten(2).transpose(1, 2)
        if self.class_token is not None:
            tokens = torch.cat([self.class_token.expand(x.shape[0], -1, -1), tokens], dim=1)
        return tokens + self.position

    def ctor_source(self) -> str:
        return (f"PatchEmbedding({self.in_channels}, {self.dim}, {self.patch_size}, {self.num_patches}, "
                f"{self.class_token is not None})")


# ------------------------------------------------------------------- blocks
def _head_width(dim: int, heads: int, head_dim: int | None, port: str = "in") -> int:
    if head_dim is None:
        if dim % heads:
            raise ShapeError(f"has {heads} heads, which do not divide the width {dim} it receives", port)
        return dim // heads
    return head_dim


def _attention_params(dim: int, kv_dim: int, inner: int) -> int:
    return (dim + 1) * inner + 2 * (kv_dim + 1) * inner + (inner + 1) * dim


_HEADS = spec_param("heads", "int", 4, "Attention heads (each attends independently)", min=1, max=64)
_HEAD_DIM = spec_param("head_dim", "int", None, "Width of each head (empty = width / heads)",
                       min=1, max=1024, optional=True)
_SCALE = spec_param("scale", "float", None, "Multiplier of Q·Kᵀ before the softmax "
                    "(empty = 1/sqrt(head_dim))", min=0.0, max=100.0, optional=True)


@register
class SelfAttention(Block):
    type = "SelfAttention"
    category = "Attention"
    channel_axis = -1
    description = "Multi-head scaled dot-product self-attention: every position looks at every other"
    params = (
        _HEADS,
        _HEAD_DIM,
        spec_param("causal", "bool", False, "Only attend to earlier positions (for left-to-right models)"),
        _SCALE,
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        need_sequence(x)
        _head_width(x[1], p["heads"], p["head_dim"])
        return {"out": x}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return MultiHeadAttention(ins["in"][1], p["heads"], p["head_dim"], p["causal"], p["scale"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        dim = ins["in"][-1]
        inner = p["heads"] * (p["head_dim"] or dim // p["heads"])
        return _attention_params(dim, dim, inner)


@register
class CrossAttention(Block):
    type = "CrossAttention"
    category = "Attention"
    channel_axis = -1
    description = "Multi-head attention from a query sequence to a context sequence (keys and values)"
    inputs = (PortSpec("query", help="Sequence that asks (N×Tq×D)"),
              PortSpec("context", help="Sequence attended to (N×Tk×Dc)"))
    params = (_HEADS, _HEAD_DIM, _SCALE)

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        q, c = ins["query"], ins["context"]
        need_sequence(q, "query", " as query")
        need_sequence(c, "context", " as context")
        _head_width(q[1], p["heads"], p["head_dim"], "query")
        return {"out": q}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        dim, kv_dim = ins["query"][1], ins["context"][1]
        return MultiHeadAttention(dim, p["heads"], p["head_dim"], False, p["scale"], kv_dim)

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        dim, kv_dim = ins["query"][-1], ins["context"][-1]
        inner = p["heads"] * (p["head_dim"] or dim // p["heads"])
        return _attention_params(dim, kv_dim, inner)


@register
class TransformerBlock(Block):
    type = "TransformerBlock"
    category = "Attention"
    channel_axis = -1
    description = "Transformer encoder layer: self-attention then a feed-forward net, with residuals"
    params = (
        _HEADS,
        spec_param("ffn_width", "int", None, "Hidden units of the feed-forward net (empty = 4 × width)",
                   min=1, max=16384, optional=True),
        spec_param("norm", "choice", "pre", "pre: LayerNorm before each branch; post: after the sum",
                   choices=("pre", "post")),
        spec_param("dropout", "float", 0.0, "Dropout on each branch while training", min=0.0, max=0.99),
        spec_param("causal", "bool", False, "Only attend to earlier positions"),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        need_sequence(x)
        _head_width(x[1], p["heads"], None)
        return {"out": x}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        dim = ins["in"][1]
        return TransformerLayer(dim, p["heads"], p["ffn_width"] or 4 * dim, p["norm"], p["dropout"],
                                p["causal"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        dim = ins["in"][-1]
        width = p["ffn_width"] or 4 * dim
        return _attention_params(dim, dim, dim) + 4 * dim + (dim + 1) * width + (width + 1) * dim


@register
class PatchEmbed(Block):
    type = "PatchEmbed"
    category = "Attention"
    channel_axis = -1
    description = "Vision-transformer input: image patches -> token vectors, (C, H, W) -> (T, dim)"
    params = (
        spec_param("patch_size", "int", 4, "Side of each square patch, in pixels", min=1, max=256),
        spec_param("dim", "int", 64, "Width of each patch's vector", min=1, max=4096),
        spec_param("class_token", "bool", True, "Prepend a learned class token (read it with "
                   "SequencePool mode=first)"),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        if len(x) != 3:
            raise ShapeError(f"expects images (N×channels×height×width) but receives a {len(x) + 1}-D tensor",
                             "in")
        size = p["patch_size"]
        _, h, w = x
        if h % size or w % size:
            raise ShapeError(f"needs patch_size {size} to divide the image size {h}×{w} it receives", "in")
        return {"out": ((h // size) * (w // size) + int(p["class_token"]), p["dim"])}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        c, h, w = ins["in"]
        size = p["patch_size"]
        return PatchEmbedding(c, p["dim"], size, (h // size) * (w // size), p["class_token"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        c, h, w = ins["in"]
        size, dim = p["patch_size"], p["dim"]
        tokens = (h // size) * (w // size) + int(p["class_token"])
        return (c * size * size + 1) * dim + tokens * dim + (dim if p["class_token"] else 0)
