"""Broken and hostile files: the loader only ever raises SessionError, with a clear message."""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load as st_load

from playground.graph.builder import GraphBuilder
from playground.session import Session, SessionError, archive, load_session, load_session_bytes, session_bytes
from playground.session.model import SCHEMA_VERSION
from playground.train import TrainConfig


def small_session() -> Session:
    g = GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=2).then("Output", "output").graph
    s = Session(graph=g, dataset="xor", dataset_params={"n_samples": 40}, config=TrainConfig(batch_size=8))
    trainer = s.make_trainer()
    trainer.run(max_steps=3)
    s.capture(trainer)
    s.notes = "hello"
    return s


GOOD = session_bytes(small_session())


def members(data: bytes = GOOD) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(files: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    items = files.items() if isinstance(files, dict) else files
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return buf.getvalue()


def edit_json(name: str, change) -> bytes:
    files = members()
    doc = json.loads(files[name])
    change(doc)
    files[name] = json.dumps(doc).encode()
    return rezip(files)


def error_of(data: bytes) -> str:
    with pytest.raises(SessionError) as info:
        load_session_bytes(data)
    return str(info.value)


def only_session_error(data: bytes) -> None:
    try:
        load_session_bytes(data)
    except SessionError as err:
        assert str(err)


def test_the_reference_file_loads():
    assert load_session_bytes(GOOD).notes == "hello"


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    only_session_error(data)
    only_session_error(b"PK\x03\x04" + data)


def test_every_truncation_is_rejected():
    for cut in sorted({*range(0, len(GOOD), max(len(GOOD) // 300, 1)), len(GOOD) - 1, len(GOOD) - 22}):
        assert error_of(GOOD[:cut])


def test_flipped_bytes_never_escape_as_other_errors():
    rng = random.Random(7)
    for _ in range(150):
        data = bytearray(GOOD)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        only_session_error(bytes(data))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


JSON_MEMBERS = sorted(n for n in members() if n.endswith(".json"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(member=st.sampled_from(JSON_MEMBERS), data=st.data(), value=json_values)
def test_mutated_json_only_raises_session_error(member, data, value):
    files = members()
    doc = json.loads(files[member])
    path = data.draw(st.sampled_from(list(_paths(doc))))
    if not path:
        doc = value
    else:
        target = doc
        for key in path[:-1]:
            target = target[key]
        if data.draw(st.booleans()):
            target[path[-1]] = value
        else:
            del target[path[-1]]
    files[member] = json.dumps(doc).encode()
    only_session_error(rezip(files))


def test_not_a_zip_and_foreign_zip_and_missing_file(tmp_path):
    assert "not a zip" in error_of(b"hello world").lower() or "damaged" in error_of(b"hello world")
    foreign = rezip({"readme.txt": b"hi", "data.csv": b"1,2"})
    assert "not a Neural Playground session" in error_of(foreign)
    other_kind = edit_json("manifest.json", lambda d: d.update(kind="something-else"))
    assert "not a Neural Playground session" in error_of(other_kind)
    p = tmp_path / "notes.txt"
    p.write_text("just text")
    with pytest.raises(SessionError, match="not a Neural Playground session"):
        load_session(p)
    with pytest.raises(SessionError, match="cannot open"):
        load_session(tmp_path / "missing.playground")
    with pytest.raises(SessionError, match="cannot open"):
        load_session(tmp_path)


def test_newer_schema_says_so():
    newer = edit_json("manifest.json", lambda d: d.update(schema=SCHEMA_VERSION + 1))
    assert f"made by a newer Neural Playground (schema {SCHEMA_VERSION + 1}" in error_of(newer)
    assert "schema" in error_of(edit_json("manifest.json", lambda d: d.update(schema="one")))


@pytest.mark.parametrize("name", ["../evil.json", "/etc/passwd", "a/../../b", "C:/x.json", "a\\b.json",
                                  "arrays/./x.npy", "nul\x00.json"])
def test_path_traversal_and_odd_names(name):
    files = [*list(members().items()), (name.replace("\x00", "\x01"), b"{}")]
    assert "member" in error_of(rezip(files))


def test_duplicate_member_names():
    files = list(members().items())
    files.append(("notes.json", json.dumps({"notes": "evil twin"}).encode()))
    with pytest.warns(UserWarning):  # zipfile itself warns about the duplicate when writing
        data = rezip(files)
    assert "twice" in error_of(data)


def test_zip_bomb_by_declared_size(monkeypatch):
    bomb = rezip({**members(), "graph.json": b" " * (archive.MAX_JSON_BYTES + 1)})
    assert "too large" in error_of(bomb) or "compressed" in error_of(bomb)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 2000)
    assert "too large" in error_of(GOOD)


def test_zip_bomb_by_extreme_ratio():
    files = members()
    files["arrays/history0.npy"] = b"\0" * (8 << 20)
    assert "zip bomb" in error_of(rezip(files))


def test_member_larger_than_declared():
    """A central directory that understates a member's size cannot make the reader inflate more."""
    files = members()
    files["notes.json"] = json.dumps({"notes": "x" * 5000}).encode()
    data = bytearray(rezip(files))
    # patch the uncompressed size of notes.json in both headers to 10 bytes
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            name_len = struct.unpack_from("<H", data, pos + (26 if sig == b"PK\x03\x04" else 28))[0]
            start = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[start:start + name_len] == b"notes.json":
                struct.pack_into("<I", data, pos + offset, 10)
            pos += 4
    assert "notes.json" in error_of(bytes(data)) or "damaged" in error_of(bytes(data))


def test_unknown_block_type():
    def change(doc):
        doc["nodes"][1]["type"] = "QuantumLayer"
    assert "unknown block type QuantumLayer" in error_of(edit_json("graph.json", change))


def test_unknown_dataset_and_bad_config():
    assert "unknown dataset" in error_of(edit_json("dataset.json", lambda d: d.update(name="nope")))
    assert "training settings" in error_of(edit_json("config.json", lambda d: d.update(lr=-5)))


def test_a_table_is_never_read_from_a_path_inside_the_file(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,0\n2,1\n3,0\n4,1\n")
    data = edit_json("dataset.json", lambda d: d.update(name="csv", params={"path": str(secret)}))
    assert "does not contain its data" in error_of(data)


def test_weights_of_the_wrong_shape():
    files = members()
    weights = st_load(files["weights.safetensors"])
    assert set(weights) == {"n2.weight", "n2.bias"}  # keyed by node id; messages name the label
    weights["n2.weight"] = torch.zeros(3, 2)
    files["weights.safetensors"] = archive.tensors_bytes(weights)
    assert "fc1.weight is 3×2" in error_of(rezip(files))
    del weights["n2.weight"]
    files["weights.safetensors"] = archive.tensors_bytes(weights)
    assert "missing ['fc1.weight']" in error_of(rezip(files))
    weights["fc1.weight"] = torch.zeros(2, 2)  # one key by id, one by label: fits neither way
    files["weights.safetensors"] = archive.tensors_bytes(weights)
    assert "do not match the network" in error_of(rezip(files))


def test_weights_keyed_by_label_as_schema_1_wrote_them_load_by_node_id():
    files = members()
    weights = st_load(files["weights.safetensors"])
    files["weights.safetensors"] = archive.tensors_bytes({k.replace("n2.", "fc1."): v for k, v in weights.items()})
    loaded = load_session_bytes(rezip(files))
    assert loaded.weights is not None and set(loaded.weights) == set(weights)
    assert all(torch.equal(loaded.weights[k], v) for k, v in weights.items())


def test_optimizer_state_that_does_not_fit():
    files = members()
    tensors = st_load(files["optimizer.safetensors"])
    key = next(k for k, v in tensors.items() if v.dim() == 2)
    tensors[key] = torch.zeros(5, 5)
    files["optimizer.safetensors"] = archive.tensors_bytes(tensors)
    assert "optimizer" in error_of(rezip(files))
    files = members()
    files["optimizer.safetensors"] = archive.tensors_bytes({})
    assert "missing tensor" in error_of(rezip(files))


def _npy(header: dict, payload: bytes) -> bytes:
    text = repr(header).encode()
    text += b" " * (64 - (10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


def test_hostile_arrays():
    embedded = small_session()
    embedded.embed_bundle(embedded.bundle())
    files = members(session_bytes(embedded))
    target = "arrays/data_x_train.npy"
    cases = {
        "object": _npy({"descr": "|O", "fortran_order": False, "shape": (1,)}, b"\x80\x04N."),
        "huge": _npy({"descr": "<f8", "fortran_order": False, "shape": (10**12,)}, b""),
        "short": _npy({"descr": "<f8", "fortran_order": False, "shape": (3, 4)}, b"\0" * 8),
        "garbage": b"\x93NUMPY\x01\x00\xff\xff{{{{",
    }
    for what, payload in cases.items():
        files[target] = payload
        assert "array" in error_of(rezip(files)) or "element type" in error_of(rezip(files)), what


def test_a_damaged_history_costs_the_history_not_the_session():
    files = members()
    for payload in (b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage", b"", b"\xff" * 64):
        files["series.safetensors"] = payload
        s = load_session_bytes(rezip(files))
        assert s.history == {} and s.weights is not None
        assert any("history" in w and "without it" in w for w in s.warnings)


def test_hostile_safetensors():
    files = members()
    header = json.dumps({"fc1.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 10**9]}}).encode()
    files["weights.safetensors"] = struct.pack("<Q", len(header)) + header + b"\0" * 16
    assert "tensor file" in error_of(rezip(files))


def test_encrypted_and_odd_compression():
    data = bytearray(GOOD)
    pos = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, pos + 8, struct.unpack_from("<H", data, pos + 8)[0] | 1)
    assert error_of(bytes(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_BZIP2) as zf:
        for n, d in members().items():
            zf.writestr(n, d)
    assert "compression" in error_of(buf.getvalue())


def test_loading_is_all_or_nothing(tmp_path):
    """A file with one bad part yields no partial session; a good file next to it is unaffected."""
    bad = tmp_path / "bad.playground"
    bad.write_bytes(edit_json("graph.json", lambda d: d["nodes"][1].update(type="Nope")))
    with pytest.raises(SessionError):
        load_session(bad)
    good = tmp_path / "good.playground"
    good.write_bytes(GOOD)
    assert load_session(good).weights is not None


def test_unknown_members_are_ignored():
    files = {**members(), "extras/thumbnail.png": b"\x89PNG not really", "future.json": b"{"}
    assert load_session_bytes(rezip(files)).notes == "hello"


def test_stale_weights_of_an_unbuildable_graph_are_dropped_with_a_warning():
    def break_graph(doc):
        doc["edges"] = doc["edges"][:1]  # the Output is no longer wired
    s = load_session_bytes(edit_json("graph.json", break_graph))
    assert s.weights is None and s.optimizer_state is None
    assert "cannot be built" in s.warnings[0]


def test_compressed_member_checksum_mismatch():
    data = bytearray(GOOD)
    pos = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, pos + 16, 0xDEADBEEF)  # the first member's CRC in the directory
    assert "CRC" in error_of(bytes(data)) or "damaged" in error_of(bytes(data))


def test_pickle_is_never_involved():
    """Weights and arrays go through safetensors and allow_pickle=False npy only."""
    names = members()
    assert not any(n.endswith((".pt", ".pth", ".pkl", ".bin")) for n in names)
    for n, d in names.items():
        if n.endswith(".npy"):
            assert np.load(io.BytesIO(d), allow_pickle=False) is not None
