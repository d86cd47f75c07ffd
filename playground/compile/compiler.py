"""Graph -> torch.nn.Module.

Nodes run in topological order from a precomputed plan (a list of steps over a
register file), so the per-step overhead stays close to a hand-written
``nn.Sequential``. Submodules are named by node id, so ``state_dict`` keys read
``"{node_id}.{param}"`` (``n3.weight``): trained weights, optimizer state and
probes follow a block through a rename. Readable, label-based names
(``fc1.weight``) are for people and exported code: :meth:`CompiledModel.readable_key`
and :meth:`CompiledModel.readable_state_dict` map one to the other.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping
from typing import Any, cast

import torch
from torch import nn

from playground.compile.blocks.base import params_with_defaults
from playground.compile.blocks.io import resolve_loss
from playground.compile.check import check
from playground.compile.shapes import block_for
from playground.graph.model import Graph
from playground.graph.spec import Diagnostic, Shape, TaskSpec
from playground.graph.validate import topological_order

_RESERVED = set(dir(nn.Module)) | {"x", "self", "torch", "nn", "F", "math"}
# attributes CompiledModel sets on itself: a node id equal to one cannot name a submodule
_OWN_FIELDS = {"node_names", "node_types", "node_labels", "output_shapes", "input_node", "output_node",
               "output_shape", "loss_name", "taps", "captured", "last_aux_loss"}


class CompileError(ValueError):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("cannot build the network: " + "; ".join(d.message for d in diagnostics[:10]))


def attr_name(label: str) -> str:
    """Python attribute/variable name for a node label (labels are identifiers already)."""
    if label in _RESERVED or keyword.iskeyword(label) or label.startswith("_"):
        return label + "_"
    return label


def module_name(node_id: str, taken: set[str]) -> str:
    """Submodule name for a node: its id, unless the id cannot name a torch submodule (a dot, a
    name the module already uses); such ids (never made by the app) get a close, unique spelling."""
    name = node_id
    if not name or "." in name or name.startswith("_") or name in _RESERVED or name in _OWN_FIELDS \
            or hasattr(CompiledModel, name):
        name = "node_" + name.replace(".", "_")
    while name in taken:
        name += "_"
    return name


def readable_names(labels: Mapping[str, str]) -> dict[str, str]:
    """node id -> unique Python attribute name from its label (``fc1``, ``class_``), for people and code."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for nid, label in labels.items():
        name = attr_name(label)
        while name in used:
            name += "_"
        used.add(name)
        out[nid] = name
    return out


