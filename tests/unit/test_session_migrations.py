"""Every schema version ever written keeps loading: frozen files under tests/sessions/."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from playground.compile.compiler import attr_name
from playground.session import SCHEMA_VERSION, SessionError, load_session, load_session_bytes
from playground.session.migrations import MIGRATIONS, migrate, rename_weights, v1_weight_renames

FROZEN = Path(__file__).resolve().parents[1] / "sessions"


def test_there_is_a_frozen_file_for_every_schema_version():
    versions = set()
    for path in FROZEN.glob("v*_*.playground"):
        with zipfile.ZipFile(path) as zf:
            versions.add(json.loads(zf.read("manifest.json"))["schema"])
    assert versions == set(range(1, SCHEMA_VERSION + 1))


def test_every_older_version_has_a_migration_step():
    assert set(MIGRATIONS) == set(range(1, SCHEMA_VERSION))


def test_frozen_v1_trained_file_loads_and_resumes():
    s = load_session(FROZEN / "v1_mlp_trained.playground")
    assert s.notes == "frozen schema 1 file: mlp on spirals, 40 steps"
    assert s.ui_state["open_views"] == ["loss", "boundary"]
    assert s.dataset == "spirals" and s.dataset_params["n_samples"] == 200
    assert s.trainer_state["counters"]["step"] == 40
    assert len(s.history["train/loss"]["values"]) == 40
    assert s.runs[0]["label"] == "first run"
    assert all(torch.isfinite(w).all() for w in s.weights.values())
    trainer = s.make_trainer()
    assert trainer.step == 40
    trainer.run(max_steps=5)
    assert trainer.step == 45 and trainer.state == "finished"
    _, losses = trainer.buffer.series("train/loss")
    assert len(losses) == 45  # the old history continues


def test_frozen_v1_csv_file_brings_its_data():
    s = load_session(FROZEN / "v1_csv_untrained.playground")
    bundle = s.bundle()
    assert (bundle.n_train, bundle.n_val) == (40, 10)
    assert bundle.task.num_classes == 2 and s.weights is None
    trainer = s.make_trainer(bundle=bundle)
    trainer.run()
    assert trainer.step == 20


def test_migrations_chain_one_version_at_a_time_without_touching_the_input():
    def v1_to_v2(doc):
        doc["notes"] = {"notes": doc["notes"]["notes"] + " (v2)"}
        return doc

    def v2_to_v3(doc):
        doc["notes"]["notes"] += " (v3)"
        return doc

    original = {"manifest": {"schema": 1}, "notes": {"notes": "old"}}
    out = migrate(original, 1, 3, {1: v1_to_v2, 2: v2_to_v3})
    assert out["notes"]["notes"] == "old (v2) (v3)" and out["manifest"]["schema"] == 3
    assert original == {"manifest": {"schema": 1}, "notes": {"notes": "old"}}
    with pytest.raises(ValueError, match="no migration from schema 2"):
        migrate(original, 1, 3, {1: v1_to_v2})


def test_files_newer_than_this_version_are_refused_clearly():
    data = (FROZEN / "v1_mlp_trained.playground").read_bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in src.namelist():
            raw = src.read(name)
            if name == "manifest.json":
                raw = json.dumps({**json.loads(raw), "schema": SCHEMA_VERSION + 7}).encode()
            zf.writestr(name, raw)
    with pytest.raises(SessionError, match="made by a newer Neural Playground"):
        load_session_bytes(buf.getvalue())


def test_frozen_v2_file_brings_its_record():
    s = load_session(FROZEN / "v2_mlp_record.playground")
    assert s.notes.startswith("frozen schema 2 file")
    meta, arrays = s.record
    assert meta["version"] == 1 and sorted(arrays) == ["weights_counts", "weights_edges", "weights_steps"]
    assert arrays["weights_counts"].shape == (10, 41) and arrays["weights_counts"].dtype == np.int64
    assert np.array_equal(arrays["weights_steps"], np.arange(0, 40, 4))


def test_v1_weights_are_renamed_to_the_compiled_network_s_keys():
    from playground.compile import compile_graph

    s = load_session(FROZEN / "v1_mlp_trained.playground")
    model = compile_graph(s.graph, s.bundle().task)
    assert set(s.weights) == set(model.state_dict())
    with zipfile.ZipFile(FROZEN / "v1_mlp_trained.playground") as zf:
        doc = {"graph": json.loads(zf.read("graph.json"))}
    renames = v1_weight_renames(doc)
    label_of = {n["id"]: n["label"] for n in doc["graph"]["nodes"]}
    for nid, name in model.node_names.items():
        assert renames[attr_name(label_of[nid])] == name  # label-keyed v1 -> what the compiler names it


def test_rename_weights_touches_only_the_module_prefix():
    w = {"fc1.weight": 1, "fc1.bias": 2, "head.weight": 3, "other.fc1.weight": 4}
    assert rename_weights(w, {"fc1": "n3", "head": "n7"}) == {
        "n3.weight": 1, "n3.bias": 2, "n7.weight": 3, "other.fc1.weight": 4}
