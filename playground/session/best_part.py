"""The best checkpoint member of a session file (contract 4: the session's ``best``).

    best.json            {"metric": "val/loss" | "val/accuracy", "step": k, "value": v}
    best.safetensors     state_dict key -> the weights at step k

Optional: a file without them loads as before, and older versions ignore them. A damaged or
hostile part (a metric that is not one of the two, a step that is not a whole number, a value
that is not finite, weights that do not fit the network, or more bytes than the network holds)
is left out with one warning that says so; the rest of the session still opens.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from playground.session import archive
from playground.session.model import Session

JSON = "best.json"
WEIGHTS = "best.safetensors"
METRICS = ("val/loss", "val/accuracy")
_SLACK = 1 << 16  # safetensors headers and alignment


def encode(session: Session) -> tuple[dict[str, Any] | None, dict[str, bytes]]:
    """(best.json content or None when there is no best, binary members)."""
    best = session.best
    if best is None:
        return None, {}
    doc = {"metric": str(best["metric"]), "step": int(best["step"]), "value": float(best["value"])}
    weights = {k: v.detach().cpu().contiguous() for k, v in best["weights"].items()}
    return doc, {WEIGHTS: archive.tensors_bytes(weights)}


def decode(reader: Any, session: Session) -> None:
    """Fill ``session.best`` from the file (if it has one that checks out)."""
    if not reader.has(JSON) and not reader.has(WEIGHTS):
        return
    try:
        session.best = _read(reader, session)
    except (ValueError, KeyError, TypeError) as err:
        session.best = None
        session.warnings.append(f"the best checkpoint could not be read ({err}), so it was left out")


def _read(reader: Any, session: Session) -> dict[str, Any]:
    if not (reader.has(JSON) and reader.has(WEIGHTS)):
        raise ValueError(f"{JSON} and {WEIGHTS} come together, and one is missing")
    doc = reader.read_json(JSON)
    if not isinstance(doc, dict):
        raise ValueError(f"{JSON} is not a mapping")
    metric, step, value = doc.get("metric"), doc.get("step"), doc.get("value")
    if metric not in METRICS:
        raise ValueError(f"its metric must be one of {', '.join(METRICS)}, not {str(metric)[:40]!r}")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= 10**12:
        raise ValueError(f"its step must be a whole number of 0 or more, not {str(step)[:40]!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"its value must be a finite number, not {str(value)[:40]!r}")
    trained = session.weights
    if trained is None:
        raise ValueError("the session has no trained weights for it to belong to")
    declared = sum(end - start for _dtype, _shape, start, end in reader.tensor_header(WEIGHTS).values())
    held = sum(t.numel() * t.element_size() for t in trained.values())
    if declared > held + _SLACK:  # refused before a byte of it is read
        raise ValueError(f"it declares {declared} bytes for a network of {held}")
    weights = reader.read_tensors(WEIGHTS)
    if set(weights) != set(trained):
        missing = sorted(set(trained) ^ set(weights))[:3]
        raise ValueError(f"its tensors are not the network's ({', '.join(missing)})")
    for key, tensor in weights.items():
        if tuple(tensor.shape) != tuple(trained[key].shape) or tensor.dtype != trained[key].dtype:
            raise ValueError(f"{key} does not fit the network's weights")
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"{key} holds values that are not finite")
    return {"metric": metric, "step": step, "value": float(value), "weights": weights}