class CompiledModel(nn.Module):
    """The network as a torch module.

    ``forward(x)`` returns the tensor fed to the Output block. Extras:
    ``aux_loss()`` (e.g. a VAE's KL term from the last forward), ``taps``
    (node ids whose outputs are captured into ``captured``), and
    ``attention_maps()`` from every attention block.
    """

    def __init__(self, graph: Graph, task: TaskSpec | None) -> None:
        super().__init__()
        report = check(graph, task)
        if report.errors:
            raise CompileError(report.errors)
        order, _ = topological_order(graph)
        output = next(n for n in graph.nodes.values() if n.type == "Output")
        needed = _ancestors(graph, output.id)
        slot: dict[tuple[str, str], int] = {}
        self.node_names: dict[str, str] = {}  # node id -> submodule name (the id itself)
        self.node_types: dict[str, str] = {}
        self.node_labels: dict[str, str] = {}  # node id -> label when compiled (for readable names)
        self.output_shapes: dict[str, dict[str, Shape]] = report.node_outputs
        # (module, input slots (-1: unconnected optional), output slots, several outputs?, node id)
        self._steps: list[tuple[nn.Module, tuple[int, ...], tuple[int, ...], bool, str]] = []
        self._input_slot = -1
        self.input_node = next((n.id for n in graph.nodes.values() if n.type == "Input"), "")
        incoming = {nid: {e.dst.port: e for e in graph.edges_into(nid)} for nid in graph.nodes}
        for nid in order:
            if nid not in needed:
                continue
            node = graph.nodes[nid]
            block = block_for(node.type)
            assert block is not None
            p = params_with_defaults(block, node.params)
            ins: dict[str, Shape] = {}
            in_slots: list[int] = []
            for port in block.inputs:
                edge = incoming[nid].get(port.name)
                if edge is None:
                    in_slots.append(-1)
                    continue
                in_slots.append(slot[(edge.src.node_id, edge.src.port)])
                ins[port.name] = report.node_outputs[edge.src.node_id][edge.src.port]
            if node.type == "Output":
                self._output_slot = in_slots[0]
                self.output_node = nid
                self.output_shape = ins["in"]
                self.loss_name = resolve_loss(p["loss"], task, ins["in"]) if task else "mse"
                continue
            out_slots = []
            for port in block.outputs:
                slot[(nid, port.name)] = len(slot)
                out_slots.append(slot[(nid, port.name)])
            if node.type == "Input":
                self._input_slot = out_slots[0]
                self.input_node = nid
                continue
            module = block.build(p, ins, task)
            name = module_name(nid, set(self.node_names.values()))
            self.add_module(name, module)
            self.node_names[nid] = name
            self.node_types[nid] = node.type
            self.node_labels[nid] = node.label
            self._steps.append((module, tuple(in_slots), tuple(out_slots), len(out_slots) > 1, nid))
        self._n_slots = len(slot)
        names = readable_names(self.node_labels)
        self._readable = {self.node_names[nid]: name for nid, name in names.items()}  # submodule -> label name
        # duck-typed: modules with ``aux_loss`` (VAESampler) and ``last_attention``/``record`` (attention)
        self._aux: list[Any] = [m for m, *_ in self._steps if getattr(m, "has_aux_loss", False)]
        self._attn: dict[str, Any] = {nid: m for m, _, _, _, nid in self._steps if hasattr(m, "last_attention")}
        self.taps: set[str] = set()
        self.captured: dict[str, torch.Tensor] = {}
        self.last_aux_loss: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v: list[Any] = [None] * self._n_slots
        if self._input_slot >= 0:
            v[self._input_slot] = x
        taps = self.taps
        for module, in_slots, out_slots, multi, nid in self._steps:
            if in_slots:
                out = module(*[v[i] if i >= 0 else None for i in in_slots])
            else:  # a source (Parameter, Constant): (1, ...) expanded to the batch, as a view
                out = module()
                out = out.expand(x.shape[0], *out.shape[1:])
            if multi:
                for s, o in zip(out_slots, out, strict=False):
                    v[s] = o
            else:
                v[out_slots[0]] = out
            if taps and nid in taps:
                self.captured[nid] = (out[0] if multi else out).detach()
        if self._aux:
            total: Any = 0
            for m in self._aux:
                total = total + m.aux_loss
            self.last_aux_loss = total
        if taps and self.input_node and self.input_node in taps:
            self.captured[self.input_node] = x.detach()
        return v[self._output_slot]

    def aux_loss(self) -> torch.Tensor | None:
        return self.last_aux_loss

    def record_attention(self, on: bool) -> None:
        for m in self._attn.values():
            setattr(m, "record", on)  # noqa: B010 (a plain attribute of the attention block)

    def attention_maps(self) -> dict[str, torch.Tensor]:
        """node id -> (N, heads, queries, keys) weights from the last recorded forward."""
        return {nid: cast(torch.Tensor, m.last_attention) for nid, m in self._attn.items()
                if m.last_attention is not None}

    def node_module(self, node_id: str) -> nn.Module:
        return getattr(self, self.node_names[node_id])

    def parameter_owner(self) -> dict[str, str]:
        """state_dict key -> node id."""
        inv = {name: nid for nid, name in self.node_names.items()}
        return {k: inv[k.split(".", 1)[0]] for k in self.state_dict() if k.split(".", 1)[0] in inv}

    def readable_names(self) -> dict[str, str]:
        """node id -> the label-based attribute name exported code uses for that block."""
        return {nid: self._readable[name] for nid, name in self.node_names.items()}

    def readable_key(self, key: str) -> str:
        """``"n3.weight"`` -> ``"fc1.weight"`` (keys of no block come back unchanged)."""
        head, dot, rest = key.partition(".")
        name = self._readable.get(head)
        return key if name is None else name + dot + rest

    def readable_state_dict(self, state: Mapping[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
        """``state`` (default: this model's own) with label-based keys: what exported code loads."""
        state = self.state_dict() if state is None else state
        return {self.readable_key(key): value for key, value in state.items()}


def _ancestors(graph: Graph, node_id: str) -> set[str]:
    seen = {node_id}
    frontier = [node_id]
    while frontier:
        nid = frontier.pop()
        for e in graph.edges_into(nid):
            if e.src.node_id not in seen:
                seen.add(e.src.node_id)
                frontier.append(e.src.node_id)
    return seen


def compile_graph(graph: Graph, task: TaskSpec | None) -> CompiledModel:
    """Validate and build; raise CompileError listing the diagnostics if the graph is not ready."""
    return CompiledModel(graph, task)
