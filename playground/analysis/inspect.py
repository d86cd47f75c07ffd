"""The step-through inspector: run a trained network on one input and keep every block's output,
in topological order, with its shape, min/max/mean and share of zeros; attention blocks open
into their parts (``inspect_parts``).

It is one real forward pass of the compiled network (hooks only look), so the last step, what
the network hands its Output block, is ``model(input)`` itself. The input is chosen with an
``InputChoice`` (``inspect_input``) and checked before anything runs; nothing is modified.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from playground.analysis.evaluation import trained_model
from playground.analysis.inspect_input import InputChoice, make_input
from playground.analysis.inspect_parts import attention_parts, has_parts
from playground.analysis.lesions import Lesion, apply_lesions
from playground.compile.compiler import CompiledModel
from playground.data import DataBundle
from playground.graph.model import Graph
from playground.graph.spec import format_shape
from playground.graph.validate import topological_order
from playground.session.model import Session

VALUES_LIMIT = 4096  # JSON carries a tensor's numbers up to this many (its statistics always)
SMALL = 64  # a tensor this small is shown as numbers, a larger one as a heatmap


@dataclass(frozen=True)
class TensorStats:
    shape: tuple[int, ...]
    min: float
    max: float
    mean: float
    zero_share: float  # of all entries
    masked: int = 0  # entries that are not finite (a causal mask's −∞), left out of min/max/mean


def tensor_stats(tensor: torch.Tensor) -> TensorStats:
    t = tensor.detach().to(torch.float64).reshape(-1)
    finite = t[torch.isfinite(t)]
    zeros = float((t == 0).sum()) / t.numel() if t.numel() else 0.0
    if finite.numel() == 0:
        nan = float("nan")
        return TensorStats(tuple(tensor.shape), nan, nan, nan, zeros, int(t.numel()))
    return TensorStats(tuple(tensor.shape), float(finite.min()), float(finite.max()), float(finite.mean()),
                       zeros, int(t.numel() - finite.numel()))


@dataclass(frozen=True)
class InspectStep:
    """One block's output (one sample, no batch dimension), or one part of an attention block."""

    label: str
    type: str  # the block type; "part" for a part of an attention block
    tensor: torch.Tensor
    node_id: str = ""
    note: str = ""
    parts: tuple[InspectStep, ...] = ()

    @property
    def stats(self) -> TensorStats:
        return tensor_stats(self.tensor)

    @property
    def small(self) -> bool:
        return self.tensor.numel() <= SMALL

    def to_dict(self, values_limit: int = VALUES_LIMIT) -> dict[str, Any]:
        s = self.stats
        out: dict[str, Any] = {"label": self.label, "type": self.type, "shape": list(s.shape),
                               "min": _finite(s.min), "max": _finite(s.max), "mean": _finite(s.mean),
                               "zero_share": s.zero_share}
        if self.node_id:
            out["node_id"] = self.node_id
        if self.note:
            out["note"] = self.note
        if s.masked:
            out["masked"] = s.masked
        out["values"] = _values(self.tensor) if self.tensor.numel() <= values_limit else None
        if self.parts:
            out["parts"] = [p.to_dict(values_limit) for p in self.parts]
        return out


def _finite(v: float) -> float | None:
    return v if np.isfinite(v) else None


def _values(tensor: torch.Tensor) -> Any:
    """Nested lists of plain numbers; a masked (non-finite) entry becomes None (JSON has no −∞)."""
    array = tensor.detach().cpu().numpy()
    if array.dtype.kind in "iub":
        return array.tolist()
    as_objects = array.astype(object)
    as_objects[~np.isfinite(array)] = None
    return as_objects.tolist()


