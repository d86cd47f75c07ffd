"""The snapshot record as (JSON-safe meta, flat numeric arrays), and back.

Each kind's history is a list of (step, entry). An entry is a nested structure of dicts,
lists, strings, numbers and numpy arrays. Encoding replaces every array by a reference
``"@KEY#ROW"`` into one stacked array per (kind, path, shape, dtype): e.g. all the
``fc1.weight`` counts of the weights history become one (T, bins) array. An array shared by
several entries (the boundary's data points) is stored once. Keys match
``^[A-Za-z0-9_\\-]{1,64}$``; the meta names the path behind each key.

``decode_record`` checks everything it reads (kinds, steps, references, rows, dtypes) and
raises ValueError with a message on the first problem.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import numpy as np

from playground.train.schedule import CAPACITY, EXTRAS
from playground.train.snapshots import KINDS

FORMAT = 1
_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_REF = re.compile(r"^@([A-Za-z0-9_\-]{1,64})#(\d{1,6})$")
MAX_DEPTH = 8


class _Encoder:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.groups: dict[tuple[str, tuple[int, ...], str], tuple[str, list[np.ndarray]]] = {}
        self.shared: dict[int, str] = {}
        self.paths: dict[str, str] = {}

    def encode(self, value: Any, path: str) -> Any:
        if isinstance(value, np.ndarray):
            return self._array(value, path)
        if isinstance(value, dict):
            return {str(k): self.encode(v, f"{path}/{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                             for v in value):
                return [_number(v) for v in value]
            return [self.encode(v, f"{path}/{i}") for i, v in enumerate(value)]
        if isinstance(value, (np.integer, np.floating, float, int)) and not isinstance(value, bool):
            return _number(value)
        if value is None or isinstance(value, (str, bool)):
            if isinstance(value, str) and value.startswith("@"):
                return "@" + value  # escaped: not a reference
            return value
        raise ValueError(f"{self.kind} snapshot holds a {type(value).__name__} at {path}")

    def _array(self, a: np.ndarray, path: str) -> str:
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{self.kind} snapshot holds a {a.dtype} array at {path}")
        if id(a) in self.shared:
            return self.shared[id(a)]
        group_key = (path, tuple(a.shape), a.dtype.str)
        group = self.groups.get(group_key)
        if group is None:
            key = f"{self.kind}-{len(self.groups)}"
            group = self.groups[group_key] = (key, [])
            self.paths[key] = path
        key, rows = group
        rows.append(a)
        ref = f"@{key}#{len(rows) - 1}"
        self.shared[id(a)] = ref
        return ref


def _number(v: Any) -> float | int | None:
    if isinstance(v, (int, np.integer)):
        return int(v)
    f = float(v)
    return f if math.isfinite(f) else None  # JSON has no NaN: a non-finite value reads back as None


def encode_record(histories: dict[str, list[tuple[int, Any]]]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta: dict[str, Any] = {"format": FORMAT, "kinds": {}}
    arrays: dict[str, np.ndarray] = {}
    for kind, pairs in histories.items():
        enc = _Encoder(kind)
        entries = [enc.encode(entry, "") for _, entry in pairs]
        for key, rows in enc.groups.values():
            arrays[key] = np.stack(rows)
        meta["kinds"][kind] = {"steps": [int(s) for s, _ in pairs], "entries": entries, "paths": enc.paths}
    return meta, arrays


def decode_record(meta: Any, arrays: Any) -> dict[str, list[tuple[int, Any]]]:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(meta.get("kinds"), dict):
        raise ValueError("the recorded history is damaged: unknown format")
    if not isinstance(arrays, dict):
        raise ValueError("the recorded history is damaged: arrays must be a mapping")
    for key, a in arrays.items():
        if not isinstance(key, str) or not _KEY.match(key) or not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf":
            raise ValueError(f"the recorded history is damaged: array {str(key)[:40]!r} is not a numeric array")
    out: dict[str, list[tuple[int, Any]]] = {}
    for kind, data in meta["kinds"].items():
        if kind not in KINDS:
            raise ValueError(f"the recorded history has an unknown kind {str(kind)[:40]!r}")
        if not isinstance(data, dict):
            raise ValueError(f"the recorded {kind} history is damaged")
        steps, entries = data.get("steps"), data.get("entries")
        if (not isinstance(steps, list) or not isinstance(entries, list) or len(steps) != len(entries)
                or len(steps) > CAPACITY + EXTRAS):
            raise ValueError(f"the recorded {kind} history is damaged: steps and entries do not match")
        if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in steps) or \
                any(b <= a for a, b in itertools.pairwise(steps)):
            raise ValueError(f"the recorded {kind} history is damaged: steps must be increasing whole numbers")
        out[kind] = [(s, _decode(e, arrays, kind, 0)) for s, e in zip(steps, entries, strict=True)]
    return out


def _decode(value: Any, arrays: dict[str, np.ndarray], kind: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"the recorded {kind} history is nested too deeply")
    if isinstance(value, str):
        if value.startswith("@@"):
            return value[1:]
        if value.startswith("@"):
            m = _REF.match(value)
            if m is None or m.group(1) not in arrays:
                raise ValueError(f"the recorded {kind} history refers to a missing array {value[:40]!r}")
            stacked = arrays[m.group(1)]
            row = int(m.group(2))
            if stacked.ndim == 0 or row >= len(stacked):
                raise ValueError(f"the recorded {kind} history refers past the end of {m.group(1)!r}")
            return stacked[row]
        return value
    if isinstance(value, dict):
        return {k: _decode(v, arrays, kind, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, arrays, kind, depth + 1) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise ValueError(f"the recorded {kind} history holds a {type(value).__name__}")
