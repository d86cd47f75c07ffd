"""The safetensors bytes of a set of tensors, built so that a writer thread never holds the GIL long.

``safetensors.torch.save`` copies every tensor into its output with the GIL held: saving 10M
parameters with Adam's state stopped the window's event loop for about half a second although
the save ran on another thread. Here the layout is the same (8-byte little-endian header size,
JSON header padded to 8 bytes, tensor data largest element size first), and the data is copied
in slices of ``CHUNK`` bytes, so other threads run between two slices.
"""

from __future__ import annotations

import json
import struct

import torch

CHUNK = 1 << 21  # 2 MiB: well under a millisecond per slice
DTYPE_NAMES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
               torch.uint8: "U8", torch.bool: "BOOL"}


def safetensors_bytes(tensors: dict[str, torch.Tensor]) -> bytearray:
    """``tensors`` in the safetensors format (a dtype it cannot store raises ValueError)."""
    items = []
    for name, tensor in tensors.items():
        t = tensor.detach().cpu().contiguous()
        if t.dtype not in DTYPE_NAMES:
            raise ValueError(f"tensor {name!r} has dtype {t.dtype}, which a session file cannot store")
        items.append((name, t))
    items.sort(key=lambda item: (-item[1].element_size(), item[0]))  # every offset aligned to its dtype
    header: dict[str, dict[str, object]] = {}
    offset = 0
    for name, t in items:
        size = t.numel() * t.element_size()
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    out = bytearray(8 + len(raw) + offset)
    out[:8] = struct.pack("<Q", len(raw))
    out[8:8 + len(raw)] = raw
    at = 8 + len(raw)
    for _name, t in items:
        if t.numel() == 0:
            continue
        data = memoryview(t.reshape(-1).view(torch.uint8).numpy())  # type: ignore[arg-type]  # ndarray is a buffer
        for start in range(0, len(data), CHUNK):
            piece = data[start:start + CHUNK]
            out[at:at + len(piece)] = piece
            at += len(piece)
    return out
