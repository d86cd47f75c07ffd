"""``playground inspect`` on a real trained session file: the table, the JSON (whose output is the
network's output on that input), and one line with exit 2 for a bad input, the file untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from playground.analysis.evaluation import trained_model
from playground.cli import main
from playground.session import load_session


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def trained_mlp(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("inspect") / "mlp.playground"
    assert main(["new", "mlp", "--set", "config.epochs=80", "-o", str(path)]) == 0
    assert main(["train", str(path), "--quiet"]) == 0
    return path


def test_a_point_prints_a_table_of_every_block(capsys, trained_mlp):
    code, out, _ = run(capsys, "inspect", str(trained_mlp), "--input", "0.5,-0.2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "input: point (0.5, -0.2)"
    assert lines[1].split() == ["#", "block", "type", "shape", "min", "max", "mean", "zeros"]
    for label in ("input", "features", "fc1", "tanh1", "fc2", "tanh2", "head", "output"):
        assert any(line.split()[1:2] == [label] for line in lines[3:]), label
    assert any(line.startswith("prediction: class ") for line in lines)


def test_the_json_output_is_the_networks_output(capsys, trained_mlp):
    code, out, _ = run(capsys, "inspect", str(trained_mlp), "--sample", "4", "--split", "train", "--json")
    assert code == 0
    data = json.loads(out)
    session = load_session(str(trained_mlp))
    bundle = session.bundle()
    with torch.no_grad():
        expected = trained_model(session, bundle)(bundle.x_train[4:5])[0]
    assert data["input"] == {"kind": "sample", "split": "train", "index": 4}
    assert data["output"] == pytest.approx(expected.tolist(), abs=1e-6)
    assert data["steps"][-1]["values"] == data["output"]
    assert data["steps"][0]["values"] == pytest.approx(bundle.x_train[4].tolist())
    assert {"label", "type", "shape", "min", "max", "mean", "zero_share", "values"} <= set(data["steps"][2])


@pytest.mark.parametrize(("argv", "message"), [
    (["--input", "0.5"], "playground: --input: give 2 numbers (the input width); 1 was given\n"),
    (["--input", "0.5,zero"], "playground: --input: 'zero' is not a number\n"),
    (["--sample", "100"], "playground: --sample: sample 100 is not in the validation set of spirals: it has "
                          "samples 0 to 99\n"),
])
def test_a_bad_input_is_one_line_with_exit_2_and_the_file_is_untouched(capsys, trained_mlp, argv, message):
    before = trained_mlp.read_bytes()
    code, out, err = run(capsys, "inspect", str(trained_mlp), *argv)
    assert (code, out, err) == (2, "", message)
    assert trained_mlp.read_bytes() == before


def test_an_untrained_session_asks_for_training_first(capsys, tmp_path):
    path = tmp_path / "fresh.playground"
    assert main(["new", "mlp", "-o", str(path)]) == 0
    capsys.readouterr()
    code, _out, err = run(capsys, "inspect", str(path), "--sample", "0")
    assert code == 1 and "untrained: train it first" in err and len(err.splitlines()) == 1


def test_block_shows_one_block_with_its_values_and_an_unknown_label_lists_the_blocks(capsys, trained_mlp):
    code, out, _ = run(capsys, "inspect", str(trained_mlp), "--input", "0.5 -0.2", "--block", "tanh1")
    assert code == 0
    rows = [line.split()[1] for line in out.splitlines()[3:] if line[:1].isdigit()]
    assert rows == ["tanh1"]
    values = out.split("tanh1 [16]:\n", 1)[1]
    numbers = [float(v) for v in values.replace("[", " ").replace("]", " ").split()]
    assert len(numbers) == 16 and all(-1 <= v <= 1 for v in numbers)
    code, out, _ = run(capsys, "inspect", str(trained_mlp), "--sample", "0", "--block", "tanh1", "--json")
    data = json.loads(out)
    assert [s["label"] for s in data["steps"]] == ["tanh1"] and len(data["output"]) == 2
    code, out, err = run(capsys, "inspect", str(trained_mlp), "--sample", "0", "--block", "fc9")
    assert (code, out) == (2, "")
    assert err == ("playground: --block: no block labelled 'fc9' (blocks: input, features, fc1, tanh1, fc2, "
                   "tanh2, head, output)\n")
