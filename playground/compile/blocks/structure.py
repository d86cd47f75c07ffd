"""Structural blocks: joins, splits, learnable tensors."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, ShapeError, features_input, prod, register, spec_param
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


# ------------------------------------------------------------------ joins
def _same_shapes(ins: dict[str, Shape], ports: tuple[str, ...], what: str) -> Shape:
    first = ins[ports[0]]
    for port in ports[1:]:
        if port in ins and ins[port] != first:
            raise ShapeError(
                f"{what} needs equal shapes but receives {format_shape(first)} on {ports[0]!r} "
                f"and {format_shape(ins[port])} on {port!r}", port)
    return first


def _concat_axis(choice: str, rank: int) -> int:
    """Per-sample axis Concat joins on: channels for images, else the last axis."""
    if choice == "channel" or (choice == "auto" and rank == 3):
        return 0
    return rank - 1


class ConcatModule(nn.Module):
    """Join tensors along one axis; a batch-1 input (a Parameter) is repeated over the batch."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor | None = None,
                d: torch.Tensor | None = None) -> torch.Tensor:
        parts = [t for t in (a, b, c, d) if t is not None]
        batch = max(t.shape[0] for t in parts)
        parts = [t.expand(batch, *t.shape[1:]) if t.shape[0] == 1 else t for t in parts]
        return torch.cat(parts, dim=self.dim)

    def ctor_source(self) -> str:
        return f"ConcatModule({self.dim})"


