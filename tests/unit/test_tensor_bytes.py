"""The session file's tensor bytes: the safetensors format, read back by safetensors itself, and
byte for byte what the layout written the slow, obvious way gives."""

from __future__ import annotations

import json
import struct

import safetensors.torch
import torch

from playground.session.tensor_bytes import DTYPE_NAMES, safetensors_bytes


def obvious_bytes(tensors: dict[str, torch.Tensor]) -> bytes:
    """Header size, JSON header padded to 8 bytes, then each tensor's bytes, largest element first."""
    items = sorted(tensors.items(), key=lambda item: (-item[1].element_size(), item[0]))
    header, data, offset = {}, b"", 0
    for name, t in items:
        raw = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def test_the_bytes_are_what_safetensors_writes_and_read_back_equal() -> None:
    g = torch.Generator().manual_seed(0)
    tensors = {
        "fc.weight": torch.randn(300, 257, generator=g),
        "fc.bias": torch.randn(257, generator=g, dtype=torch.float64),
        "steps": torch.arange(7, dtype=torch.int64),
        "mask": torch.rand(5, 3, generator=g) > 0.5,
        "half": torch.randn(9, generator=g).to(torch.float16),
        "empty": torch.zeros(0, 4),
        "scalar": torch.tensor(3.5),
        "transposed": torch.randn(6, 4, generator=g).t(),  # not contiguous: written in its logical order
    }
    ours = safetensors_bytes(tensors)
    assert bytes(ours) == obvious_bytes(tensors)
    back = safetensors.torch.load(bytes(ours))
    assert back.keys() == tensors.keys()
    for name, tensor in tensors.items():
        assert back[name].dtype == tensor.dtype and torch.equal(back[name], tensor), name
    assert safetensors.torch.load(bytes(safetensors_bytes({}))) == {}
