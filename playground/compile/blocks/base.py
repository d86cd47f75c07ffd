"""How a block is declared: one class holds ports, params, shape rule and torch builder.

Adding a block touches one place: write a ``Block`` subclass in the category
module and decorate it with ``@register``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from torch import nn

from playground.graph.spec import BlockSpec, ParamSpec, PortSpec, Shape, TaskSpec, format_shape

BLOCKS: dict[str, type[Block]] = {}
LEGACY: dict[str, str] = {}


class ShapeError(Exception):
    """A shape rule's complaint, phrased for a person ("expects 64 input features but receives 128").

    ``port`` names the input that is wrong, so the checker can say where it came from.
    """

    def __init__(self, message: str, port: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.port = port


class Block:
    """Base class of every block declaration. Never instantiated."""

    type: ClassVar[str]
    category: ClassVar[str]
    description: ClassVar[str]
    inputs: ClassVar[tuple[PortSpec, ...]] = (PortSpec("in"),)
    outputs: ClassVar[tuple[PortSpec, ...]] = (PortSpec("out"),)
    params: ClassVar[tuple[ParamSpec, ...]] = ()
    legacy_types: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def shape(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> dict[str, Shape]:
        """Per-sample output shapes from input shapes. Raise ShapeError on mismatch.

        Default: one input, one output, same shape (activations etc.).
        """
        return {cls.outputs[0].name: ins[cls.inputs[0].name]}

    @classmethod
    def build(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None) -> nn.Module:
        """The torch module. ``forward`` takes the inputs in port order (None for an
        unconnected optional port) and returns one tensor, or a tuple for several outputs."""
        raise NotImplementedError

    @classmethod
    def param_count(cls, p: dict[str, Any], ins: dict[str, Shape], task: TaskSpec | None = None) -> int:
        """Trainable parameters this block would create (used to refuse absurd sizes
        before allocating anything). Blocks with parameters override this."""
        return 0

    @classmethod
    def spec(cls) -> BlockSpec:
        return BlockSpec(
            cls.type, cls.category, cls.description, cls.inputs, cls.outputs, cls.params,
            cls.legacy_types,
        )


def register(cls: type[Block]) -> type[Block]:
    if cls.type in BLOCKS:
        raise ValueError(f"block type {cls.type!r} declared twice")
    BLOCKS[cls.type] = cls
    for old in cls.legacy_types:
        LEGACY[old] = cls.type
    return cls


_DEFAULTS: dict[type, dict[str, Any]] = {}


def params_with_defaults(block: type[Block], params: dict[str, Any]) -> dict[str, Any]:
    """The node's params over the block's defaults (unknown keys dropped)."""
    defaults = _DEFAULTS.get(block)
    if defaults is None:
        defaults = _DEFAULTS[block] = block.spec().defaults()
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in defaults.items()}
    for k, v in params.items():
        if k in out:
            out[k] = v
    return out


# --------------------------------------------------------------- shape helpers
def features_input(ins: dict[str, Shape], port: str = "in") -> Shape:
    """The input of a block that works along the last axis (a bare scalar per sample has none)."""
    x = ins[port]
    if len(x) == 0:
        raise ShapeError(f"expects features but receives {format_shape(x)}", port)
    return x


def prod(shape: Shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def spec_param(name: str, kind: str, default: Any, help: str = "", **kw: Any) -> ParamSpec:
    """Short-hand used by block declarations."""
    return ParamSpec(name, kind, default, help, **kw)  # type: ignore[arg-type]
