"""2-D classification datasets, as in the classic browser playground.

Inputs are points roughly in [-1, 1]² (noise can push them a little outside);
``meta["extent"]`` is a symmetric box (xmin, xmax, ymin, ymax) that holds every point.
Classes are exactly balanced (n_samples is split evenly; any remainder goes to the first classes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.data.bundle import (
    DataBundle,
    common,
    extent_of,
    make_bundle,
    p_noise,
    p_samples,
    p_seed,
    p_val,
)
from playground.data.registry import DatasetDef, register
from playground.graph.spec import ParamSpec, TaskSpec


def _counts(n: int, k: int) -> list[int]:
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _finish(name: str, p: dict[str, Any], x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
            class_names: list[str]) -> DataBundle:
    task = TaskSpec("classification", (2,), "float", (), len(class_names))
    meta = {"class_names": class_names, "extent": extent_of(x)}
    return make_bundle(name, p, task, x.astype(np.float32), y.astype(np.int64), rng, meta)


def _spirals(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    xs, ys = [], []
    for c, n in enumerate(_counts(p["n_samples"], 2)):
        t = np.sqrt(rng.uniform(0.0, 1.0, n))  # sqrt: even density along the arm
        r = 0.08 + 0.92 * t
        angle = 2 * np.pi * p["turns"] * t + np.pi * c
        pts = np.stack([r * np.cos(angle), r * np.sin(angle)], 1)
        xs.append(pts + rng.normal(0, p["noise"], pts.shape))
        ys.append(np.full(n, c))
    return _finish("spirals", p, np.concatenate(xs), np.concatenate(ys), rng, ["arm A", "arm B"])


def _circles(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    n0, n1 = _counts(p["n_samples"], 2)
    r = np.concatenate([rng.uniform(0, 0.5, n0), rng.uniform(0.7, 1.0, n1)])
    a = rng.uniform(0, 2 * np.pi, n0 + n1)
    x = np.stack([r * np.cos(a), r * np.sin(a)], 1) + rng.normal(0, p["noise"], (n0 + n1, 2))
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish("circles", p, x, y, rng, ["inside", "outside"])


def _xor(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    xs, ys = [], []
    for c, n in enumerate(_counts(p["n_samples"], 2)):
        # quadrants with x1*x2 > 0 are class 1; keep a small gap from the axes like the classic playground
        mag = rng.uniform(0.05, 1.0, (n, 2))
        s1 = rng.choice([-1.0, 1.0], n)
        s2 = s1 if c == 1 else -s1
        pts = mag * np.stack([s1, s2], 1)
        xs.append(pts + rng.normal(0, p["noise"], pts.shape))
        ys.append(np.full(n, c))
    return _finish("xor", p, np.concatenate(xs), np.concatenate(ys), rng, ["opposite signs", "same sign"])


def _gaussians(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    k = p["classes"]
    xs, ys = [], []
    for c, n in enumerate(_counts(p["n_samples"], k)):
        a = 2 * np.pi * c / k + np.pi / 4
        centre = 0.6 * np.array([np.cos(a), np.sin(a)])
        xs.append(centre + rng.normal(0, p["noise"], (n, 2)))
        ys.append(np.full(n, c))
    return _finish("gaussians", p, np.concatenate(xs), np.concatenate(ys), rng,
                   [f"cluster {c}" for c in range(k)])


def _moons(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    n0, n1 = _counts(p["n_samples"], 2)
    a0, a1 = rng.uniform(0, np.pi, n0), rng.uniform(0, np.pi, n1)
    upper = np.stack([np.cos(a0), np.sin(a0)], 1)
    lower = np.stack([1 - np.cos(a1), 0.5 - np.sin(a1)], 1)
    x = np.concatenate([upper, lower])
    x = (x - np.array([0.5, 0.25])) * np.array([0.65, 1.0])  # centre into [-1, 1]²
    x = x + rng.normal(0, p["noise"], x.shape)
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return _finish("moons", p, x, y, rng, ["upper moon", "lower moon"])


def _checkerboard(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    cells = p["cells"]
    xs, ys = [], []
    for c, n in enumerate(_counts(p["n_samples"], 2)):
        got: list[np.ndarray] = []
        while sum(len(g) for g in got) < n:  # rejection sampling keeps the classes exactly balanced
            pts = rng.uniform(-1, 1, (2 * n + 8, 2))
            idx = np.floor((pts + 1) / 2 * cells).clip(0, cells - 1).astype(int)
            got.append(pts[(idx.sum(1) % 2) == c])
        pts = np.concatenate(got)[:n]
        xs.append(pts + rng.normal(0, p["noise"], pts.shape))
        ys.append(np.full(n, c))
    return _finish("checkerboard", p, np.concatenate(xs), np.concatenate(ys), rng, ["dark", "light"])


register(DatasetDef(
    "spirals", "Two spirals", "Two interleaved spiral arms; needs a curved boundary (hidden layers).",
    "2-D", (p_samples(500), p_noise(0.03),
            ParamSpec("turns", "float", 1.25, "How many times each arm winds around the centre", 0.25, 4.0),
            p_seed(), p_val()),
    "mlp", _spirals))
register(DatasetDef(
    "circles", "Circles", "A disk inside a ring; separable by radius.",
    "2-D", common(400, 0.05), "mlp", _circles))
register(DatasetDef(
    "xor", "XOR", "Four quadrants; the label is whether both coordinates have the same sign.",
    "2-D", common(400, 0.05), "mlp", _xor))
register(DatasetDef(
    "gaussians", "Gaussian clusters", "k Gaussian blobs on a circle, one class each (multi-class).",
    "2-D", (p_samples(400), p_noise(0.15),
            ParamSpec("classes", "int", 3, "Number of clusters (classes)", 2, 10), p_seed(), p_val()),
    "mlp", _gaussians,
    cross_check=lambda p: (f"n_samples must be at least 10 per class ({10 * p['classes']} for "
                           f"{p['classes']} classes), got {p['n_samples']}")
    if p["n_samples"] < 10 * p["classes"] else None))
register(DatasetDef(
    "moons", "Moons", "Two interleaving half circles.",
    "2-D", common(400, 0.05), "mlp", _moons))
register(DatasetDef(
    "checkerboard", "Checkerboard", "Alternating squares on a grid; harder as cells grow.",
    "2-D", (p_samples(800), p_noise(0.0),
            ParamSpec("cells", "int", 4, "Squares along each side", 2, 8), p_seed(), p_val()),
    "mlp", _checkerboard))
