"""Trained tensors across an edit of the network.

Layer: train (imports compile, graph, torch; never Qt).

* :func:`graph_fingerprint` says what a trained model depends on, so an edit that does
  not touch it (moving, grouping or renaming a block) keeps the trainer as it is.
* :func:`carry_matching` copies the trained tensors that still fit into a new model and
  says exactly which ones were re-initialised, and why (``fc1.weight (16×7 → 5×7)``).
  A layer made wider or narrower (a unit or channel added or removed, as the canvas's +/−
  buttons do) keeps the units both shapes share: in layers whose tensors hold one row per
  unit (Linear, convolutions, norms) the leading slice is carried and only new units start
  fresh (see :func:`_shares_units`).
* :func:`fit_weights_to_graph` does the same for weights about to be saved, so a session
  file never holds weights that do not fit its own network.

Weights are keyed by ``state_dict`` key, ``"{node_id}.{param}"``: a block keeps its
tensors through a rename, and a new block never inherits the tensors of a deleted one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from playground.compile.compiler import CompiledModel, CompileError, compile_graph
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.train.config import TrainConfig
from playground.train.optim import init_weights


def graph_fingerprint(graph: Graph) -> str:
    """What a trained model depends on: block ids, types, params and wires. Labels, positions
    and groups are left out: weights are keyed by node id, so a renamed block keeps them."""
    nodes = sorted((n.id, n.type, json.dumps(n.params, sort_keys=True, default=str))
                   for n in graph.nodes.values())
    edges = sorted((e.src.node_id, e.src.port, e.dst.node_id, e.dst.port) for e in graph.edges.values())
    return json.dumps([nodes, edges])


def dims(shape: tuple[int, ...]) -> str:
    """``16×7`` (a 0-d tensor reads ``scalar``)."""
    return "×".join(str(s) for s in shape) or "scalar"


@dataclass(frozen=True)
class ResetTensor:
    """A trained tensor the new network has under the same key, but in another shape."""

    key: str  # state_dict key, "{node_id}.{param}"
    name: str  # the same with the block's label, "fc1.weight"
    old_shape: tuple[int, ...]
    new_shape: tuple[int, ...]

    def describe(self) -> str:
        return f"{self.name} ({dims(self.old_shape)} → {dims(self.new_shape)}) re-initialised"

    @property
    def common_shape(self) -> tuple[int, ...]:
        return tuple(min(a, b) for a, b in zip(self.old_shape, self.new_shape, strict=True))

    def describe_resized(self) -> str:
        return (f"{self.name} ({dims(self.old_shape)} → {dims(self.new_shape)}) kept "
                f"{dims(self.common_shape)} of it")


@dataclass
class CarryReport:
    """What happened to trained tensors when they met a (possibly edited) network.

    ``kept``: keys copied over; ``reset``: keys whose shape no longer fits, given fresh values;
    ``added``: readable names of tensors with nothing trained to carry (a new block);
    ``dropped``: keys of trained tensors the network no longer has (a deleted block);
    ``resized``: those of ``reset`` that belong to a layer that gained or lost units: they are
    kept for the units both shapes have (a reset tensor is any whose shape changed, so a run
    cannot simply go on with it).
    ``problem`` is set when the network cannot be built at all, and then nothing is kept.
    """

    kept: list[str] = field(default_factory=list)
    reset: list[ResetTensor] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    problem: str = ""
    resized: list[ResetTensor] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """Every trained tensor fitted and nothing was new or left over."""
        return not (self.reset or self.added or self.dropped or self.problem)

    def lines(self) -> list[str]:
        """One line per re-initialised tensor (what a person needs to hear), then new ones."""
        if self.problem:
            return [f"the network cannot be built ({self.problem}), so its trained weights were not kept"]
        out = [r.describe_resized() if r in self.resized else r.describe() for r in self.reset]
        if self.added:
            out.append(f"{', '.join(self.added)} start{'s' * (len(self.added) == 1)} from fresh values (new)")
        return out

    def describe(self, limit: int = 6) -> str:
        """A short paragraph for a message box or a status line."""
        if self.problem:
            return self.lines()[0]
        total = len(self.kept) + len(self.reset) + len(self.added)
        head = f"Kept trained weights for {len(self.kept)} of {total} tensors"
        lines = self.lines()
        if not lines:
            return head
        shown = lines[:limit] + ([f"and {len(lines) - limit} more"] if len(lines) > limit else [])
        return head + "; " + "; ".join(shown)


def _readable(model: nn.Module, key: str) -> str:
    return model.readable_key(key) if isinstance(model, CompiledModel) else key


# Layers whose tensors hold units (or channels) along their first two axes, one independent
# slice per unit: a wider or narrower layer keeps the slices of the units it still has. Not
# recurrent or attention layers, whose rows interleave gates or heads.
_UNIT_LAYERS: tuple[type[nn.Module], ...] = (
    nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
    nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm,
)


def _shares_units(model: nn.Module, key: str, old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """True when ``key`` belongs to a unit layer and the shapes differ only in their unit axes
    (the first two: out and in), so the leading slice means the same units in both."""
    if len(old) != len(new) or not old or old[2:] != new[2:]:
        return False
    owner = key.rsplit(".", 1)[0] if "." in key else ""
    try:
        module = model.get_submodule(owner)
    except AttributeError:
        return False
    return isinstance(module, _UNIT_LAYERS)


def compare(old: Mapping[str, torch.Tensor], model: nn.Module) -> CarryReport:
    """Which tensors of ``old`` fit ``model`` (same key and shape, or a unit layer's shared
    units), without changing anything."""
    own = model.state_dict()
    report = CarryReport()
    for key, value in own.items():
        before = old.get(key)
        if before is None:
            report.added.append(_readable(model, key))
        elif tuple(before.shape) == tuple(value.shape):
            report.kept.append(key)
        else:
            change = ResetTensor(key, _readable(model, key), tuple(before.shape), tuple(value.shape))
            report.reset.append(change)
            if _shares_units(model, key, change.old_shape, change.new_shape):
                report.resized.append(change)
    report.dropped = [k for k in old if k not in own]
    return report


def carry_matching(old: Mapping[str, torch.Tensor], model: nn.Module) -> CarryReport:
    """Copy the tensors of ``old`` into ``model`` where the state_dict key and shape match, and
    the shared units of a layer made wider or narrower; the rest keep ``model``'s fresh values.
    The report says which were kept, kept in part and reset."""
    report = compare(old, model)
    if report.kept or report.resized:  # (resized ones are also in reset: their shape changed)
        own = model.state_dict()
        merged = dict(own)
        for k in report.kept:
            merged[k] = old[k].to(own[k].device, own[k].dtype)
        for r in report.resized:
            part = tuple(slice(0, n) for n in r.common_shape)
            tensor = own[r.key].clone()
            tensor[part] = old[r.key][part].to(tensor.device, tensor.dtype)
            merged[r.key] = tensor
        model.load_state_dict(merged)
    return report


def fresh_model(graph: Graph, task: TaskSpec, config: TrainConfig) -> CompiledModel:
    """The network with the initial weights a Trainer with ``config`` starts from (same seed,
    same values), built without touching the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = compile_graph(graph, task)
    init_weights(model, config.init, torch.Generator().manual_seed(config.seed))
    return model


