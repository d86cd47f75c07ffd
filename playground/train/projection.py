"""The "projection" record kind: every block's activations on the first validation samples,
projected onto their own principal plane (PCA, in torch), at the record's due steps.

Cheap by construction:

* no forward pass of its own: forward hooks collect the first ``PROJECTION_SAMPLES`` rows of
  every block's output from the validation pass the record already makes (``collect``), so the
  same samples (the first rows of the validation set, or of the training set when there is no
  validation set) are projected at every step;
* the plane comes from the eigenvectors of the smaller of the two products (features × features
  or samples × samples), and a block whose product would take more than ``PCA_FLOPS`` uses
  fewer samples (its ``points`` are then the first rows only), so one snapshot costs a bounded
  amount whatever the network.

The principal axes of a changing representation are defined only up to sign, and up to a
rotation when two variances are close, so the raw plane would flip and spin between steps.
Each new plane is therefore turned (orthogonal Procrustes: a rotation, or a reflection) to best
match the previous snapshot of the same block, and the very first one has its axes signed so
that each axis's coordinates are skewed to the positive side. A continued session aligns to
the last snapshot it recorded. Everything depends on the recorded values and the step order
only, never on time.

Snapshot (``ProjectionSnapshot``; at most PROJECTION_NODES × PROJECTION_SAMPLES × 8 bytes of
points, 64 KB, plus the targets, which are one array shared by every snapshot)::

    {"targets": (N,) int64 classes or float32 values, "classes": C (0: values),
     "blocks": {node id: {"label", "points": (n ≤ N, 2) float32, "variance": [pc1, pc2]}}}

``variance`` holds the shares of the block's total variance on the two axes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypedDict

import numpy as np
import torch

from playground.compile.compiler import CompiledModel
from playground.train.metrics import MetricsBuffer

PROJECTION_SAMPLES = 256  # validation samples projected per snapshot (the first ones)
PROJECTION_NODES = 32  # blocks projected (the first, in the network's order)
PCA_FLOPS = 2**25  # multiply-adds one block's principal plane may take
MIN_SAMPLES = 16


class ProjectedBlock(TypedDict):
    label: str
    points: np.ndarray  # (n, 2) float32
    variance: list[float]  # shares of the total variance along the two axes


class ProjectionSnapshot(TypedDict):
    targets: np.ndarray  # (N,) int64 class per sample, or float32 value per sample
    classes: int  # 0: targets are values (regression), else the number of classes
    blocks: dict[str, ProjectedBlock]


def symmetric_eigh(m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``torch.linalg.eigh`` of the (batched) symmetric ``m`` that never fails the record: LAPACK
    gives up on some ill-conditioned products, so those are retried in float64 with a tiny ridge
    (1e-9 of their mean diagonal), and a product that still fails, or has no finite entries,
    gets zero eigenvalues and the unit axes (a plane at the origin)."""
    try:
        return torch.linalg.eigh(m)
    except torch.linalg.LinAlgError:
        pass
    m64 = m.double()
    ridge = m64.diagonal(dim1=-2, dim2=-1).abs().mean(-1).clamp_min(1e-30) * 1e-9
    eye = torch.eye(m.shape[-1], dtype=torch.float64, device=m.device)
    try:
        values, vectors = torch.linalg.eigh(m64 + ridge[..., None, None] * eye)
        return values.to(m.dtype), vectors.to(m.dtype)
    except torch.linalg.LinAlgError:
        return (torch.zeros(m.shape[:-1], dtype=m.dtype, device=m.device),
                eye.to(m.dtype).expand(m.shape).clone())


