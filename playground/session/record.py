"""The snapshot record (``MetricsBuffer.export_record()``) inside the session file (schema 2).

Members::

    record.json            {"meta": <JSON-safe meta dict>, "arrays": [key, ...]}
    record.safetensors     the flat numeric arrays, one tensor per key

One tensor file rather than one ``.npy`` per key keeps the member count bounded whatever the
number of arrays, and its header (a few bytes) says every array's dtype and size before any
data is read. Keys match ``^[A-Za-z0-9_\\-]{1,64}$`` (contract 1). The record is at most
``MAX_RECORD_BYTES``; a record that is malformed or larger is left out on loading, with a
warning, and the rest of the session still opens.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import torch

from playground.session import archive

KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
MAX_RECORD_BYTES = 512 * 2**20
MAX_RECORD_ARRAYS = 100_000
_WIDEN = {np.dtype(np.uint16): np.int32, np.dtype(np.uint32): np.int64}  # dtypes safetensors-on-torch lacks

Record = tuple[dict[str, Any], dict[str, np.ndarray]]


def encode(record: Record) -> tuple[dict[str, Any], bytes]:
    """(record.json content, record.safetensors bytes); ValueError for what contract 1 forbids."""
    meta, arrays = record
    if not isinstance(meta, dict) or not isinstance(arrays, dict):
        raise ValueError("the record must be a meta dict and a dict of arrays")
    tensors: dict[str, torch.Tensor] = {}
    for key, array in arrays.items():
        if not isinstance(key, str) or not KEY.match(key):
            raise ValueError(f"record array key {str(key)[:70]!r} is not allowed")
        a = np.asarray(array)
        if a.dtype.kind not in "biuf" or a.dtype.hasobject:
            raise ValueError(f"record array {key!r} is not numeric ({a.dtype})")
        a = a.astype(_WIDEN.get(a.dtype, a.dtype), copy=False)
        if a.dtype == np.uint64:
            raise ValueError(f"record array {key!r} is uint64, which cannot be stored")
        tensors[key] = torch.from_numpy(np.ascontiguousarray(a).copy())
    return {"meta": meta, "arrays": sorted(arrays)}, archive.tensors_bytes(tensors)


def decode(reader: archive.SafeZipReader, doc: Any) -> Record:
    """The record from its members; ValueError with a reason when it is malformed or too large."""
    if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict) or not isinstance(doc.get("arrays"), list):
        raise ValueError("record.json is malformed")
    keys = doc["arrays"]
    if len(keys) > MAX_RECORD_ARRAYS or not all(isinstance(k, str) and KEY.match(k) for k in keys):
        raise ValueError("record.json lists invalid array names")
    if not keys:
        return doc["meta"], {}
    if not reader.has("record.safetensors"):
        raise ValueError("record.safetensors is missing")
    if reader.size("record.safetensors") > MAX_RECORD_BYTES:
        raise ValueError(f"the record is too large ({reader.size('record.safetensors'):,} bytes)")
    header = reader.tensor_header("record.safetensors")  # sizes and dtypes before any data
    if sorted(header) != sorted(keys):
        raise ValueError("record.safetensors does not hold the arrays record.json lists")
    tensors = reader.read_tensors("record.safetensors")
    return doc["meta"], {k: tensors[k].numpy() for k in keys}
