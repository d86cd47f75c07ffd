"""Normalization and regularization blocks (shape in = shape out).

The random regularizers (Dropout, GaussianNoise, DropPath) act only in
training mode and pass their input through unchanged in evaluation.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, features_input, register, spec_param
from playground.compile.blocks.conv import expect_rank
from playground.graph.spec import Shape, TaskSpec


@register
class BatchNorm(Block):
    type = "BatchNorm"
    category = "Normalization"
    channel_axis = 0
    description = "Normalize each feature/channel over the batch (BatchNorm1d or 2d by input)"
    params = (
        spec_param("momentum", "float", 0.1, "How fast the running mean/variance follow the batches",
                   min=0.0, max=1.0),
        spec_param("affine", "bool", True, "Learn a scale and shift per channel"),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        expect_rank(x, (1, 2, 3))
        return {"out": x}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        x = ins["in"]
        module = nn.BatchNorm2d if len(x) == 3 else nn.BatchNorm1d
        return module(x[0], momentum=float(p["momentum"]), affine=p["affine"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        return 2 * ins["in"][0] if p["affine"] else 0


@register
class LayerNorm(Block):
    type = "LayerNorm"
    category = "Normalization"
    channel_axis = -1
    description = "Normalize each sample over its last axis (as in transformers)"
    params = (spec_param("elementwise_affine", "bool", True, "Learn a scale and shift per feature"),)

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = features_input(ins)
        return {"out": x}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.LayerNorm(ins["in"][-1], elementwise_affine=p["elementwise_affine"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        return 2 * ins["in"][-1] if p["elementwise_affine"] else 0


@register
class Dropout(Block):
    type = "Dropout"
    category = "Normalization"
    description = "Zero random units while training (and rescale the rest)"
    params = (spec_param("p", "float", 0.1, "Probability of dropping each unit", min=0.0, max=0.99),)

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Dropout(float(p["p"]))


class GaussianNoiseModule(nn.Module):
    """Add N(0, std²) noise while training; identity in evaluation."""

    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.std == 0:
            return x
        return x + torch.randn_like(x) * self.std

    def ctor_source(self) -> str:
        return f"GaussianNoiseModule({self.std!r})"


@register
class GaussianNoise(Block):
    type = "GaussianNoise"
    category = "Normalization"
    description = "Add random Gaussian noise while training (a regularizer)"
    params = (spec_param("std", "float", 0.1, "Standard deviation of the noise", min=0.0, max=100.0),)

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return GaussianNoiseModule(float(p["std"]))


class DropPathModule(nn.Module):
    """Stochastic depth: while training, zero whole samples with probability p and
    rescale the survivors by 1/(1-p); identity in evaluation. Put it on a residual
    branch just before the Add."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = 1.0 - self.p
        mask = torch.rand((x.shape[0],) + (1,) * (x.dim() - 1), device=x.device) < keep
        return x * mask.to(x.dtype) / keep

    def ctor_source(self) -> str:
        return f"DropPathModule({self.p!r})"


@register
class DropPath(Block):
    type = "DropPath"
    category = "Normalization"
    description = "Stochastic depth: randomly drop a whole residual branch per sample while training"
    params = (spec_param("p", "float", 0.1, "Probability of dropping the branch for a sample",
                         min=0.0, max=0.99),)

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return DropPathModule(float(p["p"]))
