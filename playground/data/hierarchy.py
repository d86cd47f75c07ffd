"""Hierarchical items -> features data for deep linear networks (Saxe, McClelland & Ganguli 2013, 2019).

Items are one-hot vectors x ∈ R^P, P = branching^depth (the leaves of a tree). Targets are binary
feature vectors y ∈ {0, 1}^F (task "regression", target (F,)).

variant "tree": one feature per tree node (the root, every inner node, every leaf), repeated
``feature_copies`` times: an item has the feature when it lies below that node — like "can grow"
(root), "can move" (animals), "can fly" (birds), "is a canary" (leaf). F = copies × (number of nodes).
variant "planted": the P items fall into ``categories`` equal blocks and the same F features into
as many blocks; an item has the features of its own block (a block-structured matrix).
In both, ``noise`` is the probability that each item-feature entry is flipped (0 <-> 1), drawn once
from ``seed``: the dataset is the fixed matrix Y (F × P), column i being item i's features.

Training and validation sets are the same P items (each once): with so few items there is nothing
to hold out, and the point of this dataset is the learning dynamics, not generalisation.

meta["correlation"] is the input-output correlation Σyx = E[y xᵀ] = Y / P over uniformly drawn items
(F × P). With one-hot inputs Σxx = E[x xᵀ] = I / P (meta["input_correlation_scale"] = 1/P), i.e. the
inputs are white up to that scale; the singular values of Σyx set the mode strengths in Saxe et al.
meta["items"] and meta["features"] name rows and columns (tree paths such as "1.2.1").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from playground.data.bundle import DataBundle, p_seed
from playground.data.registry import DatasetDef, register
from playground.graph.spec import ParamSpec, TaskSpec


def tree_nodes(depth: int, branching: int) -> list[tuple[int, ...]]:
    """Every node as its path from the root (root = ()), breadth first."""
    nodes: list[tuple[int, ...]] = [()]
    level: list[tuple[int, ...]] = [()]
    for _ in range(depth):
        level = [(*n, b) for n in level for b in range(1, branching + 1)]
        nodes += level
    return nodes


def _name(path: tuple[int, ...]) -> str:
    return ".".join(str(i) for i in path) if path else "root"


def tree_features(depth: int, branching: int, copies: int = 1) -> tuple[np.ndarray, list[str], list[str]]:
    """Noise-free Y (F × P) for the tree variant, with item and feature names."""
    nodes = tree_nodes(depth, branching)
    leaves = [n for n in nodes if len(n) == depth]
    y = np.array([[1.0 if leaf[: len(node)] == node else 0.0 for leaf in leaves] for node in nodes])
    names = [f"has {_name(n)}" for n in nodes]
    if copies > 1:
        y = np.repeat(y, copies, axis=0)
        names = [f"{nm} #{c + 1}" for nm in names for c in range(copies)]
    return y, [_name(leaf) for leaf in leaves], names


def planted_features(n_items: int, n_features: int, categories: int) -> np.ndarray:
    """Noise-free block matrix Y (F × P): feature block k is on exactly for item block k."""
    item_block = np.arange(n_items) * categories // n_items
    feat_block = np.arange(n_features) * categories // n_features
    return (feat_block[:, None] == item_block[None, :]).astype(np.float64)


def correlation(y: np.ndarray) -> np.ndarray:
    """Σyx = E[y xᵀ] for one-hot x over P equally likely items: Y / P."""
    return y / y.shape[1]


def _hierarchy(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    y, items, features = tree_features(p["depth"], p["branching"], p["feature_copies"])
    if p["variant"] == "planted":
        y = planted_features(y.shape[1], y.shape[0], p["categories"])
        block = np.arange(y.shape[0]) * p["categories"] // y.shape[0]
        features = [f"block {b + 1} feature {int((block[:f] == b).sum()) + 1}" for f, b in enumerate(block)]
        item_block = np.arange(y.shape[1]) * p["categories"] // y.shape[1]
        items = [f"item {i + 1} (block {b + 1})" for i, b in enumerate(item_block)]
    flips = rng.random(y.shape) < p["noise"]
    y = np.where(flips, 1.0 - y, y)
    n_items, n_feat = y.shape[1], y.shape[0]
    x = torch.eye(n_items, dtype=torch.float32)
    targets = torch.from_numpy(y.T.astype(np.float32)).contiguous()
    task = TaskSpec("regression", (n_items,), "float", (n_feat,))
    meta = {"items": items, "features": features, "correlation": correlation(y).astype(np.float32),
            "input_correlation_scale": 1.0 / n_items, "feature_matrix": y.astype(np.float32),
            "validation": "the same items as training",
            "split_note": "validation is the training items themselves (by design: every item is needed)"}
    return DataBundle("hierarchy", dict(p), task, x, targets, x.clone(), targets.clone(), meta)


def _cross(p: dict[str, Any]) -> str | None:
    items = p["branching"] ** p["depth"]
    if items > 256:
        return f"branching^depth gives {items} items; at most 256 are allowed (lower depth or branching)"
    if p["variant"] == "planted" and p["categories"] > items:
        return f"categories ({p['categories']}) must not exceed the number of items ({items})"
    return None


register(DatasetDef(
    "hierarchy", "Hierarchical items → features",
    "One-hot items and binary features from a tree (Saxe, McClelland & Ganguli): deep linear networks "
    "learn its modes one level at a time.",
    "hierarchical",
    (ParamSpec("variant", "choice", "tree", "tree: features of a branching hierarchy; planted: block categories",
               choices=("tree", "planted")),
     ParamSpec("depth", "int", 3, "Levels of the tree below the root", 1, 6),
     ParamSpec("branching", "int", 2, "Children per node", 2, 6),
     ParamSpec("feature_copies", "int", 1, "Copies of each feature (more features per node)", 1, 8),
     ParamSpec("categories", "int", 2, "Planted variant: number of item/feature blocks", 2, 16),
     ParamSpec("noise", "float", 0.0, "Probability that each item-feature entry is flipped", 0.0, 0.5),
     p_seed()),
    "deep_linear", _hierarchy, cross_check=_cross, task="regression"))
