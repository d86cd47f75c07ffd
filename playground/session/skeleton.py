"""Nested state (dicts, lists, tuples, numbers, tensors, arrays) <-> JSON skeleton + flat tensors.

Optimizer and trainer state are trees of Python values with tensors at the
leaves. Tensors go to a safetensors file, numpy arrays to ``.npy`` members,
and the rest becomes JSON in which each leaf is replaced by a reference
(``{"$tensor": key}``). Decoding is strict: unknown markers, missing
references, too deep or too large trees raise ``ValueError``. Nothing here
ever unpickles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

MAX_DEPTH = 32
MAX_NODES = 200_000
_MARKERS = ("$tensor", "$ndarray", "$tuple", "$items", "$float")


def encode(obj: Any, prefix: str) -> tuple[Any, dict[str, torch.Tensor], dict[str, np.ndarray]]:
    """Return (json skeleton, tensors by key, arrays by key); keys start with ``prefix``."""
    tensors: dict[str, torch.Tensor] = {}
    arrays: dict[str, np.ndarray] = {}

    def walk(x: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError("state is nested too deeply to save")
        if isinstance(x, torch.Tensor):
            key = f"{prefix}{len(tensors)}"
            tensors[key] = x.detach().cpu().contiguous()  # no clone: saving copies it into the file's bytes next
            return {"$tensor": key}
        if isinstance(x, np.ndarray):
            key = f"{prefix}{len(arrays)}"
            arrays[key] = np.ascontiguousarray(x)
            return {"$ndarray": key}
        if isinstance(x, np.generic):
            x = x.item()
        if x is None or isinstance(x, (bool, int, str)):
            return x
        if isinstance(x, float):
            return x if math.isfinite(x) else {"$float": repr(x)}
        if isinstance(x, tuple):
            return {"$tuple": [walk(v, depth + 1) for v in x]}
        if isinstance(x, list):
            return [walk(v, depth + 1) for v in x]
        if isinstance(x, dict):
            if all(isinstance(k, str) and not k.startswith("$") for k in x):
                return {k: walk(v, depth + 1) for k, v in x.items()}
            for k in x:
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise ValueError(f"cannot save a dict key of type {type(k).__name__}")
            return {"$items": [[k, walk(v, depth + 1)] for k, v in x.items()]}
        raise ValueError(f"cannot save a value of type {type(x).__name__}")

    return walk(obj, 0), tensors, arrays


def decode(skel: Any, tensors: Mapping[str, torch.Tensor], arrays: Mapping[str, np.ndarray]) -> Any:
    """Inverse of :func:`encode` for untrusted input; raises ValueError on anything odd."""
    count = 0

    def walk(x: Any, depth: int) -> Any:
        nonlocal count
        count += 1
        if depth > MAX_DEPTH or count > MAX_NODES:
            raise ValueError("state is nested too deeply or too large")
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, list):
            return [walk(v, depth + 1) for v in x]
        if not isinstance(x, dict):
            raise ValueError(f"unexpected {type(x).__name__} in saved state")
        if len(x) == 1:
            (key, value), = x.items()
            if key == "$tensor":
                if not isinstance(value, str) or value not in tensors:
                    raise ValueError(f"saved state refers to a missing tensor {value!r}")
                return tensors[value]
            if key == "$ndarray":
                if not isinstance(value, str) or value not in arrays:
                    raise ValueError(f"saved state refers to a missing array {value!r}")
                return arrays[value]
            if key == "$tuple":
                if not isinstance(value, list):
                    raise ValueError("malformed tuple in saved state")
                return tuple(walk(v, depth + 1) for v in value)
            if key == "$float":
                if value not in ("inf", "-inf", "nan"):
                    raise ValueError(f"malformed number {value!r} in saved state")
                return float(value)
            if key == "$items":
                if not isinstance(value, list):
                    raise ValueError("malformed mapping in saved state")
                out = {}
                for pair in value:
                    if not (isinstance(pair, list) and len(pair) == 2):
                        raise ValueError("malformed mapping entry in saved state")
                    k = pair[0]
                    if not (k is None or isinstance(k, (str, int, float, bool))):
                        raise ValueError("malformed mapping key in saved state")
                    out[k] = walk(pair[1], depth + 1)
                return out
        bad = [k for k in x if k.startswith("$")]
        if bad:
            raise ValueError(f"unknown marker {bad[0]!r} in saved state")
        return {k: walk(v, depth + 1) for k, v in x.items()}

    return walk(skel, 0)
