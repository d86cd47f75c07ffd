"""How much memory training a graph will take, known before any of it is spent.

    est = estimate_training(graph, task, config, samples=len(bundle.x_train))
    ensure_fits(est)          # MemoryBudgetError (a ValueError) with one line when it does not fit
    print(est.describe())

The estimate builds the network on torch's ``meta`` device (shapes only, no storage) and adds up,
per block, in bytes:

* parameters, their gradients and the optimizer's state (Adam/AdamW: 2 per parameter; SGD with
  momentum and RMSprop: 1, RMSprop with momentum: 2);
* the activations of one training step: batch × the block's output elements × 3 (the output
  kept for backward, its gradient, and one intermediate such as an activation mask);
* one validation pass (no gradients): a chunk of the validation set (as many samples as
  ``probes.PROBE_BYTES`` allows for the widest block) through the widest block, twice;
* the probes, with the inputs ``train/probes.py`` chooses for the per-probe budget
  ``PROBE_BYTES`` (the same arithmetic, counted conservatively):
  - boundary view (2-D inputs): the grid (64 × 64 points, coarser for wide networks, at least
    ``MIN_GRID`` squared) through every hidden layer with a flat output, kept at once and once
    more in flight, plus a float copy of up to 64 units each (before the probes scaled, a
    65,536-unit Linear and its ReLU peaked at 4.5 GB with 4,096 points);
  - activations view: the probe batch (128 samples, fewer for wide networks) through every
    block, kept at once, plus float copies;
  - weight and gradient histograms: about 6 bytes of scratch per parameter byte, each;
* a fixed cost per block (module objects, autograd nodes, its share of the record; a chain of
  4,990 Linear layers of 8 units measured 1.9 GB for one step, the estimate says 2.6 GB), and the
  runtime itself (Python, torch and the app's code: about 300 MB resident).

The budget (:func:`memory_budget`) is about a quarter of the machine's memory, lower under an
address-space limit (``ulimit -v``/``prlimit --as``), and can be set with
:func:`set_memory_budget` or the ``PLAYGROUND_MEMORY_BUDGET`` environment variable (bytes, or
with a K/M/G suffix). The session loader uses the same budget.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

import torch

from playground.graph.model import Graph
from playground.train.config import TrainConfig

RUNTIME_BYTES = 300 * 2**20  # python + torch + our modules, resident before training starts
PER_BLOCK_BYTES = 64 * 2**10  # module objects, autograd nodes, per-block record series
ACTIVATION_FACTOR = 3
BOUNDARY_UNITS = 64
HISTOGRAM_FACTOR = 6
DEFAULT_SAMPLES = 4096  # full-batch training set size assumed when the caller does not say
BUDGET_SHARE = 0.25
_OPTIMIZER_SLOTS = {"adam": 2, "adamw": 2, "sgd": 0, "rmsprop": 1}
_override: int | None = None


class MemoryBudgetError(ValueError):
    """Training (or opening a file) would need more memory than the budget allows."""


@dataclass
class MemoryEstimate:
    """``bytes``: the whole estimate; ``largest``: what dominates it, named for a person;
    ``parts``: bytes by what they are for ("training", "the boundary view", ...)."""

    bytes: int
    largest: str
    parts: dict[str, int] = field(default_factory=dict)

    @property
    def uses(self) -> str:
        """The purposes that account for most of the estimate ("training and the boundary view")."""
        ranked = sorted(((v, k) for k, v in self.parts.items() if k != "runtime"), reverse=True)
        top = [k for v, k in ranked if v >= 0.2 * self.bytes] or [k for _, k in ranked[:1]] or ["training"]
        return " and ".join(top[:3])

    def describe(self) -> str:
        detail = ", ".join(f"{k} {format_bytes(v)}" for k, v in
                           sorted(self.parts.items(), key=lambda kv: -kv[1]) if v >= 2**20)
        return f"training needs about {format_bytes(self.bytes)} ({detail}); most of it: {self.largest}"


def format_bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 10 and not float(value).is_integer() else f"{value:.0f} {unit}"
    return f"{int(n)} bytes"


def estimate_training(graph: Graph, task: Any, config: TrainConfig | None = None,
                      samples: int | None = None, val_samples: int | None = None) -> MemoryEstimate:
    """The memory a Trainer for ``graph`` on ``task`` (a TaskSpec) needs, before building one.

    ``samples``/``val_samples``: the sizes of the training and validation sets (a full batch
    when ``batch_size`` is 0 is that many samples; unknown: 4,096). Raises ``CompileError`` for
    a graph that cannot be built.
    """
    from playground.compile import compile_graph

    config = config or TrainConfig()
    with torch.device("meta"):
        model = compile_graph(graph, task)
    n_train = samples if samples is not None else DEFAULT_SAMPLES
    batch = n_train if config.batch_size == 0 else min(config.batch_size, max(n_train, 1))
    n_val = val_samples if val_samples is not None else min(n_train, DEFAULT_SAMPLES)
    slots = _OPTIMIZER_SLOTS.get(config.optimizer, 2)
    if config.optimizer == "sgd" and config.momentum > 0:
        slots = 1
    if config.optimizer == "rmsprop" and config.momentum > 0:
        slots = 2
    planar = tuple(getattr(task, "input_shape", ())) == (2,)

    owner = model.parameter_owner() if hasattr(model, "parameter_owner") else {}
    param_bytes: dict[str, int] = {}
    for key, p in model.named_parameters():
        nid = owner.get(key) or _owner_by_prefix(model, key)
        param_bytes[nid] = param_bytes.get(nid, 0) + p.numel() * p.element_size()

    # the probes size their inputs to PROBE_BYTES (train/probes.py): the same arithmetic here
    from playground.train import probes

    kept = [nid for nid in model.output_shapes if nid in model.node_names or nid == model.input_node]
    per_sample = sum(sum(math.prod(s) for s in model.output_shapes[n].values()) for n in kept) or 1
    plane_total = sum(sum(math.prod(s) for s in model.output_shapes[n].values())
                      for n in kept if n in model.node_names) or 1
    resolution = max(probes.MIN_GRID, min(probes.GRID, math.isqrt(max(probes.PROBE_BYTES // (4 * plane_total), 1))))
    grid_points = resolution * resolution
    stats_rows = max(1, min(probes.STATS_SAMPLES, probes.PROBE_BYTES // (4 * per_sample)))
    costs: dict[str, dict[str, int]] = {}
    widest = 0
    for nid, outs in model.output_shapes.items():
        if nid not in model.node_names and nid != model.input_node:
            continue
        elems = sum(math.prod(s) for s in outs.values())
        widest = max(widest, elems)
        c = costs.setdefault(nid, {})
        pb = param_bytes.get(nid, 0)
        c["training"] = pb * (2 + slots) + batch * elems * 4 * ACTIVATION_FACTOR + PER_BLOCK_BYTES
        c["the weight histograms"] = pb * HISTOGRAM_FACTOR * 2
        c["the activations view"] = stats_rows * elems * 4 * 2
        flat = all(len(s) == 1 for s in outs.values())
        if planar and flat and nid in model.node_names:
            c["the boundary view"] = grid_points * (2 * elems + min(elems, BOUNDARY_UNITS)) * 4
    chunk = max(1, min(probes.EVAL_CHUNK, probes.PROBE_BYTES // (4 * max(widest, 1))))
    validation = 2 * min(n_val, chunk) * widest * 4
    parts: dict[str, int] = {"runtime": RUNTIME_BYTES, "validation": validation}
    for c in costs.values():
        for what, b in c.items():
            parts[what] = parts.get(what, 0) + b
    total = sum(parts.values())
    largest = _largest(graph, model, costs, total - RUNTIME_BYTES)
    return MemoryEstimate(bytes=int(total), largest=largest, parts=parts)


def _owner_by_prefix(model: Any, key: str) -> str:
    prefix = key.split(".", 1)[0]
    for nid, name in model.node_names.items():
        if name == prefix:
            return str(nid)
    return prefix


def _largest(graph: Graph, model: Any, costs: dict[str, dict[str, int]], spent: int) -> str:
    if not costs:
        return "the runtime"
    nid, c = max(costs.items(), key=lambda kv: sum(kv[1].values()))
    if sum(c.values()) < 0.25 * max(spent, 1) and len(costs) > 8:
        return f"the network ({sum(1 for n in costs if n in model.node_names):,} blocks)"
    node = graph.nodes.get(nid)
    if node is None:
        return "the input"
    name = f'{node.type} "{node.label}"'
    units = node.params.get("out_features") or node.params.get("out_channels") or node.params.get("hidden_size")
    if isinstance(units, int) and not isinstance(units, bool):
        name += f" with {units:,} units"
    return name


# ------------------------------------------------------------------ budget
def set_memory_budget(limit: int | None) -> None:
    """Set the budget in bytes for this process (None: back to the default)."""
    global _override
    if limit is not None and limit <= 0:
        raise ValueError("the memory budget must be positive")
    _override = limit


def memory_budget() -> int:
    """Bytes training or opening a file may take: the set value, else ~25% of the machine's memory,
    lowered to half of what an address-space limit leaves (torch itself reserves ~0.6 GB of it)."""
    if _override is not None:
        return _override
    env = os.environ.get("PLAYGROUND_MEMORY_BUDGET", "").strip()
    if env:
        parsed = parse_bytes(env)
        if parsed is not None:
            return parsed
    budget = int(physical_memory() * BUDGET_SHARE)
    room = address_space_room()
    if room is not None:
        budget = min(budget, room // 2)
    return max(budget, 64 * 2**20)


def parse_bytes(text: str) -> int | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?", text.strip(), re.IGNORECASE)
    if not m:
        return None
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[m.group(2).upper()]
    value = int(float(m.group(1)) * scale)
    return value if value > 0 else None


def physical_memory() -> int:
    total = 8 * 2**30
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    try:  # a container's limit (cgroup v2) counts, not the host's
        with open("/sys/fs/cgroup/memory.max") as f:
            raw = f.read().strip()
        if raw.isdigit():
            total = min(total, int(raw))
    except OSError:
        pass
    return total


def address_space_room() -> int | None:
    """Bytes of address space left under RLIMIT_AS, or None without such a limit."""
    try:
        import resource
    except ImportError:
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    used = 0
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - used, 0)


def ensure_fits(estimate: MemoryEstimate, budget: int | None = None) -> None:
    """Raise MemoryBudgetError (one line: what, how much, the limit) if the estimate is over."""
    limit = memory_budget() if budget is None else budget
    if estimate.bytes > limit:
        raise MemoryBudgetError(f"{estimate.largest} needs {format_bytes(estimate.bytes)} for "
                                f"{estimate.uses}; the limit is {format_bytes(limit)}")
