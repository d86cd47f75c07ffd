"""The ``.playground`` file: a zip of JSON parts, safetensors and ``.npy`` arrays.

Members (all optional except the first four)::

    manifest.json          kind marker, schema and app version, member list
    graph.json config.json dataset.json
    notes.json ui_state.json history.json runs.json
    weights.safetensors                       model state_dict
    optimizer.json + optimizer.safetensors    optimizer state (JSON skeleton + tensors)
    trainer.json + trainer.safetensors        counters and RNG states
    series.safetensors                        history series, one tensor per series (schema 2)
    record.json + record.safetensors          the snapshot record (schema 2)
    arrays/<key>.npy                          embedded data, numpy state (and schema-1 series)

Loading never executes anything from the file (no pickle, no torch.load) and is
all-or-nothing: any problem raises one SessionError saying what is wrong.
Unknown members are ignored (never read), so later minor additions stay readable.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch

from playground import __version__
from playground.graph.model import Graph, GraphFormatError
from playground.session import analysis_part, archive, best_part, limits, skeleton, variants_part
from playground.session import record as record_part
from playground.session.atomic import atomic_write
from playground.session.errors import SessionError
from playground.session.migrations import migrate, rename_weights, weight_renames
from playground.session.model import DATA_ARRAYS, SCHEMA_VERSION, Session
from playground.session.validate import check_weights, ensure_weights_fit, validate_document
from playground.session.validate_state import check_training_state

KIND = "neural-playground-session"
JSON_PARTS = ("graph", "config", "dataset", "notes", "ui_state", "history", "runs", "optimizer", "trainer",
              "record")
REQUIRED = ("graph", "config", "dataset")
# parts a session can open without, with a warning, when they are damaged or too large
OPTIONAL = {"ui_state": "the saved layout of views", "history": "the training history",
            "runs": "the earlier runs", "record": "the recorded snapshots (histograms, maps, modes)"}
SERIES_MEMBER = "series.safetensors"  # schema 2: every history series (schema 1: arrays/history*.npy)
SERIES_PREFIXES = ("history", "run")
_ARRAY_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


# ------------------------------------------------------------------ saving
def save_session(session: Session, path: str) -> None:
    """Write ``session`` to ``path`` atomically (the old file survives any crash mid-save)."""
    ensure_weights_fit(session, str(path))  # never write weights its own loader would refuse
    try:
        members = _members(session)
    except (ValueError, TypeError) as err:
        raise SessionError(f"cannot save: {err}", str(path)) from None
    try:
        atomic_write(str(path), lambda f: _write_zip(f, members), lambda tmp: verify_saved(tmp, members))
    except OSError as err:
        raise SessionError(f"cannot save: {err.strerror or err}", str(path)) from None
    except ValueError as err:
        raise SessionError(f"cannot save: the written file did not check out ({err}); the old "
                           "file was kept", str(path)) from None


def verify_saved(path: str, members: list[tuple[str, bytes]]) -> None:
    """Re-read what was written, cheaply: the member list, the sizes and the tensor/array headers."""
    with archive.SafeZipReader(path) as reader:
        want = {name: len(data) for name, data in members}
        got = {name: reader.size(name) for name in reader.infos}
        if got != want:
            raise ValueError("its members differ from those written")
        for name in want:
            if name.endswith(".safetensors"):
                reader.tensor_header(name)
            elif name.endswith(".npy"):
                reader.npy_header(name)


def session_bytes(session: Session) -> bytes:
    """The bytes :func:`save_session` would write (for tests and in-memory copies)."""
    buf = io.BytesIO()
    _write_zip(buf, _members(session))
    return buf.getvalue()


def session_members(session: Session) -> list[tuple[str, bytes]]:
    """The members :func:`save_session` writes, manifest first (exported scripts copy them)."""
    return _members(session)


def _write_zip(f: Any, members: list[tuple[str, bytes]]) -> None:
    # JSON compresses well; tensors and arrays hardly do, so they are stored as they are
    with zipfile.ZipFile(f, "w") as zf:
        for name, data in members:
            compress = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=compress)


def _members(session: Session) -> list[tuple[str, bytes]]:
    parts: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    binaries: dict[str, bytes] = {}
    parts["graph"] = session.graph.to_dict()
    assert session.config is not None  # __post_init__ fills it
    parts["config"] = session.config.to_dict()
    dataset: dict[str, Any] = {"name": session.dataset, "params": dict(session.dataset_params),
                               "embedded": None}
    if session.embedded_data is not None:
        emb = session.embedded_data
        refs = {}
        for k in DATA_ARRAYS:
            arrays[f"data_{k}"] = np.asarray(emb["arrays"][k])
            refs[k] = f"data_{k}"
        dataset["embedded"] = {"task": emb["task"], "meta": emb.get("meta", {}), "arrays": refs}
    parts["dataset"] = dataset
    parts["notes"] = {"notes": session.notes}
    parts["ui_state"] = session.ui_state
    parts["history"] = _encode_history(session.history, "history", arrays)
    parts["runs"] = {"runs": [
        {**{k: v for k, v in run.items() if k != "history"},
         "history": _encode_history(run.get("history", {}), f"run{i}_", arrays)}
        for i, run in enumerate(session.runs)
    ]}
    if session.record is not None:
        parts["record"], binaries["record.safetensors"] = record_part.encode(session.record)
    if session.weights is not None:
        binaries["weights.safetensors"] = archive.tensors_bytes(session.weights)
    analysis, analysis_binaries = analysis_part.encode(session)
    if analysis is not None:
        parts["analysis"] = analysis
    binaries.update(analysis_binaries)
    variants, variants_binaries = variants_part.encode(session)
    if variants is not None:
        parts["variants"] = variants
    binaries.update(variants_binaries)
    best, best_binaries = best_part.encode(session)
    if best is not None:
        parts["best"] = best
    binaries.update(best_binaries)
    for part, state in (("optimizer", session.optimizer_state), ("trainer", session.trainer_state)):
        if state is None:
            continue
        skel, tensors, arrs = skeleton.encode(state, part)
        parts[part] = {"state": skel}
        binaries[f"{part}.safetensors"] = archive.tensors_bytes(tensors)
        arrays.update(arrs)
    members: list[tuple[str, bytes]] = []
    for name, value in parts.items():
        members.append((f"{name}.json", archive.json_bytes(value)))
    members += sorted(binaries.items())
    # the scalar series go into one member: a deep network has a series per block, and one
    # .npy each would pass the member limit (4,990 layers: over 10,000 members)
    series = {k: a for k, a in arrays.items() if k.startswith(SERIES_PREFIXES)}
    if series:
        members.append((SERIES_MEMBER, archive.tensors_bytes({k: torch.from_numpy(np.ascontiguousarray(a))
                                                               for k, a in series.items()})))
    members += [(f"arrays/{k}.npy", archive.npy_bytes(a)) for k, a in arrays.items() if k not in series]
    manifest = {
        "kind": KIND,
        "schema": SCHEMA_VERSION,
        "app_version": __version__,
        "saved_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "members": [name for name, _ in members],
    }
    return [("manifest.json", archive.json_bytes(manifest)), *members]


def _encode_history(history: Mapping[str, Mapping[str, list[float]]], prefix: str,
                    arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    series = {}
    for i, (name, cols) in enumerate(history.items()):
        steps = np.asarray(cols.get("steps", []), dtype=np.float64)
        values = np.asarray(cols.get("values", []), dtype=np.float64)
        wall = np.asarray(cols.get("wall", [0.0] * len(steps)), dtype=np.float64)
        if not (len(steps) == len(values) == len(wall)):
            raise ValueError(f"history series {name!r} has columns of different lengths")
        key = f"{prefix}{i}"
        arrays[key] = np.stack([steps, values, wall])
        stride = cols.get("stride") or [1.0]
        series[name] = {"array": key, "stride": float(stride[0])}
    return {"series": series}


# ----------------------------------------------------------------- loading
def load_session(path: str) -> Session:
    """Read a session file; raise SessionError (and nothing else) if it cannot be used as a whole."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as err:
        raise SessionError(f"cannot open: {err.strerror or err}", path) from None
    if not head.startswith(b"PK"):
        raise SessionError("not a Neural Playground session (not a zip archive)", path)
    try:
        with archive.SafeZipReader(path) as reader:
            return _load(reader)
    except SessionError as err:
        raise SessionError(err.message, path) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        raise SessionError(f"the file is damaged or truncated ({err})", path) from None
    except MemoryError:
        raise SessionError("the file is too large to open", path) from None
    except Exception as err:  # any other oddity in a hostile file is still one clear error
        raise SessionError(f"the file is damaged: {err}", path) from None