@dataclass(frozen=True)
class Inspection:
    """``steps``: the input, every block in topological order, then the Output (the tensor the
    network returns); ``prediction``: what that output says, in words ("" for regression)."""

    choice: InputChoice
    steps: list[InspectStep]
    prediction: str = ""
    notes: list[str] = field(default_factory=list)
    returned: torch.Tensor | None = None  # set when ``steps`` is cut down (``only``)

    @property
    def output(self) -> torch.Tensor:
        return self.steps[-1].tensor if self.returned is None else self.returned

    def flat(self) -> list[tuple[int, InspectStep]]:
        """Every step with its attention parts after it, as (depth, step): depth 1 for a part."""
        out: list[tuple[int, InspectStep]] = []
        for step in self.steps:
            out.append((0, step))
            out.extend((1, part) for part in step.parts)
        return out

    def step(self, label: str) -> InspectStep:
        for s in self.steps:
            if s.label == label:
                return s
        raise KeyError(label)

    def only(self, label: str) -> Inspection:
        """The same inspection cut down to one block (its parts kept); InspectInputError naming the
        blocks there are when no step has that label."""
        from playground.analysis.inspect_input import InspectInputError

        kept = [s for s in self.steps if s.label == label]
        if not kept:
            known = ", ".join(s.label for s in self.steps)
            raise InspectInputError(f"no block labelled {label!r} (blocks: {known})")
        return Inspection(self.choice, kept, self.prediction, list(self.notes), self.steps[-1].tensor)

    def to_dict(self, values_limit: int = VALUES_LIMIT) -> dict[str, Any]:
        return {"input": self.choice.to_dict(), "prediction": self.prediction, "notes": list(self.notes),
                "steps": [s.to_dict(values_limit) for s in self.steps], "output": _values(self.output)}

    def table(self) -> str:
        """A plain-text table for a terminal: a row per block, its attention parts indented."""
        head = ("#", "block", "type", "shape", "min", "max", "mean", "zeros")
        rows = []
        for index, step in enumerate(self.steps):
            rows.append(_row(str(index), step.label, step))
            rows.extend(_row("", "  › " + part.label, part) for part in step.parts)
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        fmt = lambda r: "  ".join(c.ljust(w) if i < 4 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
        lines = [f"input: {self.choice.describe()}", fmt(head), "-" * (sum(widths) + 2 * (len(widths) - 1))]
        lines += [fmt(r) for r in rows]
        lines.append(f"output: {_short(self.output)}")
        if self.prediction:
            lines.append(f"prediction: {self.prediction}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _row(index: str, label: str, step: InspectStep) -> tuple[str, ...]:
    s = step.stats
    return (index, label, step.type, format_shape(s.shape).removeprefix("N×") or "scalar", f"{s.min:.4g}",
            f"{s.max:.4g}", f"{s.mean:.4g}", f"{s.zero_share:.0%}")


def _short(tensor: torch.Tensor, limit: int = 12) -> str:
    flat = tensor.detach().reshape(-1)
    shown = ", ".join(f"{float(v):.4g}" for v in flat[:limit])
    more = f", … ({flat.numel()} values)" if flat.numel() > limit else ""
    return f"[{shown}{more}]"


# ----------------------------------------------------------------------------- running it
def inspect_session(session: Session, choice: InputChoice, bundle: DataBundle | None = None,
                    with_lesions: bool = True) -> Inspection:
    """Inspect a saved session's trained network (its lesions applied unless ``with_lesions`` is off)."""
    bundle = bundle if bundle is not None else session.bundle()
    lesions = [Lesion.from_dict(d) for d in session.lesions] if with_lesions else []
    return inspect_network(session.graph, session.weights, bundle, choice, lesions)


def inspect_network(graph: Graph, weights: dict[str, torch.Tensor] | None, bundle: DataBundle,
                    choice: InputChoice, lesions: Sequence[Lesion] = ()) -> Inspection:
    """Compile ``graph`` with ``weights`` and inspect it on ``choice``. The input is checked first
    (InspectInputError); an untrained network or weights that do not fit raise SessionError."""
    x = make_input(choice, bundle)
    model = trained_model(Session(graph=graph, dataset=bundle.name, weights=weights), bundle)
    with apply_lesions(model, graph, lesions):
        inspection = inspect_model(model, graph, x, choice, bundle)
    if lesions:
        inspection.notes.append(f"{len(lesions)} lesion(s) applied, as saved with the session")
    return inspection


def inspect_model(model: CompiledModel, graph: Graph, x: torch.Tensor, choice: InputChoice,
                  bundle: DataBundle | None = None) -> Inspection:
    """One forward pass of ``model`` (eval mode, batch of one) on ``x`` with every block's output kept."""
    order, _ = topological_order(graph)
    nodes = [nid for nid in order if nid in model.node_names]
    outputs: dict[str, Any] = {}
    inputs: dict[str, tuple] = {}
    handles = []
    for nid in nodes:
        module = model.node_module(nid)
        handles.append(module.register_forward_hook(lambda m, args, out, nid=nid: outputs.__setitem__(nid, out)))
        if has_parts(module):
            handles.append(module.register_forward_pre_hook(
                lambda m, args, nid=nid: inputs.__setitem__(nid, tuple(args))))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            result = model(x)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    steps = [InspectStep(_label(graph, model.input_node, "input"), "Input", x[0], model.input_node)]
    notes: list[str] = []
    for nid in nodes:
        steps.append(_block_step(model, graph, nid, outputs[nid], inputs.get(nid), notes))
    steps.append(InspectStep(_label(graph, model.output_node, "output"), "Output", result[0], model.output_node,
                             "what the network returns (before the loss)"))
    return Inspection(choice, steps, _prediction(model, result[0], bundle), notes)


def _label(graph: Graph, node_id: str, default: str) -> str:
    node = graph.nodes.get(node_id)
    return node.label if node is not None else default


def _block_step(model: CompiledModel, graph: Graph, nid: str, out: Any, args: tuple | None,
                notes: list[str]) -> InspectStep:
    node = graph.nodes[nid]
    if isinstance(out, tuple):  # several output ports: the first is the step, each is a part
        ports = [p.name for p in _block_outputs(node.type)]
        parts = tuple(InspectStep(f"output {name}", "part", o[0]) for name, o in zip(ports, out, strict=False))
        return InspectStep(node.label, node.type, out[0][0], nid, "", parts)
    tensor = out[0]
    module: nn.Module = model.node_module(nid)
    if args is None:
        return InspectStep(node.label, node.type, tensor, nid)
    parts = tuple(InspectStep(p.label, "part", p.tensor, "", p.note) for p in attention_parts(module, args))
    if parts and not torch.allclose(parts[-1].tensor, tensor, atol=1e-5, rtol=1e-4):
        notes.append(f'{node.label}: a lesion replaces the block\'s output, so its parts end elsewhere')
    return InspectStep(node.label, node.type, tensor, nid, "", parts)


def _block_outputs(block_type: str) -> tuple:
    from playground.compile.blocks.base import block_for

    block = block_for(block_type)
    return tuple(block.outputs) if block is not None else ()


def _prediction(model: CompiledModel, out: torch.Tensor, bundle: DataBundle | None) -> str:
    """What the output means: the likeliest class (and its probability), or tokens per position."""
    task = bundle.task if bundle is not None else None
    if task is None:
        return ""
    names = list(bundle.meta.get("class_names") or []) if bundle is not None else []
    if model.loss_name == "bce" and out.numel() == 1:
        p = float(torch.sigmoid(out.reshape(())))
        return f"class {_name(int(p > 0.5), names)} (P(class 1) = {p:.3f})"
    if model.loss_name != "cross_entropy" or out.ndim == 0:
        return ""
    probs = torch.softmax(out.to(torch.float64), dim=-1)
    if task.task == "sequence" or out.ndim > 1:
        return "tokens " + " ".join(str(int(i)) for i in probs.argmax(-1).reshape(-1))
    k = int(probs.argmax())
    return f"class {_name(k, names)} (p = {float(probs[k]):.3f})"


def _name(k: int, names: list[Any]) -> str:
    return f"{k} ({names[k]})" if k < len(names) and str(names[k]) != str(k) else str(k)


# ----------------------------------------------------------------------------- for heatmaps
def as_grid(tensor: torch.Tensor) -> np.ndarray:
    """A 2-D float array to draw a tensor as one heatmap: a vector is one row, a matrix itself, and
    higher ranks tile their leading axes (channels, heads) in a near-square grid of tiles, left to
    right then top to bottom, with a blank (NaN) line between tiles."""
    array = tensor.detach().cpu().to(torch.float64).numpy()
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1:
        return array.reshape(1, -1)
    if array.ndim == 2:
        return array
    tiles = array.reshape(-1, *array.shape[-2:])
    count, height, width = tiles.shape
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    grid = np.full((rows * (height + 1) - 1, cols * (width + 1) - 1), np.nan)
    for index, tile in enumerate(tiles):
        r, c = divmod(index, cols)
        grid[r * (height + 1):r * (height + 1) + height, c * (width + 1):c * (width + 1) + width] = tile
    return grid
