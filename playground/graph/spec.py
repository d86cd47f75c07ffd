"""Plain-data descriptions of blocks, ports, params, tasks and diagnostics.

The torch side (``playground.compile.blocks``) declares each block once and
derives a :class:`BlockSpec` from it; the graph layer only ever sees specs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ParamKind = Literal["int", "float", "bool", "choice", "str", "ints"]
Shape = tuple[int, ...]  # per-sample shape; the batch dimension N is implicit

# What a block is to the network as a whole (declared as ``role`` on each block class):
# "input" receives the dataset's batch, "output" gives the prediction the loss is taken on,
# "source" makes a tensor of its own with nothing wired in (a learned parameter, a constant),
# and every other block is a "layer".
BlockRole = Literal["input", "output", "source", "layer"]

# The block categories in the order the palette and listings show them; every block's
# ``category`` is one of these (registration refuses others). Their colours are UI: ui/canvas.
BLOCK_CATEGORIES: tuple[str, ...] = ("Input/Output", "Dense", "Convolution", "Activation", "Normalization",
                                     "Sequence", "Attention", "Structure")


@dataclass(frozen=True)
class ParamSpec:
    """One block parameter: type, default, allowed range and help text.

    ``optional`` params accept ``None`` meaning "auto" (inferred from the
    incoming shape), e.g. Linear's ``in_features``.
    """

    name: str
    kind: ParamKind
    default: Any
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False

    def check(self, value: Any) -> str | None:
        """Return a human message if ``value`` is not acceptable, else None."""
        if value is None:
            return None if self.optional else f"{self.name} must be set"
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"{self.name} must be true or false"
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{self.name} must be a whole number, got {value!r}"
            return self._range(value)
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"{self.name} must be a number, got {value!r}"
            if value != value or value in (float("inf"), float("-inf")):
                return f"{self.name} must be finite"
            return self._range(value)
        if self.kind == "choice":
            if value not in self.choices:
                return f"{self.name} must be one of {', '.join(self.choices)}; got {value!r}"
            return None
        if self.kind == "str":
            return None if isinstance(value, str) else f"{self.name} must be text"
        if self.kind == "ints":
            if not isinstance(value, (list, tuple)) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value
            ):
                return f"{self.name} must be a list of whole numbers, got {value!r}"
            if len(value) > 8:
                return f"{self.name} has too many entries ({len(value)} > 8)"
            for v in value:
                msg = self._range(v)
                if msg:
                    return msg
            return None
        return f"{self.name} has unknown kind {self.kind}"

    def _range(self, value: float) -> str | None:
        if self.min is not None and value < self.min:
            return f"{self.name} must be at least {self.min:g}, got {value:g}"
        if self.max is not None and value > self.max:
            return f"{self.name} must be at most {self.max:g}, got {value:g}"
        return None


@dataclass(frozen=True)
class PortSpec:
    name: str
    optional: bool = False
    help: str = ""


@dataclass(frozen=True)
class BlockSpec:
    """Everything the graph layer and the UI need to know about a block type."""

    type: str
    category: str
    description: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    params: tuple[ParamSpec, ...]
    legacy_types: tuple[str, ...] = ()
    role: BlockRole = "layer"

    def param(self, name: str) -> ParamSpec | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def defaults(self) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default)
                for p in self.params}

    def input_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.inputs)

    def output_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.outputs)


Catalog = Mapping[str, BlockSpec]

TaskKind = Literal["classification", "regression", "sequence", "reconstruction"]


@dataclass(frozen=True)
class TaskSpec:
    """What a dataset feeds in and expects out (no batch dimension).

    * classification: target is a class index, ``num_classes`` >= 2
    * regression: target is ``target_shape`` floats
    * sequence: target is (T,) token indices over ``num_classes`` symbols
    * reconstruction: target equals the input
    """

    task: TaskKind
    input_shape: Shape
    input_dtype: Literal["float", "long"] = "float"
    target_shape: Shape = ()
    num_classes: int = 0
    vocab_size: int = 0  # for token inputs: the embedding size needed

    def expected_output_shapes(self) -> list[Shape]:
        if self.task == "classification":
            shapes: list[Shape] = [(self.num_classes,)]
            if self.num_classes == 2:
                shapes.append((1,))  # binary head with BCE
            return shapes
        if self.task == "sequence":
            return [(*self.target_shape, self.num_classes)]
        if self.task == "reconstruction":
            return [self.input_shape]
        return [self.target_shape]


@dataclass(frozen=True)
class Diagnostic:
    """A problem a person can fix, attached to the node or edge it concerns."""

    severity: Literal["error", "warning"]
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    param: str | None = None

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


@dataclass
class ShapeReport:
    """Result of a check: per-edge shapes and all diagnostics."""

    edge_shapes: dict[str, Shape] = field(default_factory=dict)
    node_outputs: dict[str, dict[str, Shape]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def format_shape(shape: Shape) -> str:
    return "×".join(["N", *(str(s) for s in shape)])