def load_session_bytes(data: bytes) -> Session:
    """Like :func:`load_session` for in-memory bytes."""
    try:
        with archive.SafeZipReader(data) as reader:
            return _load(reader)
    except SessionError:
        raise
    except MemoryError:
        raise SessionError("the file is too large to open") from None
    except Exception as err:
        raise SessionError(f"the file is damaged: {err}") from None


def _load(reader: archive.SafeZipReader) -> Session:
    if not reader.has("manifest.json"):
        raise SessionError("a zip archive, but not a Neural Playground session (no manifest)")
    manifest = reader.read_json("manifest.json")
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise SessionError("a zip archive, but not a Neural Playground session")
    schema = manifest.get("schema")
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        raise SessionError(f"invalid schema version {schema!r}")
    if schema > SCHEMA_VERSION:
        raise SessionError(
            f"made by a newer Neural Playground (schema {schema}; this version {__version__} "
            f"reads up to schema {SCHEMA_VERSION}); please update"
        )
    limits.check_budget(reader)
    doc: dict[str, Any] = {"manifest": manifest}
    warnings: list[str] = []
    for part in JSON_PARTS:
        if reader.has(f"{part}.json"):
            try:
                doc[part] = reader.read_json(f"{part}.json")
            except ValueError as err:
                if part not in OPTIONAL:
                    raise
                warnings.append(f"{OPTIONAL[part]} could not be read ({err}), so it was left out")
        elif part in REQUIRED:
            raise SessionError(f"the file is incomplete: {part}.json is missing")
    renames = weight_renames(doc, schema, SCHEMA_VERSION)
    doc = migrate(doc, schema, SCHEMA_VERSION)
    _drop_damaged_optional(doc, warnings)
    validate_document(doc)
    arrays = _LazyArrays(reader)
    try:
        graph = Graph.from_dict(doc["graph"])
    except GraphFormatError as err:
        raise SessionError("the network is invalid: " + "; ".join(err.problems[:5])) from None
    session = Session(graph=graph, dataset=doc["dataset"]["name"],
                      dataset_params=dict(doc["dataset"]["params"]), config=_config(doc["config"]))
    emb = doc["dataset"].get("embedded")
    if emb is not None:
        session.embedded_data = {"task": emb["task"], "meta": emb.get("meta", {}),
                                 "arrays": {k: arrays[emb["arrays"][k]] for k in DATA_ARRAYS}}
    session.warnings.extend(warnings)
    session.notes = doc.get("notes", {"notes": ""})["notes"]
    session.ui_state = doc.get("ui_state", {})
    try:
        session.history = _decode_history(doc.get("history", {"series": {}}), arrays)
        for run in doc.get("runs", {"runs": []})["runs"]:
            session.runs.append({**run, "history": _decode_history(run["history"], arrays)})
    except (SessionError, ValueError) as err:
        session.history, session.runs = {}, []
        session.warnings.append(f"the training history is damaged or too large ({_reason(err)}), "
                                "so the session was opened without it")
    if "record" in doc:
        try:
            session.record = record_part.decode(reader, doc["record"])
        except ValueError as err:
            session.warnings.append(f"the recorded snapshots are damaged or too large ({err}), so the "
                                    "session was opened without that history")
    session.app_version = str(manifest.get("app_version", "?"))
    limits.check_tensor_headers(reader, session)
    if reader.has("weights.safetensors"):
        weights = reader.read_tensors("weights.safetensors")
        for step in renames:
            weights = rename_weights(weights, step)
        session.weights = weights
    for part in ("optimizer", "trainer"):
        if part not in doc:
            continue
        tensors = reader.read_tensors(f"{part}.safetensors")
        try:
            state = skeleton.decode(doc[part]["state"], tensors, arrays)
        except ValueError as err:
            raise SessionError(f"the saved {part} state is damaged: {err}") from None
        if not isinstance(state, dict):
            raise SessionError(f"the saved {part} state is damaged")
        setattr(session, f"{part}_state", state)
    check_weights(session)
    check_training_state(session)
    analysis_part.decode(reader, session)
    variants_part.decode(reader, session)
    best_part.decode(reader, session)
    return session


