"""Probes: what the views show besides scalars, computed on a fixed probe batch.

Each probe runs under ``torch.no_grad`` with the model in eval mode (the
trainer restores train mode), moves its results to the host in as few copies
as it can, and hands plain numpy data to the MetricsBuffer in the formats
of the contract (see CONTRACT.md, "Snapshot kinds").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from playground.compile.blocks.base import BLOCKS
from playground.compile.compiler import CompiledModel
from playground.train.metrics import MetricsBuffer

HIST_BINS = 41
PROBE_SAMPLES = 8  # samples whose activations/attention are shown
STATS_SAMPLES = 128  # samples behind activation means and dead-unit fractions
MAX_VALUES = 65_536  # cap on stored activation elements per node
GRID = 64  # decision-boundary resolution
MAX_UNITS = 64  # hidden units per node drawn over the plane
MAX_POINTS = 2_000  # data points sent along with the boundary
DEAD_TYPES = {"ReLU"}
_SAMPLES = 512  # values per tensor behind its histogram range


def nice_range(x: float) -> float:
    """Round ``x`` up to 1, 2 or 5 × 10^k, so successive histograms of a slowly
    changing tensor share their bin edges."""
    if not math.isfinite(x) or x <= 0:
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10**exp >= x:
            return m * 10**exp
    return 10.0 ** (exp + 1)


def histograms(tensors: dict[str, torch.Tensor], bins: int = HIST_BINS) -> dict[str, dict[str, np.ndarray]]:
    """Symmetric histograms over a robust range per tensor: 1.25 × the 99.5% quantile of |value|
    (from 512 evenly spaced samples), rounded up by ``nice_range``.

    Values outside the range are counted in the outermost bins, so counts sum to numel. All
    tensors are binned together in a dozen torch calls (one ``bincount``), whatever their number.
    """
    keys = [k for k, t in tensors.items() if t.numel()]
    if not keys:
        return {}
    flat = [tensors[k].detach().reshape(-1) for k in keys]
    values = torch.cat([f.float() for f in flat]).nan_to_num_(0.0)
    device = values.device
    sizes = torch.tensor([f.numel() for f in flat])
    starts = torch.cumsum(sizes, 0) - sizes
    picks = starts[:, None] + torch.arange(_SAMPLES)[None, :] * sizes[:, None] // _SAMPLES
    spans = torch.quantile(values[picks.to(device)].abs(), 0.995, dim=1)
    ranges = [nice_range(1.25 * v) for v in spans.cpu().tolist()]
    seg = torch.repeat_interleave(torch.arange(len(flat), device=device), sizes.to(device))
    scale = torch.tensor(ranges, device=device)[seg]
    pos = ((values / scale).clamp_(-1.0, 1.0).add_(1.0).mul_(bins / 2)).long().clamp_(max=bins - 1)
    counts = torch.bincount(pos + seg * bins, minlength=len(flat) * bins).reshape(len(flat), bins)
    counts_np = counts.cpu().numpy().astype(np.int64)
    return {k: {"counts": counts_np[i], "edges": np.linspace(-r, r, bins + 1)}
            for i, (k, r) in enumerate(zip(keys, ranges, strict=True))}


def grad_norms(model: CompiledModel, labels: dict[str, str]) -> dict[str, float]:
    """"grad_norm/<label>" for every node with gradients, in one device-to-host copy."""
    owner = model.parameter_owner()
    names, grads = [], []
    for key, p in model.named_parameters():
        if p.grad is not None and key in owner:
            names.append(labels.get(owner[key], owner[key]))
            grads.append(p.grad)
    if not grads:
        return {}
    squares = torch.stack(torch._foreach_norm(grads)).float().square().cpu().tolist()
    out: dict[str, float] = {}
    for name, sq in zip(names, squares, strict=True):
        out[name] = out.get(name, 0.0) + sq
    return {f"grad_norm/{n}": math.sqrt(v) for n, v in out.items()}


def evaluation(data: Any, model: CompiledModel, labels: dict[str, str], extra: dict[str, float],
               last_batch: tuple[torch.Tensor, torch.Tensor] | None = None) -> dict[str, float]:
    """Validation loss/accuracy, training accuracy of the latest batch (its forward pass is
    already paid for), per-layer gradient norms, and ``extra``."""
    scalars = {k: v for k, v in extra.items() if v}
    scalars["epoch"] = extra.get("epoch", 0.0)
    result = data.evaluate(model)
    if result is not None:
        scalars["val/loss"] = result[0]
        if result[1] is not None:
            scalars["val/accuracy"] = result[1]
    right = data.loss.correct(*last_batch) if last_batch is not None else None
    if right is not None:
        scalars["train/accuracy"] = float(right[0]) / max(right[1], 1)
    scalars.update(grad_norms(model, labels))
    return scalars


def _channel_axis(node_type: str, shape: tuple[int, ...]) -> int:
    """Axis (of the per-sample shape) whose units get a mean each."""
    block = BLOCKS.get(node_type)
    if len(shape) == 3 or (len(shape) == 2 and block is not None and block.category == "Convolution"):
        return 0
    return len(shape) - 1


class Prober:
    """Holds the fixed probe inputs of one trainer and writes snapshots to a buffer."""

    def __init__(self, model: CompiledModel, bundle: Any, device: torch.device,
                 labels: dict[str, str], types: dict[str, str]) -> None:
        self.labels, self.types = labels, types
        self.task = bundle.task
        meta = getattr(bundle, "meta", {}) or {}
        source = bundle.x_val if len(bundle.x_val) else bundle.x_train
        self.x_stats = source[:STATS_SAMPLES].to(device)
        self.tokens = None
        vocab = meta.get("tokens")
        if vocab is not None and source.dtype == torch.long:
            self.tokens = [[str(vocab[i]) if 0 <= i < len(vocab) else "?" for i in row]
                           for row in source[:PROBE_SAMPLES].reshape(min(PROBE_SAMPLES, len(source)), -1).tolist()]
        self.planar = tuple(bundle.task.input_shape) == (2,) and bundle.x_train.dtype.is_floating_point
        self.grid: torch.Tensor | None = None
        if self.planar:
            self._init_plane(bundle, meta, device)

    def _init_plane(self, bundle: Any, meta: dict[str, Any], device: torch.device) -> None:
        if "extent" in meta:
            self.extent = tuple(float(v) for v in meta["extent"])
        else:
            pts = torch.cat([bundle.x_train, bundle.x_val]).float()
            lo, hi = pts.min(0).values, pts.max(0).values
            pad = (hi - lo) * 0.1 + 1e-6
            self.extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                           float(lo[1] - pad[1]), float(hi[1] + pad[1]))
        xs = torch.linspace(self.extent[0], self.extent[1], GRID)
        ys = torch.linspace(self.extent[2], self.extent[3], GRID)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # row = y, column = x
        self.grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1).to(device, bundle.x_train.dtype)
        self.points = {name: getattr(bundle, name)[:MAX_POINTS].cpu().numpy()
                       for name in ("x_train", "y_train", "x_val", "y_val")}

    # ---------------------------------------------------------------- probes
    def run(self, model: CompiledModel, step: int, buffer: MetricsBuffer, extra_kinds: bool = True) -> None:
        """Weights and grads histograms, activations, attention and the plane (2-D data)."""
        params: dict[str, torch.Tensor] = {model.readable_key(k): p for k, p in model.named_parameters()}
        buffer.put_snapshot("weights", step, histograms(params), keep_history=True)
        grads = {k: p.grad for k, p in params.items() if p.grad is not None}
        if grads:
            buffer.put_snapshot("grads", step, histograms(grads), keep_history=True)
        if not extra_kinds:
            return
        self.activations(model, step, buffer)
        if self.grid is not None:
            self.plane(model, step, buffer)

    def activations(self, model: CompiledModel, step: int, buffer: MetricsBuffer) -> None:
        model.taps = set(model.node_names) | {model.input_node}
        model.record_attention(True)
        try:
            model(self.x_stats)
            captured = dict(model.captured)
            maps = model.attention_maps()
        finally:
            model.taps = set()
            model.captured = {}
            model.record_attention(False)
        out: dict[str, Any] = {}
        for nid, t in captured.items():
            if not t.is_floating_point() or t.dim() < 1:
                continue
            shape = tuple(t.shape[1:])
            per = max(1, math.prod(shape))
            s = max(1, min(PROBE_SAMPLES, MAX_VALUES // per))
            axis = _channel_axis(self.types.get(nid, ""), shape) + 1
            dims = [d for d in range(t.dim()) if d != axis]
            mean = t.float().mean(dim=dims) if dims else t.float()
            dead = None
            if self.types.get(nid) in DEAD_TYPES:
                alive = (t.reshape(t.shape[0], -1) > 0).any(0)
                dead = 1.0 - alive.float().mean()
            out[nid] = {"label": self.labels.get(nid, nid), "type": self.types.get(nid, "Input"),
                        "shape": shape, "values": t[:s].float(), "mean": mean, "dead_fraction": dead}
        for rec in out.values():  # device -> host after all the math is queued
            rec["values"] = rec["values"].cpu().numpy()
            rec["mean"] = rec["mean"].cpu().numpy()
            if rec["dead_fraction"] is not None:
                rec["dead_fraction"] = float(rec["dead_fraction"])
        buffer.put_snapshot("activations", step, out)
        if maps:
            self._attention(maps, step, buffer)

    def _attention(self, maps: dict[str, torch.Tensor], step: int, buffer: MetricsBuffer) -> None:
        arrays = {nid: m[:PROBE_SAMPLES].float().cpu().numpy() for nid, m in maps.items()}
        tokens = self.tokens
        if tokens is None:
            n_keys = next(iter(arrays.values())).shape[-1]
            count = next(iter(arrays.values())).shape[0]
            tokens = [[str(i) for i in range(n_keys)] for _ in range(count)]
        buffer.put_snapshot("attention", step, {
            "maps": arrays, "labels": {nid: self.labels.get(nid, nid) for nid in arrays}, "tokens": tokens})

    def plane(self, model: CompiledModel, step: int, buffer: MetricsBuffer) -> None:
        """The network's output over a GRID×GRID grid, and each hidden unit's output."""
        assert self.grid is not None
        hidden = {nid for nid, shapes in model.output_shapes.items()
                  if nid in model.node_names and len(next(iter(shapes.values()), ())) == 1}
        model.taps = hidden
        try:
            raw = model(self.grid)
            captured = dict(model.captured)
        finally:
            model.taps = set()
            model.captured = {}
        task = self.task
        if task.task == "classification":
            prob = torch.sigmoid(raw) if raw.shape[-1] == 1 else torch.softmax(raw, -1)
            out = prob[:, 0] if raw.shape[-1] == 1 else prob
        else:
            out = raw[:, 0] if raw.dim() == 2 and raw.shape[-1] == 1 else raw.reshape(len(raw), -1)
        out = out.reshape(GRID, GRID, *out.shape[1:]).float().cpu().numpy()
        buffer.put_snapshot("boundary", step, {
            "extent": self.extent, "resolution": GRID, "output": out,
            "train_x": self.points["x_train"], "train_y": self.points["y_train"],
            "val_x": self.points["x_val"], "val_y": self.points["y_val"],
            "task": task.task, "num_classes": task.num_classes})
        units = {nid: t[:, :MAX_UNITS].T.reshape(-1, GRID, GRID).float() for nid, t in captured.items()
                 if t.dim() == 2 and nid != model.input_node}
        buffer.put_snapshot("units", step, {nid: u.cpu().numpy() for nid, u in units.items()})
