"""What the app draws before training: plain numpy arrays and strings from a DataBundle.

preview(bundle) returns a dict with "kind" and:
    "points"    (2-D inputs)   points (n, 2) float32, labels (n,) int64 class indices or float32
                               targets, "split" (n,) 0 = train / 1 = val, extent, class_names
    "curve"     (1-D inputs)   x (n,), y (n,), split, extent
    "images"                   images (k, H, W) float32 (first channel), labels (k,) ints or None,
                               class_names
    "sequences"                inputs [str], targets [str] (decoded with meta["tokens"], one symbol per
                               position, separated by spaces), labels [str] for classification
    "matrix"    (hierarchy)    matrix (F, P) feature matrix, rows (feature names), cols (item names)
    "table"                    columns [input names + target], rows (k, D+1) float64 of the
                               standardised inputs and the target
Training examples come first, then validation ones, up to ``max_items`` in all.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from playground.data.bundle import DataBundle


def _first(bundle: DataBundle, max_items: int) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    n_tr = min(bundle.n_train, max_items)
    n_va = min(bundle.n_val, max_items - n_tr)
    x = torch.cat([bundle.x_train[:n_tr], bundle.x_val[:n_va]])
    y = torch.cat([bundle.y_train[:n_tr], bundle.y_val[:n_va]])
    split = np.concatenate([np.zeros(n_tr, np.int64), np.ones(n_va, np.int64)])
    return x, y, split


def _decode(row: torch.Tensor, tokens: list[str]) -> str:
    return " ".join(tokens[int(i)] if 0 <= int(i) < len(tokens) else "?" for i in row)


def preview(bundle: DataBundle, max_items: int = 1000) -> dict[str, Any]:
    """Arrays for a quick picture of ``bundle`` (see the module docstring for each kind)."""
    task, meta = bundle.task, bundle.meta
    if "feature_matrix" in meta:
        return {"kind": "matrix", "matrix": np.asarray(meta["feature_matrix"]),
                "rows": list(meta["features"]), "cols": list(meta["items"])}
    if task.input_dtype == "long":
        x, y, split = _first(bundle, max_items)
        tokens = meta.get("tokens") or [str(i) for i in range(task.vocab_size)]
        out: dict[str, Any] = {"kind": "sequences", "inputs": [_decode(r, tokens) for r in x], "split": split}
        if task.task == "sequence":
            out["targets"] = [_decode(r, tokens) for r in y]
        else:
            names = meta.get("class_names") or [str(c) for c in range(task.num_classes)]
            out["labels"] = [names[int(c)] for c in y]
        return out
    if len(task.input_shape) == 3:
        x, y, split = _first(bundle, max_items)
        labels = y.numpy().astype(np.int64) if task.task == "classification" else None
        return {"kind": "images", "images": x[:, 0].numpy().astype(np.float32), "labels": labels,
                "class_names": meta.get("class_names"), "split": split}
    x, y, split = _first(bundle, max_items)
    labels = y.numpy() if task.task == "classification" else y.reshape(len(y), -1)[:, 0].numpy()
    if task.input_shape == (1,):
        return {"kind": "curve", "x": x[:, 0].numpy(), "y": labels, "split": split, "extent": meta.get("extent")}
    if task.input_shape == (2,):  # 2-D datasets, and a CSV with two input columns
        return {"kind": "points", "points": x.numpy().astype(np.float32), "labels": labels, "split": split,
                "extent": meta.get("extent"), "class_names": meta.get("class_names")}
    columns = [*meta.get("input_columns", [f"x{i + 1}" for i in range(x.shape[1])]), meta.get("target_column", "y")]
    rows = np.concatenate([x.reshape(len(x), -1).numpy(), labels.reshape(-1, 1)], 1).astype(np.float64)
    return {"kind": "table", "columns": columns, "rows": rows, "split": split}
