"""The compared variants of a session file (``Session.variants``, made by ``experiments.compare``).

    variants.json          {"variants": [{"name", "changes": [KEY=VALUE, ...], "seeds": [int],
                            "steps", "engine", "reason", "params", "macs", "seconds",
                            "runs": [{"seed", "val_loss", "val_accuracy",
                                      "history": {series: {"array": key, "stride": s}}}]}]}
    variants.safetensors   key -> float64 (3, n): steps, values, wall of one history series

Optional: a file without them loads as before, and older versions never read them. Every value
is checked on load; a hostile or damaged part is left out with one warning that says why, and
the rest of the session still opens.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from playground.session import archive
from playground.session.model import Session

JSON = "variants.json"
TENSORS = "variants.safetensors"
MAX_VARIANTS = 64
MAX_SEEDS = 64
MAX_STEPS = 1_000_000
MAX_TEXT = 300
MAX_CHANGES = 50
_INT_LIMIT = 2**62


def encode(session: Session) -> tuple[dict[str, Any] | None, dict[str, bytes]]:
    """(variants.json content or None when there are none, binary members)."""
    if not session.variants:
        return None, {}
    tensors: dict[str, torch.Tensor] = {}
    entries = []
    for i, variant in enumerate(session.variants):
        runs = []
        for j, run in enumerate(variant.get("runs", [])):
            refs = {}
            for k, (name, cols) in enumerate(run.get("history", {}).items()):
                steps = np.asarray(cols.get("steps", []), dtype=np.float64)
                values = np.asarray(cols.get("values", []), dtype=np.float64)
                wall = np.asarray(cols.get("wall", [0.0] * len(steps)), dtype=np.float64)
                if not len(steps) == len(values) == len(wall):
                    raise ValueError(f"variant {variant.get('name')!r}: history {name!r} has columns of "
                                     "different lengths")
                key = f"v{i}_r{j}_s{k}"
                tensors[key] = torch.from_numpy(np.ascontiguousarray(np.stack([steps, values, wall])))
                refs[str(name)] = {"array": key, "stride": float((cols.get("stride") or [1.0])[0])}
            runs.append({"seed": int(run["seed"]), "val_loss": _finite_or_none(run.get("val_loss")),
                         "val_accuracy": _finite_or_none(run.get("val_accuracy")), "history": refs})
        entries.append({**{k: v for k, v in variant.items() if k != "runs"}, "runs": runs})
    return {"variants": entries}, {TENSORS: archive.tensors_bytes(tensors)}


def decode(reader: Any, session: Session) -> None:
    """Fill ``session.variants`` from the file (if it has them); a bad part becomes a warning."""
    if not reader.has(JSON):
        return
    try:
        doc = reader.read_json(JSON)
        tensors = reader.read_tensors(TENSORS) if reader.has(TENSORS) else {}
        variants = _checked(doc, tensors)
    except (ValueError, KeyError, TypeError) as err:
        session.warnings.append(f"the compared variants could not be read ({err}), so they were left out")
        return
    session.variants = variants


def _checked(doc: Any, tensors: dict[str, torch.Tensor]) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("variants"), list):
        raise ValueError("variants.json has no list of variants")
    entries = doc["variants"]
    if len(entries) > MAX_VARIANTS:
        raise ValueError(f"{len(entries)} variants, more than {MAX_VARIANTS}")
    out = []
    names: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"variant {i + 1}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} is not a mapping")
        name = _text(entry.get("name"), f"{where}'s name", allow_empty=False)
        where = f"variant {name!r}"
        if name in names:
            raise ValueError(f"two variants are called {name!r}")
        names.add(name)
        changes = entry.get("changes")
        if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
            raise ValueError(f"{where}: its changes are not a list of at most {MAX_CHANGES} texts")
        changes = [_text(c, f"{where}'s change", allow_empty=False) for c in changes]
        steps = _int(entry.get("steps"), f"{where}'s steps", 1, MAX_STEPS)
        runs_in = entry.get("runs")
        if not isinstance(runs_in, list) or len(runs_in) > MAX_SEEDS:
            raise ValueError(f"{where}: its runs are not a list of at most {MAX_SEEDS}")
        runs = [_run(run, tensors, steps, f"{where}, run {j + 1}") for j, run in enumerate(runs_in)]
        seeds = entry.get("seeds")
        if not isinstance(seeds, list) or [_int(s, f"{where}'s seed", -_INT_LIMIT, _INT_LIMIT) for s in seeds] != [
                r["seed"] for r in runs]:
            raise ValueError(f"{where}: its seeds do not match its runs")
        out.append({"name": name, "changes": changes, "seeds": list(seeds), "steps": steps,
                    "engine": _text(entry.get("engine", ""), f"{where}'s engine"),
                    "reason": _text(entry.get("reason", ""), f"{where}'s reason"),
                    "params": _int(entry.get("params", 0), f"{where}'s parameters", 0, _INT_LIMIT),
                    "macs": _int(entry.get("macs", 0), f"{where}'s MACs", 0, _INT_LIMIT),
                    "seconds": _number(entry.get("seconds", 0.0), f"{where}'s time", 0.0, 1e9),
                    "runs": runs})
    return out


def _run(run: Any, tensors: dict[str, torch.Tensor], steps: int, where: str) -> dict[str, Any]:
    if not isinstance(run, dict) or not isinstance(run.get("history"), dict):
        raise ValueError(f"{where} is malformed")
    history = {}
    for name, ref in run["history"].items():
        if not isinstance(name, str) or len(name) > 200 or not isinstance(ref, dict):
            raise ValueError(f"{where}: a history entry is malformed")
        tensor = tensors.get(str(ref.get("array")))
        if tensor is None:
            raise ValueError(f"{where}: the history {name[:40]!r} refers to a missing array")
        a = tensor.numpy()
        if a.dtype != np.float64 or a.ndim != 2 or a.shape[0] != 3:
            raise ValueError(f"{where}: the history {name[:40]!r} has the wrong shape or type")
        if a.shape[1] > steps:
            raise ValueError(f"{where}: the history {name[:40]!r} has more points than its {steps} steps")
        if not (np.isfinite(a[0]).all() and (a[0] >= 1).all() and (a[0] <= steps).all()):
            raise ValueError(f"{where}: the history {name[:40]!r} has steps outside 1..{steps}")
        stride = _number(ref.get("stride", 1.0), f"{where}'s stride", 1.0, MAX_STEPS)
        history[name] = {"steps": a[0].tolist(), "values": a[1].tolist(), "wall": a[2].tolist(),
                         "stride": [stride]}
    accuracy = run.get("val_accuracy")
    return {"seed": _int(run.get("seed"), f"{where}'s seed", -_INT_LIMIT, _INT_LIMIT), "history": history,
            "val_loss": None if run.get("val_loss") is None else _number(run["val_loss"], f"{where}'s "
                                                                         "validation loss", -1e30, 1e30),
            "val_accuracy": None if accuracy is None else _number(accuracy, f"{where}'s accuracy", 0.0, 1.0)}


def _text(value: Any, what: str, allow_empty: bool = True) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not allow_empty and not value.strip()):
        raise ValueError(f"{what} is not a text of 1 to {MAX_TEXT} characters")
    return value


def _int(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} is not a whole number from {low} to {high}")
    return value


def _number(value: Any, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{what} is not a number from {low:g} to {high:g}")
    return float(value)


def _finite_or_none(value: Any) -> float | None:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)
