"""Small image datasets: real 8×8 handwritten digits and generated 16×16 shapes.

Images are float32 (N, 1, H, W) in [0, 1]. Param ``task``: "classification" (y = class index) or
"reconstruction" (y = x, for autoencoders).

digits: the UCI "Optical Recognition of Handwritten Digits" set (1797 images, CC BY 4.0), read
from ``digits.npz`` with numpy only (see resources/DIGITS_LICENSE.txt). Where the file is looked
for, in order: $PLAYGROUND_RESOURCES, the package's own ``playground/resources/`` (what
pyproject's package-data ships in a wheel), then ``resources/`` at the repository root (a source
checkout or an editable install).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from playground.data.bundle import DataBundle, DatasetError, make_bundle, p_noise, p_samples, p_seed, p_val
from playground.data.registry import DatasetDef, register
from playground.graph.spec import ParamSpec, TaskSpec

TASKS = ("classification", "reconstruction")
SHAPES = ("circle", "square", "triangle", "cross")
TEXTURES = ("none", "class", "random")
_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def resource_path(filename: str) -> Path:
    """Find a shipped data file (see the module docstring for the search order)."""
    candidates: list[Path] = []
    env = os.environ.get("PLAYGROUND_RESOURCES")
    if env:
        candidates.append(Path(env) / filename)
    try:
        candidates.append(Path(str(resources.files("playground").joinpath("resources").joinpath(filename))))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - odd installs
        pass
    candidates.append(Path(__file__).resolve().parents[2] / "resources" / filename)
    for c in candidates:
        if c.is_file():
            return c
    raise DatasetError(f"data file {filename} not found; looked in: {', '.join(str(c) for c in candidates)}")


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (1797, 8, 8) with values 0..16, labels uint8 (1797,)); read once, then cached."""
    if "digits" not in _cache:
        path = resource_path("digits.npz")
        try:
            with np.load(path, allow_pickle=False) as f:
                _cache["digits"] = (f["images"], f["labels"])
        except (OSError, KeyError, ValueError) as e:
            raise DatasetError(f"{path} is not a readable digits archive: {e}") from e
    return _cache["digits"]


