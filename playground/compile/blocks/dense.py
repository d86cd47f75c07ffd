"""Dense blocks: Linear and RBF."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, ShapeError, features_input, register, spec_param
from playground.graph.spec import Shape, TaskSpec


@register
class Linear(Block):
    type = "Linear"
    category = "Dense"
    channel_axis = -1
    description = "Fully connected layer y = xWᵀ + b over the last dimension"
    params = (
        spec_param("out_features", "int", 16, "Number of output units", min=1, max=65536),
        spec_param("bias", "bool", True, "Learn an additive bias"),
        spec_param("in_features", "int", None, "Expected input features (empty = take from the input)",
                   min=1, max=65536, optional=True),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = features_input(ins)
        want = p.get("in_features")
        if want is not None and want != x[-1]:
            raise ShapeError(f"expects {want} input features but receives {x[-1]}", "in")
        return {"out": (*x[:-1], p["out_features"])}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Linear(ins["in"][-1], p["out_features"], bias=p["bias"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        return ins["in"][-1] * p["out_features"] + (p["out_features"] if p["bias"] else 0)


class RBFModule(nn.Module):
    """Gaussian radial basis units: exp(-|x - c|² / (2 w²)) with learnable centres c and widths w."""

    def __init__(self, in_features: int, centers: int, init_width: float) -> None:
        super().__init__()
        self.in_features, self.n_centers, self.init_width = in_features, centers, init_width
        self.centers = nn.Parameter(torch.randn(centers, in_features))
        self.log_width = nn.Parameter(torch.full((centers,), math.log(init_width)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dist2 = ((x.unsqueeze(-2) - self.centers) ** 2).sum(-1)
        return torch.exp(-dist2 / (2 * torch.exp(2 * self.log_width)))

    def ctor_source(self) -> str:
        return f"RBFModule({self.in_features}, {self.n_centers}, {self.init_width!r})"


@register
class RBF(Block):
    type = "RBF"
    category = "Dense"
    channel_axis = -1
    description = "Radial basis units: each responds to inputs near its learnable centre"
    params = (
        spec_param("centers", "int", 16, "Number of RBF units (centres)", min=1, max=65536),
        spec_param("init_width", "float", 1.0, "Starting width of every unit (learned afterwards)",
                   min=1e-3, max=1e3),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = features_input(ins)
        return {"out": (*x[:-1], p["centers"])}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return RBFModule(ins["in"][-1], p["centers"], float(p["init_width"]))

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        return p["centers"] * (ins["in"][-1] + 1)
