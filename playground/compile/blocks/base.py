"""How a block is declared: one class holds ports, params, roles, shape rule and torch builder.

Adding a block touches one place: write a ``Block`` subclass in the category
module and decorate it with ``@register``. What the rest of the program needs to know
about a block (is it the network's input, may integer token ids pass through it, can its
units die) is a class attribute here, never a table of type names elsewhere.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, get_args

from torch import nn

from playground.graph.spec import (
    BLOCK_CATEGORIES,
    BlockRole,
    BlockSpec,
    ParamSpec,
    PortSpec,
    Shape,
    TaskSpec,
    format_shape,
)

# How a block treats integer token ids arriving on its inputs: "consume" them (Embedding),
# "carry" them through unchanged in kind (reshaping, slicing, splitting), or "refuse" them
# (everything that computes with real numbers: the checker says "put an Embedding first").
TokenUse = Literal["refuse", "carry", "consume"]

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
    # ---- roles (checked by ``register``)
    role: ClassVar[BlockRole] = "layer"
    tokens: ClassVar[TokenUse] = "refuse"
    # Its units can die: stuck at exactly zero for every input (a ReLU), so probes count them.
    can_die: ClassVar[bool] = False
    # The per-sample axis of its output that holds its units or channels: 0 for channels-first
    # layouts (convolutions, pools: N×C×L, N×C×H×W), -1 for features-last (Linear, sequence and
    # attention blocks: N×T×F), None when the output keeps its input's layout (see unit_axis).
    channel_axis: ClassVar[int | None] = None

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
            cls.legacy_types, cls.role,
        )


def declaration_problems(cls: type[Block]) -> list[str]:
    """What is inconsistent in a block's declared category and roles (empty when it is sound)."""
    problems = []
    if cls.category not in BLOCK_CATEGORIES:
        problems.append(f"category {cls.category!r} is not one of {', '.join(BLOCK_CATEGORIES)}")
    if cls.role not in get_args(BlockRole):
        problems.append(f"role {cls.role!r} is not one of {get_args(BlockRole)}")
    elif (cls.role in ("input", "source")) != (not cls.inputs):
        problems.append(f"a block with role {cls.role!r} must have " +
                        ("no inputs" if cls.role in ("input", "source") else "an input"))
    elif (cls.role == "output") != (not cls.outputs):
        problems.append("an output block has no outputs, and every other block has one")
    if cls.tokens not in get_args(TokenUse):
        problems.append(f"tokens {cls.tokens!r} is not one of {get_args(TokenUse)}")
    if cls.channel_axis not in (None, 0, -1):
        problems.append(f"channel_axis must be 0, -1 or None, not {cls.channel_axis!r}")
    return problems


def register(cls: type[Block]) -> type[Block]:
    if cls.type in BLOCKS:
        raise ValueError(f"block type {cls.type!r} declared twice")
    problems = declaration_problems(cls)
    if problems:
        raise ValueError(f"block {cls.type!r}: " + "; ".join(problems))
    BLOCKS[cls.type] = cls
    for old in cls.legacy_types:
        LEGACY[old] = cls.type
    return cls


def block_for(type_name: str) -> type[Block] | None:
    """The block declaring ``type_name`` (legacy names included), or None for an unknown type."""
    return BLOCKS.get(LEGACY.get(type_name, type_name))


def role_of(type_name: str) -> BlockRole | None:
    """The declared role of ``type_name`` ("input", "output", "source", "layer"), None if unknown."""
    block = block_for(type_name)
    return block.role if block is not None else None


def unit_axis(block: type[Block] | None, shape: Shape) -> int:
    """The axis of a per-sample output ``shape`` whose entries are the block's units (a probe
    takes one activation mean per unit): the block's ``channel_axis``; for a block that keeps
    its input's layout (or an unknown one), axis 0 of an image-like 3-D output, else the last."""
    rank = len(shape)
    if rank < 2:
        return rank - 1
    axis = block.channel_axis if block is not None else None
    if axis is None:
        axis = 0 if rank == 3 else -1
    return axis % rank


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
