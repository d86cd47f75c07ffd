"""The analysis commands (summary, lesion) on real session files, and the analysis parts of a
session file (lesions, masks, rewind points) saved and read back; old files still load."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

from playground.cli import main
from playground.session import load_session, save_session


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def trained_mlp(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("mlp") / "mlp.playground"
    assert main(["new", "mlp", "--set", "n_samples=200", "--set", "config.epochs=60", "-o", str(path)]) == 0
    assert main(["train", str(path), "--quiet"]) == 0
    return path


def test_summary_table_and_json(capsys, trained_mlp):
    code, out, _ = run(capsys, "summary", str(trained_mlp))
    assert code == 0 and "fc1" in out and out.splitlines()[-1].startswith("total")
    code, out, _ = run(capsys, "summary", str(trained_mlp), "--json")
    doc = json.loads(out)
    assert doc["totals"]["params"] == 434 and doc["totals"]["macs"] == 400  # 7·16 + 16·16 + 16·2


def test_lesion_csv_has_one_row_per_lesion(tmp_path, capsys, trained_mlp):
    out_csv = tmp_path / "drops.csv"
    before = trained_mlp.read_bytes()
    code, _out, _ = run(capsys, "lesion", str(trained_mlp), "--all-single", "--csv", str(out_csv))
    assert code == 0
    rows = list(csv.DictReader(out_csv.open()))
    assert list(rows[0]) == ["block", "kind", "metric", "before", "after", "drop"]
    assert {r["block"] for r in rows} == {"fc2", "tanh1", "tanh2"}  # features, fc1 and head change the shape
    for r in rows:
        assert r["metric"] == "val/accuracy" and 0 <= float(r["after"]) <= 1
        assert float(r["drop"]) == pytest.approx(float(r["before"]) - float(r["after"]), abs=1e-5)
    assert trained_mlp.read_bytes() == before


@pytest.mark.parametrize("argv,message", [
    (["--block", "nope"], "no block labelled 'nope'"),
    (["--block", "fc1"], 'Linear "fc1" cannot be bypassed: its input is N×7 but its output is N×16'),
    (["--zero", "fc1:99"], 'Linear "fc1" has 16 units'),
    (["--zero", "fc1"], "give LABEL:UNITS"),
])
def test_bad_lesions_give_one_line_and_exit_2(tmp_path, capsys, trained_mlp, argv, message):
    before = trained_mlp.read_bytes()
    code, _out, err = run(capsys, "lesion", str(trained_mlp), *argv, "-o", str(tmp_path / "out.playground"))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert trained_mlp.read_bytes() == before and not (tmp_path / "out.playground").exists()


def test_named_lesions_are_kept_in_the_saved_session(tmp_path, capsys, trained_mlp):
    out = tmp_path / "lesioned.playground"
    code, text, _ = run(capsys, "lesion", str(trained_mlp), "--block", "tanh2", "--zero", "fc1:0,1", "-o", str(out))
    assert code == 0 and "wrote" in text
    session = load_session(str(out))
    fc1 = session.graph.node_by_label("fc1").id
    tanh2 = session.graph.node_by_label("tanh2").id
    assert session.lesions == [{"kind": "bypass", "node_id": tanh2, "units": []},
                               {"kind": "zero_units", "node_id": fc1, "units": [0, 1]}]
    original = load_session(str(trained_mlp))
    assert original.lesions == [] and original.masks is None and original.rewind_weights == {}
    assert all(torch.equal(session.weights[k], v) for k, v in original.weights.items())


def test_masks_and_rewind_points_round_trip(tmp_path, trained_mlp):
    session = load_session(str(trained_mlp))
    key = next(k for k in session.weights if k.endswith("weight"))
    mask = torch.rand(session.weights[key].shape) > 0.5
    session.masks = {key: mask}
    session.rewind_weights = {0: {k: v * 0 + 1 for k, v in session.weights.items()}}
    path = tmp_path / "masked.playground"
    save_session(session, str(path))
    back = load_session(str(path))
    assert torch.equal(back.masks[key], mask) and back.masks[key].dtype == torch.bool
    assert set(back.rewind_weights) == {0} and torch.all(back.rewind_weights[0][key] == 1)
    assert not back.warnings
