"""Element-wise activations (shape in = shape out)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, register, spec_param
from playground.graph.spec import Shape, TaskSpec


def _activation(name: str, module: type[nn.Module], description: str, **roles: Any) -> type[Block]:
    def build(cls: type[Block], p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return module()

    cls = type(name, (Block,), {
        "type": name,
        "category": "Activation",
        "description": description,
        "build": classmethod(build),
        **roles,
    })
    return register(cls)


ReLU = _activation("ReLU", nn.ReLU, "max(0, x): the default hidden nonlinearity", can_die=True)
Tanh = _activation("Tanh", nn.Tanh, "Hyperbolic tangent, squashes to (-1, 1)")
Sigmoid = _activation("Sigmoid", nn.Sigmoid, "Logistic function, squashes to (0, 1)")
Identity = _activation("Identity", nn.Identity, "Passes its input through unchanged", tokens="carry")
GELU = _activation("GELU", nn.GELU, "Smooth ReLU used in transformers (x·Φ(x))")
SiLU = _activation("SiLU", nn.SiLU, "x·sigmoid(x), also called swish")


@register
class LeakyReLU(Block):
    type = "LeakyReLU"
    category = "Activation"
    description = "Like ReLU but lets a small slope through for negative inputs"
    params = (
        spec_param("negative_slope", "float", 0.01, "Slope for negative inputs", min=0.0, max=1.0),
    )

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.LeakyReLU(float(p["negative_slope"]))


@register
class Softmax(Block):
    type = "Softmax"
    category = "Activation"
    description = "Turn the last axis into probabilities that sum to 1"

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Softmax(dim=-1)


class SquareModule(nn.Module):
    """Element-wise x² (a quadratic unit)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x

    def ctor_source(self) -> str:
        return "SquareModule()"


@register
class Square(Block):
    type = "Square"
    category = "Activation"
    description = "x², a quadratic nonlinearity"

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return SquareModule()