def fit_weights_to_graph(weights: Mapping[str, torch.Tensor], graph: Graph, task: TaskSpec,
                         config: TrainConfig | None = None) -> tuple[dict[str, torch.Tensor] | None, CarryReport]:
    """``weights`` made to fit ``graph``: every tensor whose key and shape still fit is kept, the
    rest are re-initialised as a Trainer with ``config`` would start them, and tensors of blocks
    that are gone are left out. A graph that cannot be built gives ``None`` (drop the weights)
    and a report whose ``problem`` says why. Returns CPU tensors, ready to save."""
    config = config or TrainConfig()
    try:
        model = fresh_model(graph, task, config)
    except CompileError as err:
        first = err.diagnostics[0].message if err.diagnostics else str(err)
        return None, CarryReport(dropped=list(weights), problem=first)
    report = carry_matching(weights, model)
    fitted = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return fitted, report


def preview_carry(weights: Mapping[str, torch.Tensor], graph: Graph, task: TaskSpec) -> CarryReport:
    """What :func:`carry_matching` would keep and reset if the network were built from ``graph``
    now (for the question a person is asked before anything changes)."""
    try:
        with torch.random.fork_rng(devices=[]):
            model = compile_graph(graph, task)
    except CompileError as err:
        first = err.diagnostics[0].message if err.diagnostics else str(err)
        return CarryReport(dropped=list(weights), problem=first)
    return compare(weights, model)
