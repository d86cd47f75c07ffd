"""Regression datasets: 2-D (plane, bumps; input (2,)) and 1-D (sine, polynomial; input (1,)).

Targets are float32 (N, 1). ``meta["extent"]`` is (xmin, xmax, ymin, ymax): for 2-D inputs the
input box, for 1-D inputs the x range and the target range (for plotting y against x).
``meta["target_range"]`` is (min, max) of the targets. Noise is added to the targets only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.data.bundle import DataBundle, extent_of, make_bundle, p_noise, p_samples, p_seed, p_val
from playground.data.registry import DatasetDef, register
from playground.graph.spec import ParamSpec, TaskSpec


def _finish(name: str, p: dict[str, Any], x: np.ndarray, t: np.ndarray,
            rng: np.random.Generator) -> DataBundle:
    y = t + rng.normal(0, p["noise"], t.shape)
    dim = x.shape[1]
    task = TaskSpec("regression", (dim,), "float", (1,))
    lo, hi = float(y.min()), float(y.max())
    if dim == 2:
        extent = extent_of(x, pad=0.0)
    else:
        pad = 0.1 * max(hi - lo, 1e-6)
        extent = (-1.0, 1.0, round(lo - pad, 3), round(hi + pad, 3))
    meta = {"extent": extent, "target_range": (lo, hi)}
    return make_bundle(name, p, task, x.astype(np.float32), y.reshape(-1, 1).astype(np.float32), rng, meta)


def _plane(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    x = rng.uniform(-1, 1, (p["n_samples"], 2))
    a = np.deg2rad(p["angle"])
    t = 0.7 * (np.cos(a) * x[:, 0] + np.sin(a) * x[:, 1])
    return _finish("plane", p, x, t, rng)


def _bumps(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    k, w = p["bumps"], p["width"]
    centres = rng.uniform(-0.7, 0.7, (k, 2))
    signs = np.where(np.arange(k) % 2 == 0, 1.0, -1.0)  # alternate up/down bumps
    x = rng.uniform(-1, 1, (p["n_samples"], 2))
    d2 = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
    t = (signs * np.exp(-d2 / (2 * w * w))).sum(1)
    return _finish("bumps", p, x, t, rng)


def _sine(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    x = rng.uniform(-1, 1, (p["n_samples"], 1))
    t = np.sin(np.pi * p["frequency"] * x[:, 0])
    return _finish("sine", p, x, t, rng)


def _polynomial(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    coeffs = rng.normal(0, 1, p["degree"] + 1)  # the polynomial itself also follows the seed
    x = rng.uniform(-1, 1, (p["n_samples"], 1))
    t = np.polynomial.polynomial.polyval(x[:, 0], coeffs)
    grid = np.polynomial.polynomial.polyval(np.linspace(-1, 1, 201), coeffs)
    t = t / max(float(np.abs(grid).max()), 1e-6)  # scale the clean curve into [-1, 1]
    return _finish("polynomial", p, x, t, rng)


register(DatasetDef(
    "plane", "Plane", "A tilted plane over the square: the simplest 2-D regression (linear).",
    "2-D", (p_samples(400), p_noise(0.05),
            ParamSpec("angle", "float", 45.0, "Direction of steepest ascent, in degrees", -180.0, 180.0),
            p_seed(), p_val()),
    "mlp", _plane, task="regression"))
register(DatasetDef(
    "bumps", "Gaussian bumps", "A sum of Gaussian hills and valleys at random places (2-D regression).",
    "2-D", (p_samples(600), p_noise(0.02),
            ParamSpec("bumps", "int", 3, "Number of hills and valleys", 1, 8),
            ParamSpec("width", "float", 0.3, "Width of each bump", 0.05, 1.0), p_seed(), p_val()),
    "mlp", _bumps, task="regression"))
register(DatasetDef(
    "sine", "Sine", "y = sin(π·f·x) + noise on [-1, 1] (1-D regression).",
    "2-D", (p_samples(200), p_noise(0.05),
            ParamSpec("frequency", "float", 1.5, "Half-periods over [-1, 1] (f in sin(π·f·x))", 0.1, 10.0),
            p_seed(), p_val()),
    "mlp", _sine, task="regression"))
register(DatasetDef(
    "polynomial", "Polynomial", "A random polynomial of the given degree, scaled into [-1, 1], plus noise.",
    "2-D", (p_samples(200), p_noise(0.05),
            ParamSpec("degree", "int", 3, "Degree of the polynomial", 1, 10), p_seed(), p_val()),
    "mlp", _polynomial, task="regression"))
