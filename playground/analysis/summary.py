"""Model summary: per block, its output shape, parameters, multiply–accumulates and activation
memory per sample; and the totals.

Counts are measured on the compiled network, not looked up in tables: multiply–accumulates
(MACs) come from torch's FLOP counter on one real forward pass (a MAC is two FLOPs), plus the
recurrent layers, whose fused kernels that counter does not see and whose cost is worked out
from their sizes. Elementwise work (activations, norms, softmax) is not counted, as is usual
for MACs. Forward memory is the bytes of the block's outputs for one sample; the training
estimate is what autograd keeps for the backward pass during a training-mode forward
(parameters excluded, each tensor counted once, for the block that made it), per sample.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from playground.compile.compiler import CompiledModel, compile_graph
from playground.graph.model import Graph
from playground.graph.spec import Shape, TaskSpec, format_shape
from playground.graph.validate import topological_order

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
_ROOT = "CompiledModel"
# a training-mode forward runs on this many samples (BatchNorm needs two) and is divided back
_TRAIN_BATCH = 2


@dataclass(frozen=True)
class SummaryRow:
    node_id: str
    label: str
    type: str
    output_shape: Shape
    params: int
    trainable: int
    macs: int  # multiply–accumulates per sample
    activation_bytes: int  # forward, per sample
    train_activation_bytes: int  # kept for the backward pass, per sample


@dataclass(frozen=True)
class Summary:
    rows: list[SummaryRow]

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def trainable(self) -> int:
        return sum(r.trainable for r in self.rows)

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def activation_bytes(self) -> int:
        return sum(r.activation_bytes for r in self.rows)

    @property
    def train_activation_bytes(self) -> int:
        return sum(r.train_activation_bytes for r in self.rows)

    def row(self, label: str) -> SummaryRow:
        for r in self.rows:
            if r.label == label:
                return r
        raise KeyError(label)

    def to_dict(self) -> dict[str, Any]:
        rows = [{**asdict(r), "output_shape": list(r.output_shape)} for r in self.rows]
        totals = {"params": self.params, "trainable": self.trainable, "macs": self.macs,
                  "activation_bytes": self.activation_bytes,
                  "train_activation_bytes": self.train_activation_bytes}
        return {"blocks": rows, "totals": totals}

    def table(self) -> str:
        """A plain-text table for a terminal."""
        head = ("block", "type", "output", "params", "trainable", "MACs", "act fwd", "act train")
        lines = [(r.label, r.type, format_shape(r.output_shape), f"{r.params:,}", f"{r.trainable:,}",
                  f"{r.macs:,}", _bytes(r.activation_bytes), _bytes(r.train_activation_bytes))
                 for r in self.rows]
        lines.append(("total", "", "", f"{self.params:,}", f"{self.trainable:,}", f"{self.macs:,}",
                      _bytes(self.activation_bytes), _bytes(self.train_activation_bytes)))
        widths = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head))]
        fmt = lambda row: "  ".join(str(c).ljust(w) if i < 3 else str(c).rjust(w)  # noqa: E731
                                    for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        return "\n".join([fmt(head), rule, *map(fmt, lines[:-1]), rule, fmt(lines[-1])])


def _bytes(n: int) -> str:
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def sample_input(task: TaskSpec, batch: int) -> torch.Tensor:
    """A batch the network accepts: zeros (token id 0 for token inputs)."""
    if task.input_dtype == "long":
        return torch.zeros((batch, *task.input_shape), dtype=torch.long)
    return torch.zeros((batch, *task.input_shape))


def model_summary(graph: Graph, task: TaskSpec, model: CompiledModel | None = None) -> Summary:
    """The summary of ``graph`` on ``task`` (compiles it unless ``model`` is given; weights do
    not change any count). Raises CompileError when the graph does not build."""
    model = model if model is not None else compile_graph(graph, task)
    order, _ = topological_order(graph)
    nodes = [nid for nid in order if nid in model.node_names]
    was_training = model.training
    try:
        macs = _macs(model, task, nodes)
        fwd, train = _activation_bytes(model, task, nodes)
    finally:
        model.train(was_training)
    rows = []
    for nid in nodes:
        module = model.node_module(nid)
        params = list(module.parameters())
        shapes = model.output_shapes.get(nid, {})
        shape = next(iter(shapes.values()), ())
        rows.append(SummaryRow(nid, graph.nodes[nid].label, graph.nodes[nid].type, tuple(shape),
                               sum(p.numel() for p in params),
                               sum(p.numel() for p in params if p.requires_grad),
                               macs.get(nid, 0), fwd.get(nid, 0), train.get(nid, 0)))
    return Summary(rows)


def _macs(model: CompiledModel, task: TaskSpec, nodes: list[str]) -> dict[str, int]:
    model.eval()
    seq_len: dict[nn.Module, int] = {}
    handles = [m.register_forward_pre_hook(lambda mod, args: seq_len.__setitem__(mod, args[0].shape[1]))
               for m in model.modules() if isinstance(m, nn.RNNBase)]
    try:
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            model(sample_input(task, 1))
    finally:
        for h in handles:
            h.remove()
    counts = counter.get_flop_counts()
    out: dict[str, int] = {}
    for nid in nodes:
        name = model.node_names[nid]
        flops = sum(counts.get(f"{_ROOT}.{name}", {}).values())
        rnn = sum(_recurrent_macs(m, seq_len.get(m, 0)) for m in model.node_module(nid).modules()
                  if isinstance(m, nn.RNNBase))
        out[nid] = int(flops) // 2 + rnn
    return out


def _recurrent_macs(rnn: nn.RNNBase, steps: int) -> int:
    """Per sample: at every step, each gate multiplies the layer input and the hidden state."""
    gates = _GATES.get(rnn.mode.split("_")[0], 1)
    dirs = 2 if rnn.bidirectional else 1
    h = rnn.hidden_size
    total = 0
    for layer in range(rnn.num_layers):
        width = rnn.input_size if layer == 0 else h * dirs
        total += dirs * steps * gates * h * (width + h)
    return total


def _activation_bytes(model: CompiledModel, task: TaskSpec, nodes: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    fwd: dict[str, int] = {}
    train: dict[str, int] = {nid: 0 for nid in nodes}
    current: list[str] = []
    param_storage = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: set[int] = set()
    producer: dict[int, str] = {}

    def enter(nid: str) -> Any:
        return lambda mod, args: current.append(nid)

    def leave(nid: str) -> Any:
        def hook(mod: nn.Module, args: Any, out: Any) -> None:
            current.pop()
            outs = out if isinstance(out, tuple) else (out,)
            tensors = [o for o in outs if isinstance(o, torch.Tensor)]
            fwd[nid] = sum(o.numel() * o.element_size() for o in tensors)
            for o in tensors:
                producer.setdefault(o.untyped_storage().data_ptr(), nid)
        return hook

    def pack(t: torch.Tensor) -> torch.Tensor:
        ptr = t.untyped_storage().data_ptr()
        if current and ptr not in param_storage and ptr not in seen:
            seen.add(ptr)
            # a block's output kept by the next block counts for the block that made it
            train[producer.get(ptr, current[-1])] += t.untyped_storage().nbytes()
        return t

    handles = []
    for nid in nodes:
        module = model.node_module(nid)
        handles.append(module.register_forward_pre_hook(enter(nid)))
        handles.append(module.register_forward_hook(leave(nid)))
    model.train()
    try:
        with torch.random.fork_rng(devices=[]), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            model(sample_input(task, _TRAIN_BATCH))
    finally:
        for h in handles:
            h.remove()
    fwd = {nid: v // _TRAIN_BATCH for nid, v in fwd.items()}
    return fwd, {nid: v // _TRAIN_BATCH for nid, v in train.items()}
