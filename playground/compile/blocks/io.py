"""Input and output blocks."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, ShapeError, register, spec_param
from playground.graph.spec import PortSpec, Shape, TaskSpec, format_shape

LOSSES = ("auto", "cross_entropy", "bce", "mse")


@register
class Input(Block):
    type = "Input"
    category = "Input/Output"
    role = "input"
    description = "The dataset's input batch (its shape comes from the chosen dataset)"
    inputs = ()
    outputs = (PortSpec("out"),)

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        if task is None:
            raise ShapeError("Input has no dataset to take its shape from")
        return {"out": tuple(task.input_shape)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Identity()


@register
class Output(Block):
    type = "Output"
    category = "Input/Output"
    role = "output"
    description = "The network's prediction; the loss is chosen from the dataset's task"
    inputs = (PortSpec("in"),)
    outputs = ()
    params = (
        spec_param("loss", "choice", "auto", "Loss: auto picks cross-entropy for classes, "
                   "MSE for regression and reconstruction, BCE for a single binary unit",
                   choices=LOSSES),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        got = ins["in"]
        if task is None:
            return {}
        wanted = task.expected_output_shapes()
        if tuple(got) not in [tuple(w) for w in wanted]:
            need = " or ".join(format_shape(w) for w in wanted)
            why = {
                "classification": f"{task.num_classes} classes",
                "sequence": f"{task.num_classes} symbols at each of {task.target_shape[0] if task.target_shape else '?'} positions",
                "reconstruction": "the input's shape",
                "regression": "one value per target",
            }[task.task]
            raise ShapeError(
                f"receives {format_shape(got)} but the dataset needs {need} ({why})", "in"
            )
        loss = resolve_loss(p.get("loss", "auto"), task, got)
        if loss == "cross_entropy" and task.task in ("regression", "reconstruction"):
            raise ShapeError(f"cross-entropy loss does not fit a {task.task} task; use mse", None)
        if loss == "bce" and task.task == "classification" and tuple(got) != (1,):
            raise ShapeError("bce loss needs a single output unit (N×1) for two classes", None)
        if loss == "mse" and task.task in ("classification", "sequence"):
            raise ShapeError(f"mse loss does not fit a {task.task} task; use cross_entropy", None)
        return {}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Identity()


FEATURES_2D = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")


class Features2DModule(nn.Module):
    """Hand-made input features of a 2-D point, as in the classic playground."""

    NAMES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")

    def __init__(self, features: tuple[str, ...]) -> None:
        super().__init__()
        self.features = tuple(f for f in self.NAMES if f in features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x[..., 0], x[..., 1]
        columns = {
            "x1": x1, "x2": x2, "x1_sq": x1 * x1, "x2_sq": x2 * x2, "x1x2": x1 * x2,
            "sin_x1": torch.sin(x1), "sin_x2": torch.sin(x2),
        }
        return torch.stack([columns[f] for f in self.features], dim=-1)

    def ctor_source(self) -> str:
        return f"Features2DModule({self.features!r})"


@register
class Features2D(Block):
    type = "Features2D"
    category = "Input/Output"
    description = "Feature transforms of a 2-D point: x1, x2, x1², x2², x1·x2, sin x1, sin x2"
    params = tuple(
        spec_param(name, "bool", name in ("x1", "x2"), f"Include {label}")
        for name, label in zip(FEATURES_2D, ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2"), strict=True)
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        if tuple(x) != (2,):
            raise ShapeError(f"expects 2-D points (N×2) but receives {format_shape(x)}", "in")
        k = sum(1 for f in FEATURES_2D if p[f])
        if k == 0:
            raise ShapeError("has no feature switched on; tick at least one (e.g. x1)")
        return {"out": (k,)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return Features2DModule(tuple(f for f in FEATURES_2D if p[f]))


def resolve_loss(choice: str, task: TaskSpec, out_shape: Shape) -> str:
    """Turn the Output block's 'auto' into the concrete loss for this task."""
    if choice != "auto":
        return choice
    if task.task == "classification":
        return "bce" if tuple(out_shape) == (1,) else "cross_entropy"
    if task.task == "sequence":
        return "cross_entropy"
    return "mse"