def _config(data: Any) -> Any:
    from playground.train import ConfigError, TrainConfig

    try:
        return TrainConfig.from_dict(data)
    except ConfigError as err:
        raise SessionError(f"the training settings are invalid: {err}") from None


def _decode_history(data: Any, arrays: Mapping[str, np.ndarray]) -> dict[str, dict[str, list[float]]]:
    if not isinstance(data, dict) or not isinstance(data.get("series"), dict):
        raise SessionError("the metric history is damaged")
    out = {}
    for name, ref in data["series"].items():
        if not isinstance(ref, dict) or not isinstance(ref.get("stride"), (int, float)) or len(name) > 200:
            raise SessionError(f"the metric history entry {name[:40]!r} is damaged")
        a = arrays[str(ref.get("array"))]
        if a.ndim != 2 or a.shape[0] != 3 or a.dtype != np.float64:
            raise SessionError(f"the metric history entry {name[:40]!r} is damaged")
        out[name] = {"steps": a[0].tolist(), "values": a[1].tolist(), "wall": a[2].tolist(),
                     "stride": [float(ref["stride"])]}
    return out


def _drop_damaged_optional(doc: dict[str, Any], warnings: list[str]) -> None:
    """Leave out the parts a session can do without when their structure is wrong."""
    runs = doc.get("runs", {"runs": []})
    fine = {
        "ui_state": isinstance(doc.get("ui_state", {}), dict),
        "history": isinstance(doc.get("history", {"series": {}}), dict),
        "runs": isinstance(runs, dict) and isinstance(runs.get("runs"), list)
        and all(isinstance(r, dict) and "history" in r for r in runs["runs"]),
    }
    for part, ok in fine.items():
        if not ok:
            del doc[part]
            warnings.append(f"{OPTIONAL[part]} is damaged, so it was left out")


