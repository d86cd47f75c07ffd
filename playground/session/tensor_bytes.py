"""The safetensors bytes of a set of tensors, built so that a writer thread never holds the GIL long.

``safetensors.torch.save`` copies every tensor into its output with the GIL held: saving 10M
parameters with Adam's state stopped the window's event loop for about half a second although
the save ran on another thread. Here the layout is the same (8-byte little-endian header size,
JSON header padded to 8 bytes, tensor data largest element size first), and the data is copied
by torch (``Tensor.copy_`` into an uninitialised torch buffer), which releases the GIL while it
copies. Copying slice by slice in Python, as before, still held the GIL for each slice, and
every thread that gave the GIL up meanwhile waited a switch interval to get it back.
"""

from __future__ import annotations

import json
import struct

import torch

DTYPE_NAMES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
               torch.uint8: "U8", torch.bool: "BOOL"}


def safetensors_bytes(tensors: dict[str, torch.Tensor]) -> memoryview:
    """``tensors`` in the safetensors format, as a flat memoryview of bytes (a zip member takes it
    as it is; ``bytes()`` copies it); a dtype it cannot store raises ValueError."""
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
    # torch.empty, not bytearray(n): a bytearray is zero-filled, 100 MB of it with the GIL held
    out = torch.empty(8 + len(raw) + offset, dtype=torch.uint8)
    start = torch.frombuffer(bytearray(struct.pack("<Q", len(raw)) + raw), dtype=torch.uint8)
    out[:len(start)].copy_(start)
    at = len(start)
    for _name, t in items:
        size = t.numel() * t.element_size()
        if size:
            out[at:at + size].copy_(t.reshape(-1).view(torch.uint8))  # no GIL held while it copies
        at += size
    return memoryview(out.numpy())  # type: ignore[arg-type]  # the array keeps the tensor's memory alive
