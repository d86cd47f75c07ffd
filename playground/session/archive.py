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

MAX_MEMBERS = 4096
MAX_JSON_BYTES = 64 * 2**20
MAX_MEMBER_BYTES = 2**30  # the largest allowed network (50M parameters) plus Adam state fits
MAX_TOTAL_BYTES = 2 * 2**30
MAX_JSON_VALUES = 4_000_000  # ~250 MB of Python objects; a graph of 5,000 blocks has ~100,000
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

    def size(self, name: str) -> int:
        """The member's declared (uncompressed) size, which no read goes past."""
        return int(self.infos[name].file_size) if name in self.infos else 0

    def open_bounded(self, name: str, limit: int = MAX_MEMBER_BYTES) -> BoundedReader:
        info = self.infos.get(name)
        if info is None:
            raise ValueError(f"member {name!r} is missing")
        if info.file_size > limit:
            raise ValueError(f"member {name!r} is too large ({info.file_size:,} bytes)")
        return BoundedReader(self._zip.open(info), name, info.file_size)

    def read(self, name: str, limit: int = MAX_MEMBER_BYTES) -> bytearray:
        """The whole member, in one buffer of exactly its declared size (never more is inflated)."""
        with self.open_bounded(name, limit) as fh:
            return fh.read_rest()

    def read_json(self, name: str, limit: int = MAX_JSON_BYTES, max_values: int = MAX_JSON_VALUES) -> Any:
        raw = self.read(name, limit)
        values = json_value_count(raw)
        if values > max_values:
            raise ValueError(f"member {name!r} holds too many values ({values:,}; the limit is {max_values:,})")
        try:
            return json.loads(raw, parse_constant=_no_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise ValueError(f"member {name!r} is not valid JSON ({err})") from None

    def npy_header(self, name: str) -> tuple[tuple[int, ...], np.dtype]:
        """Shape and dtype of an ``.npy`` member, from its first bytes only."""
        with self.open_bounded(name) as fh:
            shape, dtype, _offset = _npy_header(fh, name)
            if fh.size - fh.pos != math.prod(shape) * dtype.itemsize:
                raise ValueError(f"member {name!r}: array data does not match its shape {shape}")
        return shape, dtype

    def read_npy(self, name: str) -> np.ndarray:
        with self.open_bounded(name) as fh:
            shape, dtype, _offset = _npy_header(fh, name)
            need = math.prod(shape) * dtype.itemsize
            if fh.size - fh.pos != need:
                raise ValueError(f"member {name!r}: array data does not match its shape {shape}")
            buf = fh.read_rest()
        return np.frombuffer(buf, dtype=dtype, count=math.prod(shape)).reshape(shape)

    def tensor_header(self, name: str) -> dict[str, tuple[torch.dtype, tuple[int, ...], int, int]]:
        """``{key: (dtype, shape, start, end)}`` of a safetensors member, from its header only."""
        with self.open_bounded(name) as fh:
            return _st_header(fh, name)[0]

    def read_tensors(self, name: str) -> dict[str, torch.Tensor]:
        with self.open_bounded(name) as fh:
            header, base = _st_header(fh, name)
            fh.skip_to(base)
            buf = fh.read_rest_tensor().numpy()
        out: dict[str, torch.Tensor] = {}
        for key, (dtype, shape, start, _end) in header.items():
            count = math.prod(shape)
            if count == 0:
                out[key] = torch.empty(shape, dtype=dtype)
                continue
            # views into one buffer (each its own storage from its first byte, as torch expects of
            # e.g. a generator state): the weights cost their size once, not twice
            out[key] = torch.frombuffer(buf, dtype=dtype, count=count, offset=start).reshape(shape)
        return out


class BoundedReader:
    """A zip member stream that never yields more than the member's declared size."""

    def __init__(self, fh: Any, name: str, size: int) -> None:
        self._fh, self.name, self.size, self.pos = fh, name, int(size), 0
        self._pending = b""  # bytes read ahead (a header parse) and handed back

    def __enter__(self) -> BoundedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def _take(self, n: int) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:n], self._pending[n:]
            if len(data) < n:
                data += self._fh.read(n - len(data))
        else:
            data = self._fh.read(n)
        return bytes(data)

    def unread(self, data: bytes) -> None:
        self._pending = bytes(data) + self._pending
        self.pos -= len(data)

    def read_exact(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.size:
            raise ValueError(f"member {self.name!r} is truncated")
        data = self._take(n)
        if len(data) != n:
            raise ValueError(f"member {self.name!r} is truncated")
        self.pos += n
        return data

    def skip_to(self, pos: int) -> None:
        while self.pos < pos:
            self.read_exact(min(_CHUNK, pos - self.pos))

    def read_rest(self) -> bytearray:
        buf = bytearray(self.size - self.pos)
        self._fill(memoryview(buf))
        return buf  # reading to the end verified the CRC

    def read_rest_tensor(self) -> torch.Tensor:
        """The rest as a uint8 tensor: read into uninitialised memory (a bytearray is zero-filled
        first, 100 MB of tensors for nothing), and the tensors are views into it."""
        buf = torch.empty(self.size - self.pos, dtype=torch.uint8)
        self._fill(memoryview(buf.numpy()))  # type: ignore[arg-type]  # an ndarray is a buffer
        return buf

    def _fill(self, view: memoryview) -> None:
        at = 0
        while at < len(view):
            chunk = self._take(min(_CHUNK, len(view) - at))
            if not chunk:
                raise ValueError(f"member {self.name!r} is truncated")
            view[at:at + len(chunk)] = chunk
            at += len(chunk)
        if self._take(1):  # a lying header: more data than declared
            raise ValueError(f"member {self.name!r} is larger than declared")
        self.pos = self.size


_ST_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
              "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
              "U8": torch.uint8, "BOOL": torch.bool}