def _reason(err: Exception) -> str:
    return err.message if isinstance(err, SessionError) else str(err)


class _LazyArrays(Mapping[str, np.ndarray]):
    """``arrays/<key>.npy`` members, read (safely) when first referenced."""

    def __init__(self, reader: archive.SafeZipReader) -> None:
        self._reader = reader
        self._cache: dict[str, np.ndarray] = {}
        self._packed: dict[str, np.ndarray] | None = None

    def _member(self, key: object) -> str | None:
        if not isinstance(key, str) or not _ARRAY_KEY.match(key):
            return None
        name = f"arrays/{key}.npy"
        return name if self._reader.has(name) else None

    def __contains__(self, key: object) -> bool:
        return self._member(key) is not None or (isinstance(key, str) and key in self._series())

    def _series(self) -> dict[str, np.ndarray]:
        if self._packed is None:
            self._packed = {}
            if self._reader.has(SERIES_MEMBER):
                tensors = self._reader.read_tensors(SERIES_MEMBER)
                self._packed = {k: t.numpy() for k, t in tensors.items()}
        return self._packed

    def __getitem__(self, key: str) -> np.ndarray:
        if key in self._cache:
            return self._cache[key]
        name = self._member(key)
        if name is None:
            if isinstance(key, str) and key in self._series():
                return self._series()[key]
            raise SessionError(f"the file refers to a missing array {str(key)[:80]!r}")
        self._cache[key] = self._reader.read_npy(name)
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)
