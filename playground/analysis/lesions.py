"""Lesions: take a part out of a trained network without retraining, and put it back.

A lesion is a forward hook on the compiled module (the weights are never touched), so it is
reversible: ``apply_lesions`` returns a handle whose ``remove()`` restores the network.

* ``bypass``: the block becomes the identity; refused (with the reason) unless its output has
  the shape of its input;
* ``zero_units``: the chosen units (features, channels) of its output read zero; for attention
  blocks the units are heads: a head's share of the mixed values is zeroed before the output
  projection;
* ``cut_branch``: an Add keeps only its skip input (the input whose source feeds the other).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from playground.compile.blocks.attention import MultiHeadAttention
from playground.compile.blocks.base import block_for, unit_axis
from playground.compile.compiler import CompiledModel
from playground.graph.model import Graph
from playground.graph.spec import format_shape

KINDS = ("bypass", "zero_units", "cut_branch")


class LesionError(ValueError):
    """A lesion that cannot be made, phrased for a person."""


@dataclass(frozen=True)
class Lesion:
    kind: str  # one of KINDS
    node_id: str
    units: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "node_id": self.node_id, "units": list(self.units)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lesion:
        return cls(str(data["kind"]), str(data["node_id"]), tuple(int(u) for u in data.get("units", ())))


class LesionHandle:
    """The hooks of applied lesions; ``remove()`` takes them all off again."""

    def __init__(self, handles: list[RemovableHandle]) -> None:
        self._handles = handles

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> LesionHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _label(graph: Graph, node_id: str) -> str:
    node = graph.nodes.get(node_id)
    return f'{node.type} "{node.label}"' if node is not None else f"block {node_id}"


def _attention_modules(module: nn.Module) -> list[MultiHeadAttention]:
    return [m for m in module.modules() if isinstance(m, MultiHeadAttention)]


def unit_count(model: CompiledModel, graph: Graph, node_id: str) -> int:
    """How many units ``zero_units`` can choose from: heads for attention, else features/channels."""
    heads = _attention_modules(model.node_module(node_id))
    if heads:
        return heads[0].heads
    shape = next(iter(model.output_shapes[node_id].values()))
    if not shape:
        return 1
    return shape[unit_axis(block_for(graph.nodes[node_id].type), shape)]


def skip_port(graph: Graph, node_id: str) -> int:
    """Index of the Add input that is the skip (its source feeds the other input's branch)."""
    edges = {e.dst.port: e.src.node_id for e in graph.edges_into(node_id)}
    if set(edges) != {"a", "b"}:
        raise LesionError(f"{_label(graph, node_id)} needs both inputs wired to cut a branch")
    for index, (mine, other) in enumerate(((edges["a"], edges["b"]), (edges["b"], edges["a"]))):
        if mine in _ancestors(graph, other):
            return index
    raise LesionError(f"{_label(graph, node_id)} joins two separate paths, not a branch and its skip, "
                      "so there is no branch to cut")


def _ancestors(graph: Graph, node_id: str) -> set[str]:
    seen: set[str] = set()
    frontier = [node_id]
    while frontier:
        for e in graph.edges_into(frontier.pop()):
            if e.src.node_id not in seen:
                seen.add(e.src.node_id)
                frontier.append(e.src.node_id)
    return seen


def check_lesion(model: CompiledModel, graph: Graph, lesion: Lesion) -> None:
    """LesionError saying why ``lesion`` cannot be made on this network (None when it can)."""
    if lesion.kind not in KINDS:
        raise LesionError(f"unknown lesion {lesion.kind!r}; choose one of: {', '.join(KINDS)}")
    if lesion.node_id not in model.node_names:
        raise LesionError(f"{_label(graph, lesion.node_id)} is not a block of the compiled network "
                          "(an input, an output or not connected)")
    what = _label(graph, lesion.node_id)
    outs = model.output_shapes[lesion.node_id]
    if lesion.kind == "bypass":
        ins = [model.output_shapes[e.src.node_id][e.src.port] for e in graph.edges_into(lesion.node_id)]
        if len(ins) != 1 or len(outs) != 1:
            raise LesionError(f"{what} cannot be bypassed: only a block with one input and one output can "
                              "become the identity")
        out = next(iter(outs.values()))
        if ins[0] != out:
            raise LesionError(f"{what} cannot be bypassed: its input is {format_shape(ins[0])} but its "
                              f"output is {format_shape(out)}, and the next block needs that shape")
    elif lesion.kind == "cut_branch":
        if graph.nodes[lesion.node_id].type != "Add":
            raise LesionError(f"{what} is not an Add: only an Add's residual branch can be cut")
        skip_port(graph, lesion.node_id)
    else:
        if not lesion.units:
            raise LesionError(f"{what}: say which units to zero")
        n = unit_count(model, graph, lesion.node_id)
        bad = [u for u in lesion.units if not 0 <= u < n]
        if bad:
            noun = "heads" if _attention_modules(model.node_module(lesion.node_id)) else "units"
            raise LesionError(f"{what} has {n} {noun} (0 to {n - 1}); {bad[0]} is not one of them")


def apply_lesions(model: CompiledModel, graph: Graph, lesions: Iterable[Lesion]) -> LesionHandle:
    """Hook every lesion onto ``model``; all are checked first, so a refused one changes nothing."""
    lesions = list(lesions)
    for lesion in lesions:
        check_lesion(model, graph, lesion)
    handles: list[RemovableHandle] = []
    for lesion in lesions:
        module = model.node_module(lesion.node_id)
        if lesion.kind == "bypass":
            handles.append(module.register_forward_hook(lambda m, args, out: args[0]))
        elif lesion.kind == "cut_branch":
            keep = skip_port(graph, lesion.node_id)
            handles.append(module.register_forward_hook(lambda m, args, out, k=keep: args[k]))
        else:
            handles.extend(_zero_units(model, graph, lesion))
    return LesionHandle(handles)


def _zero_units(model: CompiledModel, graph: Graph, lesion: Lesion) -> list[RemovableHandle]:
    module = model.node_module(lesion.node_id)
    attention = _attention_modules(module)
    if attention:
        handles = []
        for attn in attention:
            keep = torch.ones(attn.heads * attn.head_dim)
            for h in lesion.units:
                keep[h * attn.head_dim:(h + 1) * attn.head_dim] = 0.0

            def mute(m: nn.Module, args: Any, keep: torch.Tensor = keep) -> tuple[torch.Tensor, ...]:
                return (args[0] * keep.to(args[0].device, args[0].dtype),)

            handles.append(attn.out.register_forward_pre_hook(mute))
        return handles
    shape = next(iter(model.output_shapes[lesion.node_id].values()))
    axis = unit_axis(block_for(graph.nodes[lesion.node_id].type), shape) if shape else 0
    view = [1] * (len(shape) + 1)
    if shape:
        view[axis + 1] = shape[axis]
    keep = torch.ones(shape[axis] if shape else 1)
    keep[list(lesion.units)] = 0.0
    keep = keep.view(view)

    def zero(m: nn.Module, args: Any, out: Any) -> Any:
        if isinstance(out, tuple):
            return tuple(o * keep.to(o.device, o.dtype) for o in out)
        return out * keep.to(out.device, out.dtype)

    return [module.register_forward_hook(zero)]


def single_lesion(model: CompiledModel, graph: Graph, node_id: str) -> Lesion | None:
    """The one lesion the lesion table makes for a block: cut an Add's branch, else bypass it;
    None when the block allows neither."""
    kind = "cut_branch" if graph.nodes[node_id].type == "Add" else "bypass"
    lesion = Lesion(kind, node_id)
    try:
        check_lesion(model, graph, lesion)
    except LesionError:
        return None
    return lesion


def lesions_from(data: Sequence[dict[str, Any]]) -> list[Lesion]:
    return [Lesion.from_dict(d) for d in data]
