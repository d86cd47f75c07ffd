"""A user's own table: load_csv() and the "csv" entry of the registry.

The first row is a header when any of its cells is not a number; otherwise columns are called
"column 1", "column 2", ... Delimiter: comma, semicolon or tab (sniffed). Cells "", "NA", "N/A",
"NaN", "null", "None" and "?" count as missing, which is an error (naming the row and column).
Row numbers in messages are the file's line numbers (1 = the first line).

Inputs are standardised with the training rows' mean and std (meta["input_mean"], ["input_std"];
a constant column keeps std 1). Classification maps the target's distinct values (sorted; numbers
numerically) to class indices 0..K-1 (meta["class_names"]). Regression targets are standardised too
(meta["target_mean"], ["target_std"]: prediction × std + mean gives the original unit).
task "auto": classification when the target has a non-numeric value, or only whole numbers with at
most 20 distinct values; regression otherwise.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np

from playground.data.bundle import DataBundle, DatasetError, make_bundle, p_seed, p_val
from playground.data.registry import DatasetDef, register
from playground.graph.spec import ParamSpec, TaskSpec

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELLS = 5_000_000  # each cell is a Python string until parsed: ~60 bytes apiece
MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}
AUTO_MAX_CLASSES = 20
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _number(cell: str) -> float | None:
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _read_rows(path: Path) -> list[list[str]]:
    text = _read_text(path)
    if not text.strip():
        raise DatasetError(f"{path}: the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows: list[list[str]] = []
    cells = 0
    try:
        # parse from the text as a stream: no list of lines beside the text and the rows
        for i, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
            if i >= MAX_ROWS + 1:
                raise DatasetError(f"{path}: too many rows (more than {MAX_ROWS:,})")
            cells += len(row)
            if cells > MAX_CELLS:
                raise DatasetError(f"{path}: too many values (more than {MAX_CELLS:,} cells)")
            rows.append([c.strip() for c in row])
    except csv.Error as e:
        raise DatasetError(f"{path}: not valid CSV near row {len(rows) + 1}: {e}") from e
    return rows


def _read_text(path: Path) -> str:
    """The file's text, read with a byte cap from a regular file that does not grow meanwhile."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as e:
        raise DatasetError(f"{path}: cannot be read ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise DatasetError(f"{path}: is a folder, not a CSV file")
    if not stat.S_ISREG(st.st_mode):
        raise DatasetError(f"{path}: is a device, pipe or socket, not a CSV file")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening does not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise DatasetError(f"{path}: cannot be read ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise DatasetError(f"{path}: is a device, pipe or socket, not a CSV file")
        if st.st_size > MAX_BYTES:
            raise DatasetError(f"{path}: file is too large ({st.st_size / 1e6:.0f} MB; at most "
                               f"{MAX_BYTES // 2**20} MB)")
        try:
            data = f.read(min(st.st_size, MAX_BYTES) + 1)
        except OSError as e:
            raise DatasetError(f"{path}: cannot be read ({e.strerror})") from None
    if len(data) > st.st_size:
        raise DatasetError(f"{path}: the file is still growing; wait until it is complete")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path}: not a UTF-8 text file (byte {e.start} cannot be read)") from None


def _looks_like_header(rows: list[list[str]]) -> bool:
    """The first row is a header when it has a word that is not also a value further down its
    column (so a headerless file whose first label is "no" is still read as data)."""
    words = [(i, c) for i, c in enumerate(rows[0]) if _number(c) is None and c.lower() not in MISSING]
    if not words:
        return False
    below = rows[1:201]
    return any(all(i >= len(r) or r[i] != c for r in below) for i, c in words)


def _resolve_column(path: Path, spec: str | int, header: list[str], what: str) -> int:
    if isinstance(spec, int) and not isinstance(spec, bool):
        idx = spec + len(header) if spec < 0 else spec
        if not 0 <= idx < len(header):
            raise DatasetError(f"{path}: {what} index {spec} is out of range (the file has {len(header)} columns)")
        return idx
    if isinstance(spec, str) and spec in header:
        return header.index(spec)
    if isinstance(spec, str) and spec.strip().lstrip("-").isdigit() and spec.strip() not in header:
        return _resolve_column(path, int(spec), header, what)
    raise DatasetError(f"{path}: unknown {what} {spec!r}; columns are: {', '.join(header)}")


def load_csv(path: str | Path, input_columns: list[str | int] | None = None,
             target_column: str | int = -1, task: str = "auto", val_fraction: float = 0.2,
             seed: int = 0) -> DataBundle:
    """Load a table as a dataset. Columns are given by header name or 0-based index (-1 = last).

    ``input_columns`` None means every column except the target. Raises DatasetError naming the
    file, row and column of the first problem.
    """
    path = Path(path)
    if task not in ("auto", "classification", "regression"):
        raise DatasetError(f"{path}: task must be auto, classification or regression; got {task!r}")
    if not (isinstance(val_fraction, (int, float)) and 0 <= val_fraction <= 0.9):
        raise DatasetError(f"{path}: val_fraction must be between 0 and 0.9, got {val_fraction!r}")
    rows = _read_rows(path)
    skip = next(i for i, r in enumerate(rows) if any(r))  # blank lines above the table
    first = rows[skip]
    has_header = _looks_like_header(rows[skip:])
    header = first if has_header else [f"column {i + 1}" for i in range(len(first))]
    if has_header and len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise DatasetError(f"{path}: column name {dup!r} appears twice in the header")
    start = skip + 1 if has_header else skip
    # keep (line number, cells), skipping blank lines
    data = [(i + 1, r) for i, r in enumerate(rows) if i >= start and any(c for c in r)]
    if not data:
        raise DatasetError(f"{path}: the file has a header but no data rows")
    if len(header) < 2:
        raise DatasetError(f"{path}: needs at least two columns (inputs and a target), found {len(header)}")
    for line, r in data:
        while len(r) > len(header) and r[-1] == "":  # a trailing delimiter is harmless
            r.pop()
        if len(r) != len(header):
            raise DatasetError(f"{path}: row {line} has {len(r)} cells but the header has {len(header)}")
    t_idx = _resolve_column(path, target_column, header, "target column")
    if input_columns is None:
        in_idx = [i for i in range(len(header)) if i != t_idx]
    else:
        in_idx = [_resolve_column(path, c, header, "input column") for c in input_columns]
        if not in_idx:
            raise DatasetError(f"{path}: choose at least one input column")
        if t_idx in in_idx:
            raise DatasetError(f"{path}: column {header[t_idx]!r} cannot be both an input and the target")
    if len(data) < 2:
        raise DatasetError(f"{path}: needs at least 2 data rows, found {len(data)}")

    x = np.empty((len(data), len(in_idx)), np.float64)
    for r_i, (line, r) in enumerate(data):
        for c_i, col in enumerate(in_idx):
            cell = r[col]
            if cell.lower() in MISSING:
                raise DatasetError(f"{path}: row {line}, column {header[col]!r}: missing value")
            v = _number(cell)
            if v is None:
                raise DatasetError(f"{path}: row {line}, column {header[col]!r}: {cell!r} is not a number")
            if abs(v) > FLOAT32_MAX:
                raise DatasetError(f"{path}: row {line}, column {header[col]!r}: {cell} is too large "
                                   "(the network computes with 32-bit numbers, at most about 3.4e38)")
            x[r_i, c_i] = v
    raw_target = []
    for line, r in data:
        cell = r[t_idx]
        if cell.lower() in MISSING:
            raise DatasetError(f"{path}: row {line}, target column {header[t_idx]!r}: missing value")
        raw_target.append(cell)
    numbers = [_number(c) for c in raw_target]
    numeric = all(v is not None for v in numbers)
    if task == "auto":
        whole = numeric and all(float(v).is_integer() for v in numbers)  # type: ignore[arg-type]
        task = "classification" if not numeric or (whole and len(set(numbers)) <= AUTO_MAX_CLASSES) else "regression"
    meta: dict[str, Any] = {"source": str(path), "input_columns": [header[i] for i in in_idx],
                            "target_column": header[t_idx]}
    rng = np.random.default_rng(seed)
    if task == "classification":
        key = (lambda s: (float(s),)) if numeric else (lambda s: (s,))
        names = sorted(set(raw_target), key=key)
        if len(names) < 2:
            raise DatasetError(f"{path}: target column {header[t_idx]!r} has a single class "
                               f"({names[0]!r}); classification needs at least two")
        index = {n: i for i, n in enumerate(names)}
        y: np.ndarray = np.array([index[c] for c in raw_target], np.int64)
        spec = TaskSpec("classification", (len(in_idx),), "float", (), len(names))
        meta["class_names"] = names
    else:
        if not numeric:
            line, cell = next((ln, r[t_idx]) for ln, r in data if _number(r[t_idx]) is None)
            raise DatasetError(f"{path}: row {line}, target column {header[t_idx]!r}: {cell!r} is not a number "
                               "(regression needs numbers; use task classification for labels)")
        big = next(((ln, r[t_idx]) for (ln, r), v in zip(data, numbers, strict=True)
                    if abs(v) > FLOAT32_MAX), None)  # type: ignore[arg-type]
        if big is not None:
            raise DatasetError(f"{path}: row {big[0]}, target column {header[t_idx]!r}: {big[1]} is too large "
                               "(the network computes with 32-bit numbers, at most about 3.4e38)")
        y = np.array(numbers, np.float64).reshape(-1, 1)
        spec = TaskSpec("regression", (len(in_idx),), "float", (1,))
    params = {"path": str(path), "target": header[t_idx], "inputs": ",".join(meta["input_columns"]),
              "task": task, "val_fraction": val_fraction, "seed": seed}
    bundle = make_bundle("csv", params, spec, x.astype(np.float32), y, rng, meta)
    _standardise(bundle, spec.task == "regression")
    return bundle


def _standardise(b: DataBundle, target_too: bool) -> None:
    mean = b.x_train.mean(0)
    std = b.x_train.std(0, unbiased=False) if b.n_train > 1 else b.x_train.new_ones(b.x_train.shape[1])
    std = std.where(std > 1e-12, std.new_ones(()))
    b.x_train, b.x_val = (b.x_train - mean) / std, (b.x_val - mean) / std
    b.meta["input_mean"], b.meta["input_std"] = mean.tolist(), std.tolist()
    if target_too:
        tm = b.y_train.mean()
        ts = b.y_train.std(unbiased=False) if b.n_train > 1 else b.y_train.new_ones(())
        ts = ts if ts > 1e-12 else ts.new_ones(())
        b.y_train, b.y_val = (b.y_train - tm) / ts, (b.y_val - tm) / ts
        b.meta["target_mean"], b.meta["target_std"] = float(tm), float(ts)
    if b.x_train.shape[1] == 2:
        pts = np.concatenate([b.x_train.numpy(), b.x_val.numpy()])
        half = round(float(np.abs(pts).max()) + 0.1, 2)
        b.meta["extent"] = (-half, half, -half, half)


def _from_params(p: dict[str, Any]) -> DataBundle:
    inputs = [c.strip() for c in p["inputs"].split(",") if c.strip()] or None
    target: str | int = p["target"] if p["target"].strip() else -1
    return load_csv(p["path"], inputs, target, p["task"], p["val_fraction"], p["seed"])


register(DatasetDef(
    "csv", "Your own CSV file", "A table from a CSV file: choose the input columns and the target column.",
    "table",
    (ParamSpec("path", "str", "", "The CSV file"),
     ParamSpec("target", "str", "", "Target column name (empty = the last column)"),
     ParamSpec("inputs", "str", "", "Input column names, comma separated (empty = all but the target)"),
     ParamSpec("task", "choice", "auto", "auto, classification or regression",
               choices=("auto", "classification", "regression")),
     p_seed(), p_val()),
    "mlp", _from_params,
    cross_check=lambda p: "path must name a CSV file" if not p["path"].strip() else None,
    regenerable=False))
