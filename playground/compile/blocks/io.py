"""Input and output blocks."""

from __future__ import annotations

from typing import Any

from torch import nn

from playground.compile.blocks.base import Block, ShapeError, register, spec_param
from playground.graph.spec import PortSpec, Shape, TaskSpec, format_shape

LOSSES = ("auto", "cross_entropy", "bce", "mse")


@register
class Input(Block):
    type = "Input"
    category = "Input/Output"
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


def resolve_loss(choice: str, task: TaskSpec, out_shape: Shape) -> str:
    """Turn the Output block's 'auto' into the concrete loss for this task."""
    if choice != "auto":
        return choice
    if task.task == "classification":
        return "bce" if tuple(out_shape) == (1,) else "cross_entropy"
    if task.task == "sequence":
        return "cross_entropy"
    return "mse"