def principal_planes(xs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The rows of each block in ``xs`` (B, n, D) on their two principal axes: (B, n, 2)
    coordinates and (B, 2) shares of each block's total variance along them (zeros where the
    rows do not vary). Blocks narrower than D are padded with zero features, which adds only
    zero eigenvalues, so any number of blocks take one batched eigendecomposition."""
    xs = torch.nan_to_num(xs, nan=0.0, posinf=0.0, neginf=0.0)  # a diverged block: at the origin
    xs = xs - xs.mean(1, keepdim=True)
    values, vectors = symmetric_eigh(xs.transpose(1, 2) @ xs)
    coords = xs @ vectors[:, :, -2:].flip(2)
    totals = xs.square().sum((1, 2))
    shares = values[:, -2:].flip(1).clamp_min(0) / totals.clamp_min(1e-30)[:, None]
    still = (totals <= 1e-20)[:, None]
    return coords.masked_fill(still[:, :, None], 0.0), shares.masked_fill(still, 0.0)


def wide_plane(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """As ``principal_planes`` for one block with more features than samples (n, D): from the
    samples × samples product, whose eigenvectors scaled by √λ are the coordinates."""
    x = torch.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    xc = x - x.mean(0, keepdim=True)
    values, vectors = symmetric_eigh(xc @ xc.T)
    top = values[-2:].flip(0).clamp_min(0)
    total = xc.square().sum()
    if float(total) <= 1e-20:
        return torch.zeros(1, len(x), 2, device=x.device), torch.zeros(1, 2, device=x.device)
    return (vectors[:, -2:].flip(1) * top.sqrt())[None], (top / total)[None]


def align(points: torch.Tensor, previous: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """(B, n, 2) ``points`` each turned to best match ``previous`` (the same samples' last
    coordinates) where ``known``, else with each axis signed so its coordinates are skewed positive."""
    m = points.transpose(1, 2) @ previous
    u, _s, vt = torch.linalg.svd(m)
    turn = u @ vt
    signs = torch.where(points.pow(3).sum(1) < 0, -1.0, 1.0)
    fallback = torch.diag_embed(signs)
    usable = known & torch.isfinite(turn).all(2).all(1)
    return points @ torch.where(usable[:, None, None], turn, fallback)


class Projector:
    """Collects the projected blocks' outputs during the record's validation pass and writes the
    "projection" snapshot. Blocks with no more features than samples are written by the hooks
    straight into one zero-padded (blocks, samples, features) tensor, so the record pass does no
    copying or padding of its own and projects them all in one batch."""

    def __init__(self, model: CompiledModel, bundle: Any, labels: dict[str, str]) -> None:
        from_val = len(bundle.x_val) > 0
        x = bundle.x_val if from_val else bundle.x_train
        y = bundle.y_val if from_val else bundle.y_train
        self.rows = min(PROJECTION_SAMPLES, len(x))
        task = bundle.task
        first = y[:self.rows].reshape(self.rows, -1)[:, 0] if self.rows else y[:0]
        self.classes = int(task.num_classes) if task.task == "classification" and task.num_classes >= 2 else 0
        self.targets = (first.long().cpu().numpy() if self.classes else first.float().cpu().numpy())
        self.targets.flags.writeable = False  # shared by every snapshot
        self.labels = labels
        self.width: dict[str, int] = {}
        order = ([model.input_node] if model.input_node else []) + list(model.node_names)
        for nid in order:
            shape = next(iter(model.output_shapes.get(nid, {}).values()), None)
            if shape is not None and math.prod(shape) >= 2 and len(self.width) < PROJECTION_NODES:
                self.width[nid] = math.prod(shape)
        self.nodes = list(self.width)
        self.narrow = [nid for nid in self.nodes if self.width[nid] <= self.rows]
        self._slot = {nid: i for i, nid in enumerate(self.narrow)}
        self._store: torch.Tensor | None = None  # (narrow blocks, rows, widest) on the model's device
        self._chunks: dict[str, list[torch.Tensor]] = {}  # wide blocks' rows
        self._have: dict[str, int] = {}
        self._batch = 0
        self._previous: dict[str, torch.Tensor] = {}

    @contextmanager
    def collect(self, model: CompiledModel) -> Iterator[None]:
        """While open, every forward pass of ``model`` hands its first rows (up to ``rows`` in
        all, in call order) of each projected block's output to this projector."""
        self._chunks = {nid: [] for nid in self.nodes if nid not in self._slot}
        self._have = dict.fromkeys(self.nodes, 0)
        handles = [model.register_forward_pre_hook(self._enter)]
        if model.input_node in self._have:
            handles.append(model.register_forward_pre_hook(self._taker(model.input_node, True)))
        for nid in self.nodes:
            if nid in model.node_names:
                handles.append(model.node_module(nid).register_forward_hook(self._taker(nid, False)))
        try:
            yield
        finally:
            for h in handles:
                h.remove()

    def _enter(self, _module: Any, args: Any) -> None:
        self._batch = int(args[0].shape[0]) if args and isinstance(args[0], torch.Tensor) else 0

    def _taker(self, nid: str, is_input: bool) -> Any:
        slot = self._slot.get(nid)
        width = self.width[nid]

        def take(_module: Any, args: Any, out: Any = None) -> None:
            t = args[0] if is_input else (out[0] if isinstance(out, (tuple, list)) else out)
            have = self._have[nid]
            need = self.rows - have
            # a source block's output is (1, ...) whatever the batch: nothing per sample to show
            if need <= 0 or not isinstance(t, torch.Tensor) or not t.is_floating_point() or \
                    t.dim() < 1 or t.shape[0] != self._batch or t[:1].numel() != width:
                return
            part = t[:need].detach().reshape(-1, width)
            if slot is None:
                self._chunks[nid].append(part.float().clone())
            else:
                store = self._store
                if store is None or store.device != part.device:
                    widest = max(self.width[n] for n in self.narrow)
                    store = self._store = torch.zeros(len(self.narrow), self.rows, widest, device=part.device)
                store[slot, have:have + len(part), :width] = part
            self._have[nid] = have + len(part)
        return take

    def record(self, step: int, buffer: MetricsBuffer) -> None:
        """The snapshot of what ``collect`` gathered, at ``step``."""
        if not self._previous:  # a continued session turns its planes like the last ones recorded
            last = buffer.snapshot("projection")
            if last is not None and isinstance(last[1], dict):
                for nid, rec in last[1].get("blocks", {}).items():
                    self._previous[nid] = torch.as_tensor(np.asarray(rec["points"], dtype=np.float32))
        planes: list[tuple[list[str], torch.Tensor, torch.Tensor]] = []
        narrow = [nid for nid in self.narrow if self._have.get(nid)]
        if narrow and self._store is not None:
            n = min(self._have[nid] for nid in narrow)
            rows = self._store[[self._slot[nid] for nid in narrow], :n] if len(narrow) < len(self.narrow) \
                else self._store[:, :n]
            planes.append((narrow, *principal_planes(rows)))
        for nid, chunks in self._chunks.items():
            if chunks:
                x = torch.cat(chunks) if len(chunks) > 1 else chunks[0]
                n, d = x.shape
                while n > MIN_SAMPLES and n * n * d > PCA_FLOPS:  # fewer samples for a very wide block
                    n //= 2
                planes.append(([nid], *wide_plane(x[:n])))
        self._chunks = {}
        blocks: dict[str, ProjectedBlock] = {}
        for nids, coords, variance in planes:
            coords = coords.cpu()
            previous = torch.zeros_like(coords)
            known = torch.zeros(len(nids), dtype=torch.bool)
            for j, nid in enumerate(nids):
                before = self._previous.get(nid)
                if before is not None and before.shape == coords[j].shape:
                    previous[j], known[j] = before, True
            coords = align(coords, previous, known)
            shares = variance.cpu().tolist()
            for j, nid in enumerate(nids):
                self._previous[nid] = coords[j]
                blocks[nid] = ProjectedBlock(label=self.labels.get(nid, nid), points=coords[j].numpy(),
                                             variance=shares[j])
        if blocks:
            ordered = {nid: blocks[nid] for nid in self.nodes if nid in blocks}
            buffer.put_snapshot("projection", step,
                                ProjectionSnapshot(targets=self.targets, classes=self.classes, blocks=ordered))
