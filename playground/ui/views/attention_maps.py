"""What the attention view chooses and says, without Qt: how structured each head's map is (mean
row entropy), which block and head is the most structured, the map recorded at a step, and which
blocks of a graph record attention at all."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from playground.compile.blocks.base import block_for
from playground.graph.model import Graph


def head_entropy(maps: np.ndarray) -> np.ndarray:
    """Mean row entropy of each head of ``maps`` (samples, heads, queries, keys), divided by
    log(keys): 0 when every query looks at one key, 1 when it looks at all keys evenly."""
    p = np.clip(np.asarray(maps, dtype=np.float64), 0.0, None)
    p = p / np.maximum(p.sum(axis=-1, keepdims=True), 1e-12)
    keys = p.shape[-1]
    if keys < 2:
        return np.zeros(p.shape[1])
    logs = np.log(np.where(p > 0, p, 1.0))
    rows = -(p * logs).sum(axis=-1) / math.log(keys)  # (samples, heads, queries)
    return rows.mean(axis=(0, 2))


def entropies(maps: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``head_entropy`` of every block's maps, by node id."""
    return {nid: head_entropy(m) for nid, m in maps.items() if np.asarray(m).ndim == 4 and len(m)}


def most_structured(scores: dict[str, np.ndarray]) -> tuple[str, int, float] | None:
    """(node id, head, entropy) of the head with the lowest mean row entropy (None: no maps)."""
    best: tuple[str, int, float] | None = None
    for nid, per_head in scores.items():
        for head, value in enumerate(per_head):
            if best is None or value < best[2]:
                best = (nid, head, float(value))
    return best


def snapshot_at(buffer: Any, kind: str, step: int | None) -> tuple[int, Any] | None:
    """The latest snapshot of ``kind`` recorded at or before ``step`` (None: the newest one)."""
    if step is None:
        return buffer.snapshot(kind)
    if hasattr(buffer, "snapshot_at"):  # contract 1 (train/metrics.py)
        return buffer.snapshot_at(kind, step)
    found = None
    for entry in buffer.snapshot_history(kind):
        if entry[0] > step:
            break
        found = entry
    return found


def attention_blocks(graph: Graph) -> list[str]:
    """Labels of the blocks of ``graph`` that record attention maps (those with heads)."""
    out = []
    for node in graph.nodes.values():
        block = block_for(node.type)
        if block is not None and any(p.name == "heads" for p in block.params):
            out.append(node.label)
    return sorted(out)


def and_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
