"""Convolution, pooling and reshaping blocks.

Spatial data is per-sample (C, L) for 1-D and (C, H, W) for 2-D. Shape rules
use torch's own size formulas so they agree with the forward pass.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from playground.compile.blocks.base import Block, ShapeError, prod, register, spec_param
from playground.graph.spec import Shape, TaskSpec, format_shape

RANK_NAMES = {1: "N×F (features)", 2: "N×C×L (channels × length)", 3: "N×C×H×W (channels × height × width)"}
MAX_CHANNELS = 65536
MAX_KERNEL = 64


def expect_rank(x: Shape, ranks: tuple[int, ...], port: str = "in") -> None:
    """Refuse inputs of the wrong rank with a message naming the layout wanted."""
    if len(x) not in ranks:
        want = " or ".join(RANK_NAMES.get(r, f"{r} axes per sample") for r in ranks)
        raise ShapeError(f"expects {want} but receives {format_shape(x)}", port)


def conv_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _spatial_out(x: Shape, kernel: int, stride: int, padding: int, what: str) -> tuple[int, ...]:
    sizes = tuple(conv_size(s, kernel, stride, padding) for s in x[1:])
    if any(s < 1 for s in sizes):
        spatial = "×".join(str(s + 2 * padding) for s in x[1:])
        raise ShapeError(
            f"{what} {kernel} is larger than its {'padded ' if padding else ''}input ({spatial})", "in"
        )
    return sizes


def _conv_params(default_out: int) -> tuple:
    return (
        spec_param("out_channels", "int", default_out, "Number of output channels (filters)",
                   min=1, max=MAX_CHANNELS),
        spec_param("kernel_size", "int", 3, "Width of each filter (1 = a 1×1 convolution)", min=1, max=MAX_KERNEL),
        spec_param("stride", "int", 1, "Step between filter positions", min=1, max=MAX_KERNEL),
        spec_param("padding", "int", 0, "Zeros added on each side", min=0, max=MAX_KERNEL),
        spec_param("groups", "int", 1, "Split channels into groups (groups = channels: depthwise)",
                   min=1, max=MAX_CHANNELS),
        spec_param("bias", "bool", True, "Learn an additive bias per output channel"),
        spec_param("in_channels", "int", None, "Expected input channels (empty = take from the input)",
                   min=1, max=MAX_CHANNELS, optional=True),
    )


class _ConvBase(Block):
    category = "Convolution"
    channel_axis = 0
    rank: int = 3
    module: type[nn.Module] = nn.Conv2d

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        expect_rank(x, (cls.rank,))
        c = x[0]
        if p["in_channels"] is not None and p["in_channels"] != c:
            raise ShapeError(f"expects {p['in_channels']} input channels but receives {c}", "in")
        g, out = p["groups"], p["out_channels"]
        if c % g or out % g:
            raise ShapeError(
                f"groups={g} must divide both the input channels ({c}) and out_channels ({out})", "in"
            )
        sizes = _spatial_out(x, p["kernel_size"], p["stride"], p["padding"], "kernel_size")
        return {"out": (out, *sizes)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return cls.module(ins["in"][0], p["out_channels"], p["kernel_size"], stride=p["stride"],
                          padding=p["padding"], groups=p["groups"], bias=p["bias"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        c, out, g = ins["in"][0], p["out_channels"], p["groups"]
        weights = out * (c // g) * p["kernel_size"] ** (cls.rank - 1)
        return weights + (out if p["bias"] else 0)


@register
class Conv1d(_ConvBase):
    type = "Conv1d"
    description = "1-D convolution over N×C×L signals"
    rank = 2
    module = nn.Conv1d
    params = _conv_params(16)


@register
class Conv2d(_ConvBase):
    type = "Conv2d"
    description = "2-D convolution over N×C×H×W images (1×1, strided, grouped or depthwise)"
    rank = 3
    module = nn.Conv2d
    params = _conv_params(16)


@register
class ConvTranspose2d(Block):
    type = "ConvTranspose2d"
    category = "Convolution"
    channel_axis = 0
    description = "Transposed 2-D convolution: learns to upsample images (decoders)"
    params = (
        spec_param("out_channels", "int", 16, "Number of output channels", min=1, max=MAX_CHANNELS),
        spec_param("kernel_size", "int", 2, "Width of each filter", min=1, max=MAX_KERNEL),
        spec_param("stride", "int", 2, "Upsampling factor", min=1, max=MAX_KERNEL),
        spec_param("padding", "int", 0, "Rows/columns trimmed from each side of the output", min=0, max=MAX_KERNEL),
        spec_param("output_padding", "int", 0, "Extra rows/columns added on one side (smaller than stride)",
                   min=0, max=MAX_KERNEL),
        spec_param("bias", "bool", True, "Learn an additive bias per output channel"),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        expect_rank(x, (3,))
        k, s, pad, op = p["kernel_size"], p["stride"], p["padding"], p["output_padding"]
        if op >= s:
            raise ShapeError(f"output_padding ({op}) must be smaller than stride ({s})")
        sizes = tuple((n - 1) * s - 2 * pad + k + op for n in x[1:])
        if any(n < 1 for n in sizes):
            raise ShapeError(f"padding {pad} trims away the whole output of a {x[1]}×{x[2]} input", "in")
        return {"out": (p["out_channels"], *sizes)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.ConvTranspose2d(ins["in"][0], p["out_channels"], p["kernel_size"], stride=p["stride"],
                                  padding=p["padding"], output_padding=p["output_padding"], bias=p["bias"])

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        out = p["out_channels"]
        return ins["in"][0] * out * p["kernel_size"] ** 2 + (out if p["bias"] else 0)


@register
class Upsample(Block):
    type = "Upsample"
    category = "Convolution"
    channel_axis = 0
    description = "Enlarge signals or images by a whole factor (nearest or (bi)linear)"
    params = (
        spec_param("scale_factor", "int", 2, "How many times larger along each spatial axis", min=1, max=16),
        spec_param("mode", "choice", "nearest", "nearest copies values; bilinear interpolates",
                   choices=("nearest", "bilinear")),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        expect_rank(x, (2, 3))
        return {"out": (x[0], *(n * p["scale_factor"] for n in x[1:]))}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        mode = p["mode"]
        if mode == "bilinear" and len(ins["in"]) == 2:
            mode = "linear"  # the 1-D form of bilinear
        return nn.Upsample(scale_factor=float(p["scale_factor"]), mode=mode)


class _PoolBase(Block):
    category = "Convolution"
    channel_axis = 0
    params = (
        spec_param("kernel_size", "int", 2, "Window size", min=1, max=MAX_KERNEL),
        spec_param("stride", "int", None, "Step between windows (empty = kernel_size)",
                   min=1, max=MAX_KERNEL, optional=True),
    )
    modules: tuple[type[nn.Module], type[nn.Module]] = (nn.MaxPool1d, nn.MaxPool2d)

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        expect_rank(x, (2, 3))
        k = p["kernel_size"]
        stride = p["stride"] or k
        return {"out": (x[0], *_spatial_out(x, k, stride, 0, "kernel_size"))}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        module = cls.modules[len(ins["in"]) - 2]
        return module(p["kernel_size"], stride=p["stride"] or p["kernel_size"])


@register
class MaxPool(_PoolBase):
    type = "MaxPool"
    description = "Keep the largest value of each window (1-D or 2-D by input)"
    modules = (nn.MaxPool1d, nn.MaxPool2d)


@register
class AvgPool(_PoolBase):
    type = "AvgPool"
    description = "Average each window (1-D or 2-D by input)"
    modules = (nn.AvgPool1d, nn.AvgPool2d)


class GlobalAvgPoolModule(nn.Module):
    """Mean over every spatial axis: (N, C, ...) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(2).mean(-1)

    def ctor_source(self) -> str:
        return "GlobalAvgPoolModule()"


