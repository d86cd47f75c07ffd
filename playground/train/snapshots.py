"""Snapshot kinds: the typed contracts between the probes (writers) and the views (readers).

A snapshot is plain numpy data (no tensors) stored in the MetricsBuffer under its kind name.
The buffer keeps the newest snapshot of each kind as written, and a bounded history
(``playground.train.schedule``: at most CAPACITY + EXTRAS = 264 entries per kind) of
*history entries*. For most kinds the history entry is the snapshot itself; the large kinds
are compacted by ``history_entry`` so that one entry stays under a fixed size:

=============  ===================================================  ==========================
kind           one entry holds                                      bytes per entry (at most)
=============  ===================================================  ==========================
weights,grads  a ``Histogram`` per tensor (first HIST_TENSORS)      HIST_TENSORS × 336 ≈ 43 KB
activations    per node (first ACT_NODES): shape, ≤ ACT_MEANS       ACT_VALUES × 4 + ACT_NODES
               means, dead fraction, values of as many samples      × ACT_MEANS × 4 ≈ 96 KB
               as fit ACT_VALUES elements in all
units          per node (first UNIT_NODES): ≤ UNIT_MAPS maps of     UNIT_NODES × UNIT_MAPS ×
               UNIT_RES² values (float16: colour tiles need no      UNIT_RES² × 2 = 64 KB
               more)
boundary       the output as drawn when it fits BOUNDARY_BYTES,     BOUNDARY_BYTES = 64 KB
               else on a ≤ BOUNDARY_RES² grid (float32; data        (≤ 16 classes)
               points are shared, not copied)
attention      per node maps of as many samples as fit              ATTN_VALUES × 4 = 64 KB
               ATTN_VALUES values (float32)
modes          strengths, analytic values, singular values          < 1 KB for ≤ 32 modes
similarity     items × items matrix                                 items² × 4 (hierarchies:
                                                                    ≤ 64 items ⇒ 16 KB)
confusion      validation counts, true class × predicted class      CONFUSION_CLASSES² × 8
               (classifiers of ≤ CONFUSION_CLASSES classes)         = 32 KB
               and the ≤ 16 most confidently wrong examples         + 448 B
projection     per block (first 32): its first ≤ 256 validation     32 × 256 × 2 × 4 = 64 KB
               samples on its principal plane (train.projection)
=============  ===================================================  ==========================

So each kind's history is bounded by 264 × its entry size: about 25 MB for activations and less
for every other kind. Validation scalars and per-layer gradient norms are scalar series on the
same schedule (264 points each). ``record_bytes`` measures what a buffer really holds.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import numpy as np

HIST_TENSORS = 128
ACT_NODES = 64
ACT_MEANS = 256
ACT_VALUES = 16_384
UNIT_NODES = 8  # the canvas heatmaps of an 8-block-deep network, at every recorded step
UNIT_MAPS = 16
UNIT_RES = 16
BOUNDARY_RES = 32
BOUNDARY_BYTES = BOUNDARY_RES**2 * 16 * 4  # 64 KB: grids this small are kept whole
ATTN_VALUES = 16_384

CONFUSION_CLASSES = 64  # above this a confusion matrix is not recorded (nor readable)
KINDS = ("weights", "grads", "activations", "attention", "boundary", "units", "modes", "similarity", "confusion",
         "projection")


class Histogram(TypedDict):
    counts: np.ndarray  # (bins,) int64, sums to the tensor's numel (outliers in the end bins)
    edges: np.ndarray  # (bins + 1,) float64, symmetric 1-2-5 range


HistogramSnapshot = dict[str, Histogram]  # "weights" and "grads": parameter name → histogram


class ActivationRecord(TypedDict):
    label: str
    type: str
    shape: tuple[int, ...]  # per-sample output shape
    values: np.ndarray  # (S, *shape) float32 on the first S probe samples (S may be 0)
    mean: np.ndarray  # (units,) float32: mean per unit (last axis) or per channel (convolutions)
    dead_fraction: float | None  # ReLU-like blocks: share of units never positive on the probe batch


ActivationsSnapshot = dict[str, ActivationRecord]  # node id → record


class AttentionSnapshot(TypedDict):
    maps: dict[str, np.ndarray]  # node id → (S, heads, queries, keys) float32
    labels: dict[str, str]  # node id → block label
    tokens: list[list[str]]  # per sample, its input tokens


class BoundarySnapshot(TypedDict):
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1
    resolution: int
    output: np.ndarray  # (res, res) probability of class 0 / value, or (res, res, classes)
    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    task: str
    num_classes: int


UnitsSnapshot = dict[str, np.ndarray]  # node id → (units, res, res) float32 outputs over the plane


class ModesSnapshot(TypedDict):
    strength: np.ndarray  # (modes,) measured a_α
    singular_values: np.ndarray  # (modes,) s_α
    analytic: np.ndarray  # (modes,) the theory's a_α at this step
    tau_steps: NotRequired[float]
    a0: NotRequired[np.ndarray]
    predicted_half_rise_steps: NotRequired[np.ndarray]


class SimilaritySnapshot(TypedDict):
    matrix: np.ndarray  # (items, items), largest |entry| is 1
    items: list[str]


class ConfusionSnapshot(TypedDict):
    counts: np.ndarray  # (classes, classes) int64: row = true class, column = predicted class
    # the most confidently wrong validation examples, most confident first (playground.train.mistakes)
    wrong_index: NotRequired[np.ndarray]  # (≤ 16,) int64 validation rows
    wrong_true: NotRequired[np.ndarray]
    wrong_predicted: NotRequired[np.ndarray]
    wrong_confidence: NotRequired[np.ndarray]  # float32 probability of the wrong answer


def _histograms(snap: HistogramSnapshot) -> HistogramSnapshot:
    if len(snap) <= HIST_TENSORS:
        return snap
    return dict(list(snap.items())[:HIST_TENSORS])


def _activations(snap: ActivationsSnapshot) -> ActivationsSnapshot:
    out: ActivationsSnapshot = {}
    budget = ACT_VALUES
    for nid, rec in list(snap.items())[:ACT_NODES]:
        values = rec["values"]
        per = int(np.prod(values.shape[1:])) if values.ndim > 1 else 1
        keep = min(len(values), budget // max(per, 1))
        budget -= keep * per
        out[nid] = {**rec, "values": values[:keep].copy() if keep < len(values) else values,
                    "mean": rec["mean"][:ACT_MEANS]}
    return out


def _units(snap: UnitsSnapshot) -> UnitsSnapshot:
    out: UnitsSnapshot = {}
    for nid, maps in list(snap.items())[:UNIT_NODES]:
        step = max(1, maps.shape[-1] // UNIT_RES) if maps.ndim == 3 else 1
        out[nid] = np.ascontiguousarray(maps[:UNIT_MAPS, ::step, ::step][:, :UNIT_RES, :UNIT_RES], dtype=np.float16)
    return out


def _boundary(snap: BoundarySnapshot) -> BoundarySnapshot:
    res = snap["resolution"]
    if res <= BOUNDARY_RES or np.asarray(snap["output"]).size * 4 <= BOUNDARY_BYTES:
        return snap  # fits as drawn live (e.g. a 64² two-class grid): scrubbing shows the same picture
    step = -(-res // BOUNDARY_RES)
    output = snap["output"][::step, ::step]
    output = np.ascontiguousarray(output[..., :16] if output.ndim == 3 else output)  # (G, G) is binary: keep it
    return {**snap, "output": output, "resolution": output.shape[0]}


def _attention(snap: AttentionSnapshot) -> AttentionSnapshot:
    maps: dict[str, np.ndarray] = {}
    budget = ATTN_VALUES
    for nid, m in snap["maps"].items():
        per = int(np.prod(m.shape[1:])) if m.ndim > 1 else 1
        keep = min(len(m), budget // max(per, 1))
        budget -= keep * per
        if keep:
            maps[nid] = m[:keep].copy() if keep < len(m) else m
    return {**snap, "maps": maps}


def history_entry(kind: str, data: Any) -> Any:
    """What the history keeps of a snapshot of ``kind`` (the bounded form; see the table above)."""
    if kind in ("weights", "grads"):
        return _histograms(data)
    if kind == "activations":
        return _activations(data)
    if kind == "units":
        return _units(data)
    if kind == "boundary":
        return _boundary(data)
    if kind == "attention":
        return _attention(data)
    return data


def nbytes(data: Any, seen: set[int] | None = None) -> int:
    """Bytes of the numpy arrays inside ``data`` (each shared array counted once)."""
    seen = set() if seen is None else seen
    if isinstance(data, np.ndarray):
        if id(data) in seen:
            return 0
        seen.add(id(data))
        return int(data.nbytes)
    if isinstance(data, dict):
        return sum(nbytes(v, seen) for v in data.values())
    if isinstance(data, (list, tuple)):
        return sum(nbytes(v, seen) for v in data)
    return 0
