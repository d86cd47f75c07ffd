"""The zip container, read defensively: every limit is checked before bytes are trusted.

* member names: no absolute paths, drive letters, backslashes, ``..``, control
  characters or duplicates;
* sizes: declared sizes are checked against per-member and total caps before
  reading, and reads are bounded again while decompressing (a lying header
  cannot make us inflate more than the cap);
* only stored or deflated, unencrypted members;
* ``.npy`` members: header parsed first, plain numeric dtypes only, the byte
  count must match the shape, then ``np.load(allow_pickle=False)``;
* tensors: safetensors (no code can run when parsing it).

Anything wrong raises ``ValueError`` with a short reason; the caller wraps it
in a SessionError naming the file.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

MAX_MEMBERS = 4096
MAX_JSON_BYTES = 64 * 2**20
MAX_MEMBER_BYTES = 2**30  # the largest allowed network (50M parameters) plus Adam state fits
MAX_TOTAL_BYTES = 2 * 2**30
MAX_RATIO = 500  # uncompressed/compressed beyond this on a member over 1 MB: a zip bomb
_CHUNK = 1 << 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_member_name(name: str) -> None:
    if not name or len(name) > 255 or _CONTROL.search(name):
        raise ValueError(f"invalid member name {name!r}")
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise ValueError(f"member {name!r} has an absolute path")
    parts = name.rstrip("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"member {name!r} escapes the archive (path traversal)")


class SafeZipReader:
    """Open a zip from bytes or a path and check its directory; read members with limits."""

    def __init__(self, source: str | bytes) -> None:
        fileobj = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
        try:
            self._zip = zipfile.ZipFile(fileobj)
        except Exception:
            fileobj.close()
            raise
        self._file = fileobj
        try:
            self._check()
        except Exception:
            self.close()
            raise

    def _check(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"too many members ({len(infos)} > {MAX_MEMBERS})")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            check_member_name(info.filename)
            if info.filename in self.infos:
                raise ValueError(f"member {info.filename!r} appears twice")
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise ValueError(f"member {info.filename!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(f"member {info.filename!r} uses an unsupported compression")
            if info.file_size > MAX_MEMBER_BYTES:
                raise ValueError(f"member {info.filename!r} is too large ({info.file_size:,} bytes)")
            if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ValueError(f"member {info.filename!r} is suspiciously compressed (zip bomb?)")
            total += info.file_size
            self.infos[info.filename] = info
        if total > MAX_TOTAL_BYTES:
            raise ValueError(f"contents too large ({total:,} bytes)")

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def __enter__(self) -> SafeZipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, name: str) -> bool:
        return name in self.infos

    def read(self, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise ValueError(f"member {name!r} is missing")
        if info.file_size > limit:
            raise ValueError(f"member {name!r} is too large ({info.file_size:,} bytes)")
        chunks, got = [], 0
        with self._zip.open(info) as fh:  # CRC is verified when the member is fully read
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                got += len(chunk)
                if got > info.file_size or got > limit:
                    raise ValueError(f"member {name!r} is larger than declared")
                chunks.append(chunk)
        if got != info.file_size:
            raise ValueError(f"member {name!r} is truncated")
        return b"".join(chunks)

    def read_json(self, name: str) -> Any:
        raw = self.read(name, MAX_JSON_BYTES)
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise ValueError(f"member {name!r} is not valid JSON ({err})") from None

    def read_npy(self, name: str) -> np.ndarray:
        return npy_from_bytes(self.read(name), name)

    def read_tensors(self, name: str) -> dict[str, torch.Tensor]:
        raw = self.read(name)
        try:
            return st_load(raw)
        except Exception as err:
            raise ValueError(f"member {name!r} is not a valid tensor file ({err})") from None


def _no_constant(token: str) -> Any:
    raise ValueError(f"JSON contains {token}")


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def npy_from_bytes(data: bytes, name: str = "array") -> np.ndarray:
    fmt = np.lib.format
    f = io.BytesIO(data)
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, _fortran, dtype = fmt.read_array_header_1_0(f, max_header_size=10_000)
        elif version == (2, 0):
            shape, _fortran, dtype = fmt.read_array_header_2_0(f, max_header_size=10_000)
        else:
            raise ValueError(f"unsupported npy version {version}")
    except ValueError as err:
        raise ValueError(f"member {name!r} is not a valid array ({err})") from None
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in "biuf":
        raise ValueError(f"member {name!r} has an unsupported element type {dtype}")
    if len(shape) > 16 or any(not isinstance(s, int) or s < 0 for s in shape):
        raise ValueError(f"member {name!r} has an invalid shape {shape}")
    need = math.prod(shape) * dtype.itemsize
    if len(data) - f.tell() != need:
        raise ValueError(f"member {name!r}: array data does not match its shape {shape}")
    return np.load(io.BytesIO(data), allow_pickle=False)


def tensors_bytes(tensors: dict[str, torch.Tensor]) -> bytes:
    return st_save({k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()})


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")
