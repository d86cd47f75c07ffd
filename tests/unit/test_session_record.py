"""The session file keeps the snapshot record (schema 2); a damaged or oversized record costs only
that history, with a warning (issue 10 §6)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from playground.graph.model import Graph, Node, PortRef
from playground.session import Session, SessionError, load_session_bytes, record, save_session, session_bytes
from playground.train import TrainConfig


def with_record() -> Session:
    g = Graph()
    g.add_node(Node("n1", "Input", "input"))
    g.add_node(Node("n2", "Linear", "fc1", {"out_features": 2}))
    g.add_node(Node("n3", "Output", "output"))
    g.connect(PortRef("n1", "out"), PortRef("n2", "in"))
    g.connect(PortRef("n2", "out"), PortRef("n3", "in"))
    s = Session(graph=g, dataset="xor", dataset_params={"n_samples": 40}, config=TrainConfig(batch_size=8))
    s.record = ({"kinds": ["boundary", "weights"], "stride": {"boundary": 2}},
                {"boundary_steps": np.arange(5), "boundary_output": np.random.default_rng(0).random((5, 8, 8)),
                 "weights-counts": np.ones((5, 41), dtype=np.int32), "flags": np.array([True, False]),
                 "u16": np.arange(3, dtype=np.uint16)})
    return s


def files_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    return buf.getvalue()


def test_the_record_round_trips_exactly():
    s = with_record()
    back = load_session_bytes(session_bytes(s))
    meta, arrays = back.record
    assert meta == s.record[0]
    assert sorted(arrays) == sorted(s.record[1])
    for k, a in s.record[1].items():
        assert np.array_equal(arrays[k], a), k
    assert arrays["boundary_output"].dtype == np.float64 and arrays["flags"].dtype == np.bool_
    assert back.warnings == []


@pytest.mark.parametrize("damage", ["bad json", "missing tensors", "wrong keys", "garbage tensors"])
def test_a_damaged_record_loads_without_it_with_a_warning(damage):
    files = files_of(session_bytes(with_record()))
    if damage == "bad json":
        files["record.json"] = json.dumps({"meta": [], "arrays": 3}).encode()
    elif damage == "missing tensors":
        del files["record.safetensors"]
    elif damage == "wrong keys":
        files["record.json"] = json.dumps({"meta": {}, "arrays": ["not_there"]}).encode()
    else:
        files["record.safetensors"] = b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage"
    s = load_session_bytes(rezip(files))
    assert s.record is None and s.dataset == "xor"
    assert any("recorded snapshots" in w for w in s.warnings), s.warnings


def test_an_oversized_record_loads_without_it(monkeypatch):
    data = session_bytes(with_record())
    monkeypatch.setattr(record, "MAX_RECORD_BYTES", 1000)
    s = load_session_bytes(data)
    assert s.record is None and any("too large" in w for w in s.warnings)


def test_a_record_the_contract_forbids_is_not_saved(tmp_path):
    s = with_record()
    s.record = ({}, {"bad key!": np.zeros(2)})
    with pytest.raises(SessionError, match="not allowed"):
        save_session(s, str(tmp_path / "a.playground"))
    s.record = ({}, {"obj": np.array([object()])})
    with pytest.raises(SessionError, match="not numeric"):
        save_session(s, str(tmp_path / "a.playground"))
    assert not (tmp_path / "a.playground").exists()
