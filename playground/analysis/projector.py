"""Reading the recorded "projection" kind (``playground.train.projection``): which blocks it
holds, one block's points at a step, and how well they separate the classes.

The separation score is Fisher's ratio in the plane: the spread of the class means around the
overall mean over the spread of the points around their own class mean (trace of the
between-class scatter over the trace of the within-class scatter). 0 means the classes sit on
top of each other; it grows as they pull apart, whatever the plane's scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

KIND = "projection"


@dataclass(frozen=True)
class ProjectedPoints:
    step: int
    node_id: str
    label: str
    points: np.ndarray  # (n, 2)
    targets: np.ndarray  # (n,) class per point, or value per point
    classes: int  # 0: targets are values
    variance: tuple[float, float]  # shares of the block's variance on the two axes


def projected_blocks(snapshot: Any) -> dict[str, str]:
    """Node id → label of the blocks a projection snapshot holds (in the network's order)."""
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get("blocks"), dict):
        return {}
    return {nid: str(rec.get("label", nid)) for nid, rec in snapshot["blocks"].items() if isinstance(rec, dict)}


def projected_points(step: int, snapshot: Any, node_id: str) -> ProjectedPoints | None:
    """One block's points in a projection snapshot (None: the snapshot has no such block)."""
    blocks = snapshot.get("blocks") if isinstance(snapshot, dict) else None
    rec = blocks.get(node_id) if isinstance(blocks, dict) else None
    if not isinstance(rec, dict):
        return None
    points = np.asarray(rec["points"], dtype=np.float32).reshape(-1, 2)
    targets = np.asarray(snapshot["targets"])[:len(points)]
    variance = [float(v) for v in [*list(rec.get("variance") or []), 0.0, 0.0][:2]]
    return ProjectedPoints(step, node_id, str(rec.get("label", node_id)), points[:len(targets)], targets,
                           int(snapshot.get("classes", 0)), (variance[0], variance[1]))


def separation(points: np.ndarray, classes: np.ndarray) -> float:
    """Fisher's ratio of ``points`` (n, 2) grouped by ``classes`` (n,): between-class scatter over
    within-class scatter (0 with one class; inf when every class is a single point apart)."""
    points = np.asarray(points, dtype=np.float64)
    classes = np.asarray(classes)
    mean = points.mean(0)
    between = within = 0.0
    labels = np.unique(classes)
    if len(labels) < 2:
        return 0.0
    for c in labels:
        group = points[classes == c]
        centre = group.mean(0)
        between += len(group) * float(np.square(centre - mean).sum())
        within += float(np.square(group - centre).sum())
    return between / within if within > 0 else float("inf")
