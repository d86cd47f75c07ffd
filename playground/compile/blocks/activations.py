"""Element-wise activations (shape in = shape out)."""

from __future__ import annotations

from typing import Any

from torch import nn

from playground.compile.blocks.base import Block, register
from playground.graph.spec import Shape, TaskSpec


def _activation(name: str, module: type[nn.Module], description: str) -> type[Block]:
    def build(cls: type[Block], p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return module()

    cls = type(name, (Block,), {
        "type": name,
        "category": "Activation",
        "description": description,
        "build": classmethod(build),
    })
    return register(cls)


ReLU = _activation("ReLU", nn.ReLU, "max(0, x): the default hidden nonlinearity")
Tanh = _activation("Tanh", nn.Tanh, "Hyperbolic tangent, squashes to (-1, 1)")
Sigmoid = _activation("Sigmoid", nn.Sigmoid, "Logistic function, squashes to (0, 1)")
Identity = _activation("Identity", nn.Identity, "Passes its input through unchanged")
