"""Everything a MetricsBuffer recorded, as plain files in a directory (``playground train --history``).

* ``scalars.csv``: a column ``step``, then one column per scalar series (empty where a series
  has no value at that step);
* ``modes.csv`` (deep-linear runs): ``step, mode_1 … mode_k, analytic_1 … analytic_k``, and
  ``modes_meta.json`` with ``singular_values``, ``tau_steps``, ``a0`` and
  ``predicted_half_rise_steps`` (whatever the mode tracker recorded of them);
* one ``KIND.npz`` per array kind (weights, grads, activations, attention, boundary, units,
  similarity), each holding ``steps`` and the kind's arrays stacked over steps (names say the
  path inside the snapshot: ``fc1.weight__counts``).
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from playground.train.metrics import MetricsBuffer

ARRAY_KINDS = ("weights", "grads", "activations", "attention", "boundary", "units", "similarity", "confusion",
               "projection")
META_KEYS = ("singular_values", "tau_steps", "a0", "predicted_half_rise_steps", "t0", "method")


def write_history(buffer: MetricsBuffer, directory: str | os.PathLike[str]) -> list[Path]:
    """Write the record of ``buffer`` under ``directory`` (created if needed); return the files.

    Raises OSError (with ``filename`` set) when the directory or a file cannot be written, and
    ValueError when the record cannot be expressed as files."""
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(20, "not a directory", str(root))
    root.mkdir(parents=True, exist_ok=True)
    written = [_scalars(buffer, root / "scalars.csv")]
    modes = buffer.snapshot_history("modes")
    if modes:
        written += _modes(modes, root)
    meta, arrays = buffer.export_record()
    for kind in ARRAY_KINDS:
        info = meta["kinds"].get(kind)
        if info and info["steps"]:
            written.append(_npz(root / f"{kind}.npz", info, arrays))
    return written


def _open(path: Path) -> Any:
    try:
        return path.open("w", newline="", encoding="utf-8")
    except OSError as err:
        if err.filename is None:
            err.filename = str(path)
        raise


def _scalars(buffer: MetricsBuffer, path: Path) -> Path:
    names = buffer.series_names()
    columns = {name: buffer.series(name) for name in names}
    steps = sorted({int(s) for st, _ in columns.values() for s in st})
    index = {s: i for i, s in enumerate(steps)}
    table: list[list[str]] = [[str(s)] + [""] * len(names) for s in steps]
    for j, name in enumerate(names, start=1):
        for s, v in zip(*columns[name], strict=True):
            table[index[int(s)]][j] = repr(float(v))
    with _open(path) as f:
        writer = csv.writer(f)
        writer.writerow(["step", *names])
        writer.writerows(table)
    return path


def _modes(history: list[tuple[int, Any]], root: Path) -> list[Path]:
    k = max(len(np.ravel(d["strength"])) for _, d in history)

    def cells(values: Any) -> list[str]:
        flat = [repr(float(v)) for v in np.ravel(values)] if values is not None else []
        return flat + [""] * (k - len(flat))

    path = root / "modes.csv"
    with _open(path) as f:
        writer = csv.writer(f)
        writer.writerow(["step", *(f"mode_{i + 1}" for i in range(k)), *(f"analytic_{i + 1}" for i in range(k))])
        for step, d in history:
            writer.writerow([str(step), *cells(d.get("strength")), *cells(d.get("analytic"))])
    latest = history[-1][1]
    meta = {key: _json(latest[key]) for key in META_KEYS if key in latest}
    meta_path = root / "modes_meta.json"
    with _open(meta_path) as f:
        json.dump(meta, f, indent=1)
    return [path, meta_path]


def _json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_json(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _npz(path: Path, info: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    out: dict[str, np.ndarray] = {"steps": np.asarray(info["steps"], dtype=np.int64)}
    for key, where in info["paths"].items():
        name = re.sub(r"[^A-Za-z0-9_.\-]+", "__", where.strip("/")) or key
        while name in out:
            name += "_"
        out[name] = arrays[key]
    try:
        with path.open("wb") as f:
            np.savez_compressed(f, **out)  # type: ignore[arg-type]
    except OSError as err:
        if err.filename is None:
            err.filename = str(path)
        raise
    return path


