"""Structural blocks: joins, splits, learnable tensors."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, ShapeError, register
from playground.graph.spec import PortSpec, Shape, TaskSpec, format_shape


class AddModule(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a + b

    def ctor_source(self) -> str:
        return "AddModule()"


@register
class Add(Block):
    type = "Add"
    category = "Structure"
    description = "Element-wise sum of two inputs (a residual connection)"
    inputs = (PortSpec("a"), PortSpec("b"))

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        a, b = ins["a"], ins["b"]
        if a != b:
            raise ShapeError(
                f"Add needs equal shapes but receives {format_shape(a)} and {format_shape(b)}", "b"
            )
        return {"out": a}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return AddModule()