def _stratified_subset(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n indices keeping the class proportions: rank items within their class in a random order,
    then take those with the smallest rank relative to their class size."""
    order = rng.permutation(len(labels))
    rank = np.empty(len(labels))
    for c in np.unique(labels):
        members = order[labels[order] == c]
        rank[members] = (np.arange(len(members)) + 0.5) / len(members)
    return np.sort(np.argsort(rank, kind="stable")[:n])


def _image_task(p: dict[str, Any], shape: tuple[int, int, int], k: int) -> TaskSpec:
    if p["task"] == "reconstruction":
        return TaskSpec("reconstruction", shape, "float", shape)
    return TaskSpec("classification", shape, "float", (), k)


def _digits(p: dict[str, Any]) -> DataBundle:
    images, labels = load_digits_arrays()
    rng = np.random.default_rng(p["seed"])
    n = min(p["n_samples"], len(images))
    pick = _stratified_subset(labels, n, rng) if n < len(images) else np.arange(n)
    x = images[pick].astype(np.float32)[:, None] / 16.0
    y = labels[pick].astype(np.int64)
    meta = {"class_names": [str(d) for d in range(10)], "source": "UCI optical digits (CC BY 4.0)"}
    return make_bundle("digits", p, _image_task(p, (1, 8, 8), 10), x, y, rng, meta)


# ---- shapes -------------------------------------------------------------------------------------

def _inside(kind: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Is (u, v), in the shape's own frame (size about ±1), inside shape ``kind``?"""
    if kind == 0:
        return u * u + v * v <= 0.85**2
    if kind == 1:
        return np.maximum(np.abs(u), np.abs(v)) <= 0.72
    if kind == 2:  # equilateral triangle, centroid at the origin, pointing up
        r = 1.15  # circumradius; a bit larger so its area is close to the other shapes'
        inside = v >= -r / 2
        for ang in (np.pi / 6, 5 * np.pi / 6):  # the two slanted edges
            nx, ny = np.cos(ang), np.sin(ang)
            inside &= u * nx + v * ny <= r / 2
        return inside
    arm, half = 0.28, 0.9
    return ((np.abs(u) <= arm) & (np.abs(v) <= half)) | ((np.abs(v) <= arm) & (np.abs(u) <= half))


def _texture(which: np.ndarray, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """Four textures as brightness in [0.35, 1]: horizontal, vertical, diagonal stripes, dots."""
    out = np.empty((len(which), *xx.shape), np.float32)
    pats = [
        np.cos(yy * 3.0 * np.pi), np.cos(xx * 3.0 * np.pi),
        np.cos((xx + yy) * 2.2 * np.pi), np.cos(xx * 3.0 * np.pi) * np.cos(yy * 3.0 * np.pi),
    ]
    for t in range(4):
        out[which == t] = 0.675 + 0.325 * np.sign(pats[t])
    return out


def render_shapes(kinds: np.ndarray, centres: np.ndarray, scales: np.ndarray, angles: np.ndarray,
                  size: int = 16, supersample: int = 4) -> np.ndarray:
    """Anti-aliased binary masks (N, size, size) in [0, 1] for the given shape parameters."""
    g = size * supersample
    coords = (np.arange(g) + 0.5) / g * 2 - 1
    xx, yy = np.meshgrid(coords, -coords)  # y up
    n = len(kinds)
    masks = np.zeros((n, g, g), np.float32)
    for i in range(n):
        dx, dy = xx - centres[i, 0], yy - centres[i, 1]
        c, s = np.cos(angles[i]), np.sin(angles[i])
        u, v = (c * dx + s * dy) / scales[i], (-s * dx + c * dy) / scales[i]
        masks[i] = _inside(int(kinds[i]), u, v)
    return masks.reshape(n, size, supersample, size, supersample).mean((2, 4))


def _shapes(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    n = p["n_samples"]
    kinds = np.arange(n) % 4  # exactly balanced
    rng.shuffle(kinds)
    scales = 0.55 * (1 + p["scale"] * rng.uniform(-0.4, 0.4, n))
    centres = p["position"] * rng.uniform(-1, 1, (n, 2)) * (1 - scales[:, None])
    angles = np.deg2rad(p["rotation"]) * rng.uniform(-1, 1, n)
    x = render_shapes(kinds, centres, scales, angles)
    if p["texture"] != "none":
        which = kinds if p["texture"] == "class" else rng.integers(0, 4, n)
        coords = (np.arange(16) + 0.5) / 16 * 2 - 1
        xx, yy = np.meshgrid(coords, coords)
        x = x * _texture(which, xx, yy)
    if p["noise"] > 0:
        x = np.clip(x + rng.normal(0, p["noise"], x.shape), 0, 1)
    meta: dict[str, Any] = {"class_names": list(SHAPES), "texture": p["texture"]}
    if p["position"] == p["scale"] == p["rotation"] == p["noise"] == 0 and p["texture"] != "random":
        meta["split_note"] = "nothing varies at these settings: validation repeats the training pictures"
    return make_bundle("shapes", p, _image_task(p, (1, 16, 16), 4), x[:, None].astype(np.float32),
                       kinds.astype(np.int64), rng, meta)


def _p_task() -> ParamSpec:
    return ParamSpec("task", "choice", "classification",
                     "classification: predict the class; reconstruction: output the image (autoencoders)",
                     choices=TASKS)


register(DatasetDef(
    "digits", "Handwritten digits (8×8)", "1797 real handwritten digits 0-9 (UCI, CC BY 4.0), 8×8 grey.",
    "image", (_p_task(), p_samples(1797, 100, 1797), p_seed(), p_val()), "lenet", _digits))
register(DatasetDef(
    "shapes", "Shapes (16×16)",
    "Circles, squares, triangles and crosses with random position, size and rotation; an optional "
    "texture cue ('class': each shape has its own texture, a shortcut; 'random': texture is a distraction).",
    "image", (_p_task(), p_samples(2000, 40, 20_000),
              ParamSpec("position", "float", 0.5, "How far shapes wander from the centre (0 = fixed)", 0.0, 1.0),
              ParamSpec("scale", "float", 0.5, "How much the size varies (0 = fixed)", 0.0, 1.0),
              ParamSpec("rotation", "float", 30.0, "Largest rotation, in degrees either way", 0.0, 180.0),
              ParamSpec("texture", "choice", "none", "Texture inside shapes: none, class (a cue), random",
                        choices=TEXTURES),
              p_noise(0.05, 0.5, "Pixel noise (standard deviation)"), p_seed(), p_val()),
    "resnet", _shapes))
