"""The analysis members of a session file: lesions, pruning masks and lottery-ticket rewind points.

    analysis.json        {"lesions": [{"kind", "node_id", "units"}], "rewind_steps": [k, ...]}
    masks.safetensors    state_dict key -> mask of the same shape (1 kept, 0 pruned)
    rewind.safetensors   "{step}/{state_dict key}" -> the weights at that step (0: the initial ones)

All optional: a file without them loads as before, and older versions ignore them (unknown
members are never read). A damaged part is dropped with a warning, never refusing the session.
"""

from __future__ import annotations

from typing import Any

import torch

from playground.session import archive
from playground.session.model import Session

JSON = "analysis.json"
MASKS = "masks.safetensors"
REWIND = "rewind.safetensors"


def encode(session: Session) -> tuple[dict[str, Any] | None, dict[str, bytes]]:
    """(analysis.json content or None when there is nothing, binary members)."""
    binaries: dict[str, bytes] = {}
    if session.masks:
        binaries[MASKS] = archive.tensors_bytes({k: v.to(torch.uint8).contiguous() for k, v in session.masks.items()})
    if session.rewind_weights:
        binaries[REWIND] = archive.tensors_bytes({f"{step}/{key}": v.contiguous()
                                                  for step, state in session.rewind_weights.items()
                                                  for key, v in state.items()})
    if not (session.lesions or binaries):
        return None, binaries
    doc = {"lesions": [dict(x) for x in session.lesions], "rewind_steps": sorted(session.rewind_weights)}
    return doc, binaries


def decode(reader: Any, session: Session) -> None:
    """Fill the session's lesions, masks and rewind points from the file (if it has them)."""
    if not reader.has(JSON) and not reader.has(MASKS):
        return
    try:
        doc = reader.read_json(JSON) if reader.has(JSON) else {}
        lesions = doc.get("lesions", [])
        if not (isinstance(lesions, list) and all(_lesion_ok(x) for x in lesions)):
            raise ValueError("the lesion list is malformed")
        masks = reader.read_tensors(MASKS) if reader.has(MASKS) else {}
        rewind: dict[int, dict[str, torch.Tensor]] = {}
        if reader.has(REWIND):
            for name, value in reader.read_tensors(REWIND).items():
                step, _, key = name.partition("/")
                rewind.setdefault(int(step), {})[key] = value
        weights = session.weights or {}
        for key, value in [*masks.items(), *((k, v) for s in rewind.values() for k, v in s.items())]:
            if key not in weights or tuple(weights[key].shape) != tuple(value.shape):
                raise ValueError(f"{key} does not fit the network's weights")
    except (ValueError, KeyError, TypeError) as err:
        session.warnings.append(f"the lesions and pruning masks could not be read ({err}), so they were left out")
        return
    session.lesions = [{"kind": x["kind"], "node_id": x["node_id"], "units": [int(u) for u in x.get("units", [])]}
                       for x in lesions]
    session.masks = {k: v.bool() for k, v in masks.items()} or None
    session.rewind_weights = rewind


def _lesion_ok(x: Any) -> bool:
    return (isinstance(x, dict) and isinstance(x.get("kind"), str) and isinstance(x.get("node_id"), str)
            and isinstance(x.get("units", []), list) and all(isinstance(u, int) for u in x.get("units", [])))
