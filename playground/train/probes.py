"""Probes: what the views show besides the training loss, computed at the steps the record
schedule names (``playground.train.schedule``).

One *record pass* (``Prober.record``) computes every kind at once, with the work shared:

* the validation pass doubles as the activations/attention probe: its first chunk is the probe
  batch (the first validation samples) with every block's output tapped, so the probe batch
  costs no forward pass of its own;
* one forward pass over the plane's grid serves the decision boundary and the per-unit maps;
* weights and gradients are binned in a dozen torch calls whatever the number of tensors, with
  the bookkeeping that depends only on the tensor sizes computed once;
* per-layer gradient norms are one fused ``_foreach_norm``.

Everything is computed on the device and copied to the host once per kind. Input sizes scale
with the model: the probe batch and the grid resolution are chosen so that the tapped outputs
fit ``PROBE_BYTES``, and the validation chunk so that the widest output fits it, so a Linear of
65,536 units gets a coarser grid instead of pushing 4,096 points through every layer.

Snapshot formats are the TypedDicts of ``playground.train.snapshots``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from playground.compile.blocks.base import block_for, unit_axis
from playground.compile.compiler import CompiledModel
from playground.train.metrics import MetricsBuffer
from playground.train.mistakes import WrongExamples
from playground.train.projection import Projector
from playground.train.snapshots import (
    CONFUSION_CLASSES,
    ActivationRecord,
    ActivationsSnapshot,
    AttentionSnapshot,
    BoundarySnapshot,
    Histogram,
    HistogramSnapshot,
    UnitsSnapshot,
)

HIST_BINS = 41
PROBE_SAMPLES = 8  # samples whose activations/attention are shown
STATS_SAMPLES = 128  # samples behind activation means and dead-unit fractions (at most)
MAX_VALUES = 65_536  # cap on stored activation elements per node
GRID = 64  # decision-boundary resolution (at most; fewer points for wide networks)
MIN_GRID = 8
MAX_UNITS = 64  # hidden units per node drawn over the plane
MAX_POINTS = 2_000  # data points sent along with the boundary
PROBE_BYTES = 64 * 2**20  # memory one probe's tapped outputs may take
EVAL_CHUNK = 4096
_SAMPLES = 512  # values per tensor behind its histogram range
_Q_POS = 0.995 * (_SAMPLES - 1) - (_SAMPLES - 4)  # 99.5% quantile: between the 4th and 3rd largest


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


class Histogrammer:
    """Symmetric histograms over a robust range per tensor: 1.25 × the 99.5% quantile of |value|
    (from 512 evenly spaced samples), rounded up by ``nice_range``.

    Values outside the range are counted in the outermost bins, so counts sum to numel. All
    tensors are binned together in about a dozen torch calls (one ``bincount``), whatever their
    number; the sample positions and segment ids depend only on the tensor sizes and are kept.
    """

    def __init__(self, bins: int = HIST_BINS) -> None:
        self.bins = bins
        self._plan: dict[tuple[Any, ...], tuple[torch.Tensor, torch.Tensor]] = {}
        self._base = np.linspace(-1.0, 1.0, bins + 1)
        self._edges: dict[float, np.ndarray] = {}

    def _plan_for(self, sizes: tuple[int, ...], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        key = (sizes, str(device))
        plan = self._plan.get(key)
        if plan is None:
            n = torch.tensor(sizes)
            starts = torch.cumsum(n, 0) - n
            picks = (starts[:, None] + torch.arange(_SAMPLES)[None, :] * n[:, None] // _SAMPLES).reshape(-1)
            seg = torch.repeat_interleave(torch.arange(len(sizes)), n)
            if len(self._plan) > 8:
                self._plan.clear()
            plan = self._plan[key] = (picks.to(device), seg.to(device))
        return plan

    def edges(self, r: float) -> np.ndarray:
        edges = self._edges.get(r)
        if edges is None:
            if len(self._edges) > 256:
                self._edges.clear()
            edges = self._edges[r] = self._base * r
            edges.flags.writeable = False
        return edges

    def __call__(self, tensors: Mapping[str, torch.Tensor]) -> HistogramSnapshot:
        keys = [k for k, t in tensors.items() if t.numel()]
        if not keys:
            return {}
        bins = self.bins
        flat = [tensors[k].detach().reshape(-1) for k in keys]
        values = torch.cat(flat) if len(flat) > 1 else flat[0]
        values = values.float()
        picks, seg = self._plan_for(tuple(f.numel() for f in flat), values.device)
        top = values[picks].abs_().nan_to_num_(0.0).reshape(len(flat), _SAMPLES).topk(4, dim=1).values
        spans = top[:, 3] + _Q_POS * (top[:, 2] - top[:, 3])
        ranges = [nice_range(1.25 * v) for v in spans.cpu().tolist()]
        scale = torch.tensor([bins / (2.0 * r) for r in ranges], device=values.device)[seg]
        pos = (values * scale).nan_to_num_(0.0).add_(bins / 2).clamp_(0, bins - 1).long()
        counts = torch.bincount(pos.add_(seg * bins), minlength=len(flat) * bins).reshape(len(flat), bins)
        counts_np = counts.cpu().numpy()
        out: HistogramSnapshot = {}
        for i, (k, r) in enumerate(zip(keys, ranges, strict=True)):
            out[k] = Histogram(counts=counts_np[i], edges=self.edges(r))
        return out


_default_histogrammer = Histogrammer()


def histograms(tensors: Mapping[str, torch.Tensor], bins: int = HIST_BINS) -> HistogramSnapshot:
    """Histograms of ``tensors`` (see ``Histogrammer``)."""
    return (_default_histogrammer if bins == HIST_BINS else Histogrammer(bins))(tensors)


def grad_norms(model: CompiledModel, labels: dict[str, str],
               owners: list[tuple[str, torch.nn.Parameter]] | None = None) -> dict[str, float]:
    """"grad_norm/<label>" for every node with gradients, in one fused norm and one copy.
    ``owners`` ((label, parameter) pairs, from ``grad_owners``) saves rebuilding them."""
    pairs = owners if owners is not None else grad_owners(model, labels)
    names = [name for name, p in pairs if p.grad is not None]
    grads = [p.grad for _, p in pairs if p.grad is not None]
    if not grads:
        return {}
    squares = torch.stack(torch._foreach_norm(grads)).float().square().cpu().tolist()
    out: dict[str, float] = {}
    for name, sq in zip(names, squares, strict=True):
        out[name] = out.get(name, 0.0) + sq
    return {f"grad_norm/{n}": math.sqrt(v) for n, v in out.items()}


def grad_owners(model: CompiledModel, labels: dict[str, str]) -> list[tuple[str, torch.nn.Parameter]]:
    owner = model.parameter_owner()
    return [(labels.get(owner[key], owner[key]), p) for key, p in model.named_parameters() if key in owner]


def _per_sample(shapes: dict[str, dict[str, tuple[int, ...]]], nodes: set[str]) -> tuple[int, int]:
    """(sum, max) of per-sample output elements over ``nodes``."""
    sizes = [math.prod(shape) for nid in nodes for shape in shapes.get(nid, {}).values()] or [1]
    return sum(sizes), max(sizes)


class Prober:
    """Holds the fixed probe inputs of one trainer and writes one record pass to a buffer."""

    def __init__(self, model: CompiledModel, bundle: Any, device: torch.device,
                 labels: dict[str, str], types: dict[str, str]) -> None:
        self.labels, self.types = labels, types
        self.task = bundle.task
        self.hist = Histogrammer()
        self.owners = grad_owners(model, labels)
        # shown under the names people know ("fc1.weight"), like the gradient norms
        self.params = {model.readable_key(k): p for k, p in model.named_parameters()}
        meta = getattr(bundle, "meta", {}) or {}
        self.tapped = set(model.node_names) | ({model.input_node} if model.input_node else set())
        total, widest = _per_sample(model.output_shapes, self.tapped)
        # the probe batch: as many samples as the tapped outputs allow within the budget
        self.stats_rows = max(1, min(STATS_SAMPLES, PROBE_BYTES // (4 * total)))
        self.eval_chunk = max(1, min(EVAL_CHUNK, PROBE_BYTES // (4 * widest)))
        self.from_val = len(bundle.x_val) > 0
        source = bundle.x_val if self.from_val else bundle.x_train
        self.x_stats = source[:self.stats_rows].to(device)
        self.tokens = None
        vocab = meta.get("tokens")
        if vocab is not None and source.dtype == torch.long:
            count = min(PROBE_SAMPLES, len(source))
            self.tokens = [[str(vocab[i]) if 0 <= i < len(vocab) else "?" for i in row]
                           for row in source[:count].reshape(count, -1).tolist()]
        self.projector = Projector(model, bundle, labels)  # the "projection" kind, from the validation pass
        self.planar = tuple(bundle.task.input_shape) == (2,) and bundle.x_train.dtype.is_floating_point
        self.grid: torch.Tensor | None = None
        if self.planar:
            self.hidden = {nid for nid in model.node_names
                           if len(next(iter(model.output_shapes.get(nid, {}).values()), ())) == 1}
            plane_total = _per_sample(model.output_shapes, set(model.node_names))[0]
            self.resolution = max(MIN_GRID, min(GRID, math.isqrt(max(PROBE_BYTES // (4 * plane_total), 1))))
            self._init_plane(bundle, meta, device)

    def _init_plane(self, bundle: Any, meta: dict[str, Any], device: torch.device) -> None:
        self.extent: tuple[float, float, float, float]
        if "extent" in meta:
            x0, x1, y0, y1 = (float(v) for v in meta["extent"])
            self.extent = (x0, x1, y0, y1)
        else:
            pts = torch.cat([bundle.x_train, bundle.x_val]).float()
            lo, hi = pts.min(0).values, pts.max(0).values
            pad = (hi - lo) * 0.1 + 1e-6
            self.extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                           float(lo[1] - pad[1]), float(hi[1] + pad[1]))
        res = self.resolution
        xs = torch.linspace(self.extent[0], self.extent[1], res)
        ys = torch.linspace(self.extent[2], self.extent[3], res)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # row = y, column = x
        self.grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1).to(device, bundle.x_train.dtype)
        self.points = {name: getattr(bundle, name)[:MAX_POINTS].cpu().numpy()
                       for name in ("x_train", "y_train", "x_val", "y_val")}
        for array in self.points.values():
            array.flags.writeable = False  # shared by every boundary snapshot

    # ---------------------------------------------------------------- the record pass
    def record(self, model: CompiledModel, data: Any, step: int, buffer: MetricsBuffer,
               extra: dict[str, float], last_batch: tuple[torch.Tensor, torch.Tensor] | None) -> dict[str, float]:
        """Every kind at ``step``: validation scalars, gradient norms, histograms, activations,
        attention and, for 2-D inputs, boundary and unit maps (model in eval mode, no grad).
        Returns the scalars recorded."""
        scalars = dict(extra)
        with self.projector.collect(model):
            captured, maps, confusion = self._validation(model, data, scalars)
        self.projector.record(step, buffer)
        right = data.loss.correct(*last_batch) if last_batch is not None else None
        if right is not None:
            scalars["train/accuracy"] = float(right[0]) / max(right[1], 1)
        scalars.update(grad_norms(model, self.labels, self.owners))
        buffer.record_scalars(step, scalars)
        params = self.params
        buffer.put_snapshot("weights", step, self.hist(params))
        grads = {k: p.grad for k, p in params.items() if p.grad is not None}
        if grads:
            buffer.put_snapshot("grads", step, self.hist(grads))
        buffer.put_snapshot("activations", step, self._activations(captured))
        if maps:
            buffer.put_snapshot("attention", step, self._attention(maps))
        if confusion is not None:
            buffer.put_snapshot("confusion", step, confusion)
        if self.grid is not None:
            self._plane(model, step, buffer)
        return scalars

    def _tapped_forward(self, model: CompiledModel, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor],
                                                                              dict[str, torch.Tensor]]:
        model.taps = self.tapped
        model.record_attention(True)
        try:
            out = model(x)
            return out, dict(model.captured), model.attention_maps()
        finally:
            model.taps = set()
            model.captured = {}
            model.record_attention(False)

    def _validation(self, model: CompiledModel, data: Any, scalars: dict[str, float]
                    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], dict[str, np.ndarray] | None]:
        """Validation loss and accuracy, with the probe batch (its first rows) tapped on the way,
        and for classifiers the confusion counts and the most confidently wrong examples from the
        same outputs (no extra forward pass)."""
        x, y = data.xv, data.yv
        n = len(x)
        if not self.from_val or n == 0:
            return (*self._tapped_forward(model, self.x_stats)[1:], None)
        classes = self._confusion_classes(data)
        counts = torch.zeros(classes * classes, dtype=torch.long, device=x.device) if classes else None
        wrong = WrongExamples()
        loss_sum = torch.zeros((), device=x.device)
        right = torch.zeros((), device=x.device)
        judged = 0
        captured: dict[str, torch.Tensor] = {}
        maps: dict[str, torch.Tensor] = {}
        a = 0
        while a < n:
            b = min(n, a + (self.stats_rows if a == 0 else self.eval_chunk))
            xb, yb = x[a:b], y[a:b]
            if a == 0:
                out, captured, maps = self._tapped_forward(model, xb)
            else:
                out = model(xb)
            loss = data.loss.fn(out, yb)
            aux = model.aux_loss()
            if aux is not None:
                loss = loss + aux
            loss_sum = loss_sum + loss.float() * (b - a)
            result = data.loss.correct(out, yb)
            if result is not None:
                right = right + result[0]
                judged += result[1]
            if counts is not None:
                predicted = (out.reshape(-1) > 0).long() if data.loss.name == "bce" else out.argmax(-1)
                truth = yb.reshape(-1).long()
                counts += torch.bincount(truth * classes + predicted.reshape(-1), minlength=classes * classes)
                wrong.add(out, truth, predicted, a, data.loss.name == "bce")
            a = b
        loss_value, right_value = torch.stack([loss_sum, right.float()]).tolist()
        scalars["val/loss"] = loss_value / n
        if judged:
            scalars["val/accuracy"] = right_value / judged
        confusion = None if counts is None else {"counts": counts.reshape(classes, classes).cpu().numpy(),
                                                 **wrong.arrays()}
        return captured, maps, confusion

    @staticmethod
    def _confusion_classes(data: Any) -> int:
        """Classes of a classifier whose confusion matrix is recorded (0: none is)."""
        task = data.loss.task
        if task.task != "classification" or data.loss.name not in ("cross_entropy", "bce"):
            return 0
        classes = int(task.num_classes)
        return classes if 2 <= classes <= CONFUSION_CLASSES else 0

    def _activations(self, captured: dict[str, torch.Tensor]) -> ActivationsSnapshot:
        pending: dict[str, tuple[tuple[int, ...], torch.Tensor, torch.Tensor, torch.Tensor | None]] = {}
        for nid, t in captured.items():
            if not t.is_floating_point() or t.dim() < 1:
                continue
            shape = tuple(t.shape[1:])
            per = max(1, math.prod(shape))
            s = max(1, min(PROBE_SAMPLES, MAX_VALUES // per))
            block = block_for(self.types.get(nid, ""))
            axis = unit_axis(block, shape) + 1  # the block says which axis holds its units
            dims = [d for d in range(t.dim()) if d != axis]
            mean = t.float().mean(dim=dims) if dims else t.float()
            dead = None
            if block is not None and block.can_die:  # a unit that never fires is dead (ReLU)
                dead = 1.0 - (t.reshape(t.shape[0], -1) > 0).any(0).float().mean()
            pending[nid] = (shape, t[:s].float(), mean, dead)
        out: ActivationsSnapshot = {}
        for nid, (shape, values, mean, dead) in pending.items():  # device -> host after the math is queued
            out[nid] = ActivationRecord(label=self.labels.get(nid, nid), type=self.types.get(nid, "Input"),
                                        shape=shape, values=values.cpu().numpy(), mean=mean.cpu().numpy(),
                                        dead_fraction=None if dead is None else float(dead))
        return out

    def _attention(self, maps: dict[str, torch.Tensor]) -> AttentionSnapshot:
        arrays = {nid: m[:PROBE_SAMPLES].float().cpu().numpy() for nid, m in maps.items()}
        tokens = self.tokens
        if tokens is None:
            first = next(iter(arrays.values()))
            tokens = [[str(i) for i in range(first.shape[-1])] for _ in range(first.shape[0])]
        return AttentionSnapshot(maps=arrays, labels={nid: self.labels.get(nid, nid) for nid in arrays},
                                 tokens=tokens)

    def _plane(self, model: CompiledModel, step: int, buffer: MetricsBuffer) -> None:
        """The network's output over the grid, and each hidden unit's output, from one forward pass."""
        assert self.grid is not None
        model.taps = self.hidden
        try:
            raw = model(self.grid)
            captured = dict(model.captured)
        finally:
            model.taps = set()
            model.captured = {}
        task = self.task
        res = self.resolution
        if task.task == "classification":
            prob = torch.sigmoid(raw) if raw.shape[-1] == 1 else torch.softmax(raw, -1)
            out = prob[:, 0] if raw.shape[-1] == 1 else prob
        else:
            out = raw[:, 0] if raw.dim() == 2 and raw.shape[-1] == 1 else raw.reshape(len(raw), -1)
        units_t = {nid: t[:, :MAX_UNITS].T.reshape(-1, res, res).float() for nid, t in captured.items()
                   if t.dim() == 2 and nid != model.input_node}
        boundary = BoundarySnapshot(
            extent=self.extent, resolution=res, output=out.reshape(res, res, *out.shape[1:]).float().cpu().numpy(),
            train_x=self.points["x_train"], train_y=self.points["y_train"],
            val_x=self.points["x_val"], val_y=self.points["y_val"],
            task=task.task, num_classes=task.num_classes)
        buffer.put_snapshot("boundary", step, boundary)
        units: UnitsSnapshot = {nid: u.cpu().numpy() for nid, u in units_t.items()}
        buffer.put_snapshot("units", step, units)
