"""Dense blocks: Linear and RBF."""

from __future__ import annotations

from typing import Any

from torch import nn

from playground.compile.blocks.base import Block, ShapeError, register, spec_param
from playground.graph.spec import Shape, TaskSpec, format_shape


@register
class Linear(Block):
    type = "Linear"
    category = "Dense"
    description = "Fully connected layer y = xWᵀ + b over the last dimension"
    params = (
        spec_param("out_features", "int", 16, "Number of output units", min=1, max=65536),
        spec_param("bias", "bool", True, "Learn an additive bias"),
        spec_param("in_features", "int", None, "Expected input features (empty = take from the input)",
                   min=1, max=65536, optional=True),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        if len(x) == 0:
            raise ShapeError(f"Linear expects features but receives {format_shape(x)}", "in")
        want = p.get("in_features")
        if want is not None and want != x[-1]:
            raise ShapeError(f"expects {want} input features but receives {x[-1]}", "in")
        return {"out": (*x[:-1], p["out_features"])}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Linear(ins["in"][-1], p["out_features"], bias=p["bias"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape]) -> int:
        return ins["in"][-1] * p["out_features"] + (p["out_features"] if p["bias"] else 0)