MAX_TENSOR_HEADER = 16 * 2**20


def _st_header(fh: BoundedReader, name: str) -> tuple[dict[str, tuple[torch.dtype, tuple[int, ...], int, int]], int]:
    bad = f"member {name!r} is not a valid tensor file"
    n = int.from_bytes(fh.read_exact(8), "little")
    if n <= 1 or n > MAX_TENSOR_HEADER or 8 + n > fh.size:
        raise ValueError(f"{bad} (header size {n:,})")
    try:
        raw = json.loads(fh.read_exact(n), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError(f"{bad} (header is not JSON)") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{bad} (header is not an object)")
    data_size = fh.size - 8 - n
    out: dict[str, tuple[torch.dtype, tuple[int, ...], int, int]] = {}
    spans = []
    for key, entry in raw.items():
        if key == "__metadata__":
            continue
        if not (isinstance(entry, dict) and entry.get("dtype") in _ST_DTYPES
                and isinstance(entry.get("shape"), list) and len(entry["shape"]) <= 16
                and all(_nonneg_int(d) for d in entry["shape"])
                and isinstance(entry.get("data_offsets"), list) and len(entry["data_offsets"]) == 2
                and all(_nonneg_int(d) for d in entry["data_offsets"])):
            raise ValueError(f"{bad} (entry {str(key)[:40]!r})")
        dtype = _ST_DTYPES[entry["dtype"]]
        shape = tuple(entry["shape"])
        start, end = entry["data_offsets"]
        itemsize = torch.empty((), dtype=dtype).element_size()
        if end - start != math.prod(shape) * itemsize or end > data_size or start % itemsize:
            raise ValueError(f"{bad} (entry {str(key)[:40]!r} does not match its data)")
        out[key] = (dtype, shape, start, end)
        spans.append((start, end))
    spans.sort()
    at = 0
    for start, end in spans:
        if start != at:
            raise ValueError(f"{bad} (tensor data overlaps or has gaps)")
        at = end
    if at != data_size:
        raise ValueError(f"{bad} (tensor data does not fill the file)")
    return out, 8 + n


def _nonneg_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**48


def _npy_header(fh: BoundedReader, name: str) -> tuple[tuple[int, ...], np.dtype, int]:
    fmt = np.lib.format
    head = io.BytesIO(fh.read_exact(min(fh.size, 10_240)))
    try:
        version = fmt.read_magic(head)
        if version == (1, 0):
            shape, _fortran, dtype = fmt.read_array_header_1_0(head, max_header_size=10_000)
        elif version == (2, 0):
            shape, _fortran, dtype = fmt.read_array_header_2_0(head, max_header_size=10_000)
        else:
            raise ValueError(f"unsupported npy version {version}")
    except (ValueError, EOFError, SyntaxError) as err:
        raise ValueError(f"member {name!r} is not a valid array ({err})") from None
    if _fortran:
        raise ValueError(f"member {name!r} is stored in Fortran order")
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in "biuf":
        raise ValueError(f"member {name!r} has an unsupported element type {dtype}")
    if len(shape) > 16 or any(not isinstance(s, int) or s < 0 for s in shape):
        raise ValueError(f"member {name!r} has an invalid shape {shape}")
    offset = head.tell()
    fh.unread(head.read())  # the bytes after the header are the array's
    return shape, dtype, offset


def json_value_count(raw: bytes | bytearray) -> int:
    """An upper bound on the number of values in a JSON text (each costs a Python object)."""
    return raw.count(b",") + raw.count(b"[") + raw.count(b"{") + 1


def _no_constant(token: str) -> Any:
    raise ValueError(f"JSON contains {token}")


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def tensors_bytes(tensors: dict[str, torch.Tensor]) -> bytes:
    # the safetensors layout, copied by torch without the GIL so a save on a writer thread never stalls the window
    from playground.session.tensor_bytes import safetensors_bytes

    return safetensors_bytes(tensors)  # type: ignore[return-value]  # a memoryview: zip members take it as is


def json_bytes(obj: Any) -> bytes:
    # compact: what loads under MAX_JSON_BYTES must re-save under it (indentation can double a member)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