@register
class Concat(Block):
    type = "Concat"
    category = "Structure"
    description = "Join 2-4 inputs along the channel axis (images) or the feature axis"
    inputs = (PortSpec("a"), PortSpec("b"), PortSpec("c", optional=True), PortSpec("d", optional=True))
    params = (
        spec_param("axis", "choice", "auto", "auto joins channels of N×C×H×W images and the last axis "
                   "otherwise; channel always joins the first axis after N; last the last axis",
                   choices=("auto", "channel", "last")),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        ports = [port for port in ("a", "b", "c", "d") if port in ins]
        first = ins["a"]
        if len(first) == 0:
            raise ShapeError("cannot join inputs without features", "a")
        axis = _concat_axis(p["axis"], len(first))
        total = 0
        for port in ports:
            s = ins[port]
            rest = [n for i, n in enumerate(s) if i != axis]
            first_rest = [n for i, n in enumerate(first) if i != axis]
            if len(s) != len(first) or rest != first_rest:
                raise ShapeError(
                    f"can only join shapes that differ on axis {axis + 1} but receives "
                    f"{format_shape(first)} on 'a' and {format_shape(s)} on {port!r}", port)
            total += s[axis]
        out = list(first)
        out[axis] = total
        return {"out": tuple(out)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return ConcatModule(_concat_axis(p["axis"], len(ins["a"])) + 1)


class MultiplyModule(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a * b

    def ctor_source(self) -> str:
        return "MultiplyModule()"


@register
class Multiply(Block):
    type = "Multiply"
    category = "Structure"
    description = "Element-wise product of two inputs (gating); size-1 axes broadcast"
    inputs = (PortSpec("a"), PortSpec("b"))

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        a, b = ins["a"], ins["b"]
        if len(a) != len(b) or any(x != y and 1 not in (x, y) for x, y in zip(a, b, strict=True)):
            raise ShapeError(
                f"needs equal shapes (or size-1 axes) but receives {format_shape(a)} and {format_shape(b)}",
                "b")
        return {"out": tuple(max(x, y) for x, y in zip(a, b, strict=True))}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return MultiplyModule()


class MeanModule(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor | None = None,
                d: torch.Tensor | None = None) -> torch.Tensor:
        parts = [t for t in (a, b, c, d) if t is not None]
        return sum(parts[1:], parts[0]) / len(parts)

    def ctor_source(self) -> str:
        return "MeanModule()"


@register
class Mean(Block):
    type = "Mean"
    category = "Structure"
    description = "Element-wise average of 2-4 inputs (a FractalNet-style join)"
    inputs = (PortSpec("a"), PortSpec("b"), PortSpec("c", optional=True), PortSpec("d", optional=True))

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        return {"out": _same_shapes(ins, ("a", "b", "c", "d"), "Mean")}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return MeanModule()


# ----------------------------------------------------------------- splits
class SliceModule(nn.Module):
    def __init__(self, start: int, end: int) -> None:
        super().__init__()
        self.start, self.end = start, end

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., self.start:self.end]

    def ctor_source(self) -> str:
        return f"SliceModule({self.start}, {self.end})"


@register
class Slice(Block):
    type = "Slice"
    category = "Structure"
    tokens = "carry"
    description = "Keep positions start..end-1 of the last axis"
    params = (
        spec_param("start", "int", 0, "First position kept (0-based)", min=0, max=65536),
        spec_param("end", "int", None, "One past the last position kept (empty = to the end)",
                   min=1, max=65536, optional=True),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = features_input(ins)
        start, end = p["start"], p["end"] if p["end"] is not None else x[-1]
        if end > x[-1]:
            raise ShapeError(f"end={end} is past the last axis, which has {x[-1]} entries", "in")
        if start >= end:
            raise ShapeError(f"start={start} must be smaller than end={end}", "in")
        return {"out": (*x[:-1], end - start)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        end = p["end"] if p["end"] is not None else ins["in"][-1]
        return SliceModule(p["start"], end)


class SplitModule(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        half = x.shape[-1] // 2
        return x[..., :half], x[..., half:]

    def ctor_source(self) -> str:
        return "SplitModule()"


@register
class Split(Block):
    type = "Split"
    category = "Structure"
    tokens = "carry"
    description = "Cut the last axis into two halves a and b (e.g. mean and log-variance)"
    outputs = (PortSpec("a"), PortSpec("b"))

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        if len(x) == 0 or x[-1] % 2:
            raise ShapeError(f"needs an even size on the last axis but receives {format_shape(x)}", "in")
        half = (*x[:-1], x[-1] // 2)
        return {"a": half, "b": half}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return SplitModule()


# ---------------------------------------------------------- learnable data
def _check_tensor_shape(shape: Any) -> Shape:
    shape = tuple(shape)
    if not shape:
        raise ShapeError("needs a shape with at least one entry, e.g. 16")
    return shape


class ParameterModule(nn.Module):
    """A trainable tensor of shape (1, *shape) that broadcasts over the batch."""

    def __init__(self, shape: tuple[int, ...], init: str = "zeros") -> None:
        super().__init__()
        self.shape, self.init = tuple(shape), init
        fill = {"zeros": torch.zeros, "ones": torch.ones, "normal": torch.randn}[init]
        self.value = nn.Parameter(fill(1, *self.shape))

    def forward(self) -> torch.Tensor:
        return self.value

    def ctor_source(self) -> str:
        return f"ParameterModule({self.shape!r}, {self.init!r})"


@register
class Parameter(Block):
    type = "Parameter"
    category = "Structure"
    role = "source"
    description = "A trainable tensor with no input (broadcast over the batch)"
    inputs = ()
    params = (
        spec_param("shape", "ints", (16,), "Per-sample shape of the tensor, e.g. 16 or 4, 8", min=1, max=65536),
        spec_param("init", "choice", "zeros", "Starting values", choices=("zeros", "normal", "ones")),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        return {"out": _check_tensor_shape(p["shape"])}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return ParameterModule(tuple(p["shape"]), p["init"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        return prod(tuple(p["shape"]))


class ConstantModule(nn.Module):
    """A fixed tensor of shape (1, *shape) filled with ``value``."""

    data: torch.Tensor  # a buffer, registered below

    def __init__(self, shape: tuple[int, ...], value: float) -> None:
        super().__init__()
        self.shape, self.value = tuple(shape), value
        self.register_buffer("data", torch.full((1, *self.shape), float(value)), persistent=False)

    def forward(self) -> torch.Tensor:
        return self.data

    def ctor_source(self) -> str:
        return f"ConstantModule({self.shape!r}, {self.value!r})"


@register
class Constant(Block):
    type = "Constant"
    category = "Structure"
    role = "source"
    description = "A fixed tensor with no input (broadcast over the batch)"
    inputs = ()
    params = (
        spec_param("shape", "ints", (1,), "Per-sample shape of the tensor", min=1, max=65536),
        spec_param("value", "float", 1.0, "Value of every element", min=-1e6, max=1e6),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        return {"out": _check_tensor_shape(p["shape"])}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return ConstantModule(tuple(p["shape"]), float(p["value"]))


class VAESamplerModule(nn.Module):
    """Reparameterised sample z = mean + exp(logvar/2)·eps while training, z = mean in
    evaluation. After each forward ``aux_loss`` holds kl_weight × the KL divergence to
    N(0, I), summed over latent units and averaged over the batch."""

    has_aux_loss = True

    def __init__(self, kl_weight: float) -> None:
        super().__init__()
        self.kl_weight = kl_weight
        self.aux_loss = torch.zeros(())

    def forward(self, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        kl = -0.5 * (1 + logvar - mean.pow(2) - logvar.exp())
        self.aux_loss = self.kl_weight * kl.flatten(1).sum(1).mean()
        if not self.training:
            return mean
        return mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)

    def ctor_source(self) -> str:
        return f"VAESamplerModule({self.kl_weight!r})"


@register
class VAESampler(Block):
    type = "VAESampler"
    category = "Structure"
    description = "Sample a latent z from a mean and log-variance, adding a KL penalty (VAE)"
    inputs = (PortSpec("mean"), PortSpec("logvar"))
    outputs = (PortSpec("z"),)
    params = (
        spec_param("kl_weight", "float", 0.01, "Weight of the KL term added to the loss (β)", min=0.0, max=1000.0),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        return {"z": _same_shapes(ins, ("mean", "logvar"), "VAESampler")}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return VAESamplerModule(float(p["kl_weight"]))
