"""Compared variants are saved in the session, carried by the Workspace, and checked on load."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from playground.experiments.compare import Comparison, VariantSpec, plan_comparison, run_comparison
from playground.session.fileformat import load_session, load_session_bytes, save_session, session_bytes
from playground.session.new import new_session
from playground.workspace.model import Workspace


@pytest.fixture(scope="module")
def compared():
    session, _ = new_session("mlp", overrides=["data.n_samples=200"])
    bundle = session.bundle()
    planned = plan_comparison(session.graph, session.config, session.dataset, bundle,
                              [VariantSpec("base"), VariantSpec("fast", ["lr=0.1"])], 2, 30)
    return session, bundle, run_comparison(planned, bundle)


def test_variants_saved_from_the_workspace_reopen_equal(compared, tmp_path):
    session, bundle, comparison = compared
    workspace = Workspace()
    workspace.load(session, bundle)
    seen = []
    workspace.variants_changed.connect(seen.append)
    workspace.set_variants(comparison.to_session())
    assert seen and workspace.is_modified()
    path = tmp_path / "compared.playground"
    save_session(workspace.to_session(), str(path))
    reopened = load_session(str(path))
    assert not reopened.warnings
    again = Comparison.from_session(reopened.variants)
    assert [r.name for r in again.results] == ["base", "fast"]
    for old, new in zip(comparison.results, again.results, strict=True):
        assert np.array_equal(old.curves(), new.curves())
        assert old.seeds == new.seeds and old.changes == new.changes and old.engine == new.engine
    second = Workspace()
    second.load(reopened, bundle)
    assert second.to_session().variants == reopened.variants


def _with_variants_json(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "variants.json":
                doc = json.loads(content)
                change(doc["variants"])
                content = json.dumps(doc).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


@pytest.mark.parametrize(("hostile", "says"), [
    (lambda v: v[0].update(steps="many"), "steps"),
    (lambda v: v[0].update(name=""), "name"),
    (lambda v: v[0].update(name="x" * 5000), "name"),
    (lambda v: v[1].update(name=v[0]["name"]), "two variants"),
    (lambda v: v[0].update(seeds=[7, 8]), "seeds"),
    (lambda v: v[0]["runs"][0].update(val_accuracy=7.5), "accuracy"),
    (lambda v: v[0]["runs"][0]["history"]["train/loss"].update(array="nothing"), "missing array"),
    (lambda v: v[0].update(changes="lr=0.1"), "changes"),
    (lambda v: v[0].update(params=-4), "parameters"),
    (lambda v: v[0].update(steps=10), "more points than its 10 steps"),
    (lambda v: v.extend([v[0]] * 80), "more than"),
])
def test_a_hostile_variants_part_is_left_out_and_the_rest_opens(compared, hostile, says):
    session, _bundle, comparison = compared
    session.variants = comparison.to_session()
    try:
        data = _with_variants_json(session_bytes(session), hostile)
    finally:
        session.variants = []
    reopened = load_session_bytes(data)
    assert reopened.variants == []
    assert len(reopened.warnings) == 1 and "compared variants could not be read" in reopened.warnings[0]
    assert says in reopened.warnings[0]
    assert reopened.graph.to_dict() == session.graph.to_dict() and reopened.config == session.config