@register
class GlobalAvgPool(Block):
    type = "GlobalAvgPool"
    category = "Convolution"
    channel_axis = 0
    description = "Average each channel over all positions: N×C×H×W or N×C×L -> N×C"

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x = ins["in"]
        expect_rank(x, (2, 3))
        return {"out": (x[0],)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return GlobalAvgPoolModule()


@register
class Flatten(Block):
    type = "Flatten"
    category = "Convolution"
    tokens = "carry"
    description = "Turn each sample into one long feature vector"

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        return {"out": (prod(ins["in"]),)}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return nn.Flatten()


class ReshapeModule(nn.Module):
    """Reshape each sample, keeping the batch axis."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def ctor_source(self) -> str:
        return f"ReshapeModule({self.shape!r})"


@register
class Reshape(Block):
    type = "Reshape"
    category = "Convolution"
    tokens = "carry"
    description = "Rearrange each sample into a new shape with the same number of elements"
    params = (
        spec_param("shape", "ints", (-1,), "New per-sample shape, e.g. 1, 8, 8; one entry may be -1 (inferred)",
                   min=-1, max=MAX_CHANNELS),
    )

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        x, want = ins["in"], tuple(p["shape"])
        have = prod(x)
        if not want:
            raise ShapeError("needs a shape with at least one entry")
        if 0 in want or want.count(-1) > 1:
            raise ShapeError("shape entries must be positive, with at most one -1")
        known = prod(tuple(n for n in want if n != -1))
        if -1 in want:
            if have % known:
                raise ShapeError(
                    f"cannot reshape {have} elements per sample into {'×'.join(map(str, want))}: "
                    f"{have} is not a multiple of {known}", "in")
            return {"out": tuple(have // known if n == -1 else n for n in want)}
        if known != have:
            raise ShapeError(
                f"cannot reshape {have} elements per sample into {'×'.join(map(str, want))} "
                f"({known} elements)", "in")
        return {"out": want}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        return ReshapeModule(tuple(cls.shape(p, ins, task)["out"]))
