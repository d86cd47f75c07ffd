"""Magnitude pruning and lottery tickets on real trained networks, and the pruned session's
masks respected by later training and by the three exports (issue 14)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import onnx
import pytest
import torch
from onnx import numpy_helper
from safetensors.torch import load_file

from playground.analysis.evaluation import trained_model
from playground.analysis.prune import prune_session, rewind_weights
from playground.analysis.pruning import PruneError, magnitude_masks, prunable_keys, sparsity_of
from playground.cli import main
from playground.session import load_session, save_session
from playground.session.new import new_session
from playground.train import MetricsBuffer, Trainer


def _trained(width: int = 32, epochs: int = 300, seed: int = 0):
    session, _ = new_session("mlp", overrides=[f"fc1.out_features={width}", f"fc2.out_features={width}",
                                               f"config.epochs={epochs}", f"config.seed={seed}"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    return session


@pytest.fixture(scope="module")
def mlp():
    return _trained()


@pytest.fixture(scope="module")
def model(mlp):
    return trained_model(mlp, mlp.bundle())


def test_global_weight_masks_remove_exactly_the_smallest(model):
    masks = magnitude_masks(model, 0.6)
    state = dict(model.named_parameters())
    keys = prunable_keys(model)
    assert sorted(masks) == sorted(keys)
    removed = torch.cat([state[k].detach().abs()[~masks[k]] for k in keys])
    kept = torch.cat([state[k].detach().abs()[masks[k]] for k in keys])
    total = sum(state[k].numel() for k in keys)
    assert len(removed) == round(0.6 * total) and removed.max() <= kept.min()
    assert sparsity_of(masks, model) == pytest.approx(0.6, abs=1 / total)


def test_per_layer_and_unit_masks(model):
    state = dict(model.named_parameters())
    for k, m in magnitude_masks(model, 0.5, per_layer=True).items():
        assert int((~m).sum()) == round(0.5 * m.numel()), k
    masks = magnitude_masks(model, 0.5, units=True)
    keys = prunable_keys(model)
    head = keys[-1]
    assert bool(masks[head].all())  # the output layer keeps every class
    for k in keys[:-1]:
        rows = masks[k].flatten(1)
        assert bool(((rows.all(1)) | (~rows.any(1))).all())  # whole rows go, or none of a row
        bias = k[: -len("weight")] + "bias"
        assert torch.equal(masks[bias], rows.any(1)) and bias in state
    assert 0.45 <= sparsity_of(masks, model) <= 0.6


def test_pruning_80_percent_keeps_accuracy_within_two_points(mlp):
    result = prune_session(mlp, 0.8, rounds=4, train_steps=100)
    assert result.sparsity >= 0.79
    assert result.pruned.value >= result.dense.value - 0.02, (result.dense, result.pruned)
    sparsities = [p.sparsity for p in result.curve]
    assert sparsities == sorted(sparsities) and len(result.curve) == 5 and sparsities[0] == 0
    for key, mask in result.session.masks.items():
        assert torch.all(result.session.weights[key][~mask] == 0)
    assert mlp.masks is None  # the input session is untouched


def test_rewind_replays_the_run_exactly_and_the_ticket_retrains(mlp):
    # the initial weights are the seed's: a fresh trainer's, and replaying all steps gives the trained ones
    fresh = Trainer(mlp.graph, mlp.bundle(), mlp.config, MetricsBuffer(), record=False)
    init = rewind_weights(mlp, mlp.bundle(), 0)
    assert all(torch.equal(init[k], v) for k, v in fresh.model.state_dict().items())
    replayed = rewind_weights(mlp, mlp.bundle(), 300)
    assert all(torch.allclose(replayed[k], v, atol=1e-6) for k, v in mlp.weights.items())
    result = prune_session(mlp, 0.7, rewind=0)
    assert set(result.session.rewind_weights) == {0}
    assert result.pruned.value >= 0.9
    # survivors restarted from their initial values, so a weight that was pruned stays zero
    # while the rest moved away from the start
    key = prunable_keys(trained_model(mlp, mlp.bundle()))[0]
    mask = result.session.masks[key]
    assert torch.all(result.session.weights[key][~mask] == 0)


@pytest.mark.parametrize("kwargs,message", [
    ({"sparsity": 1.0}, "sparsity must be at least 0 and below 1"),
    ({"sparsity": -0.1}, "sparsity must be at least 0 and below 1"),
    ({"sparsity": 0.5, "rewind": 301}, "rewind step 301 is past the recorded ones"),
    ({"sparsity": 0.5, "rounds": 0}, "rounds must be at least 1"),
])
def test_bad_requests_are_refused_before_any_work(mlp, kwargs, message):
    weights = {k: v.clone() for k, v in mlp.weights.items()}
    with pytest.raises(PruneError, match=message):
        prune_session(mlp, **kwargs)
    assert all(torch.equal(weights[k], v) for k, v in mlp.weights.items())


def test_cli_prune_writes_the_curve_and_the_masks_survive_training_and_export(tmp_path, capsys, mlp):
    src, out, curve = tmp_path / "dense.playground", tmp_path / "pruned.playground", tmp_path / "curve.csv"
    save_session(mlp, str(src))
    code = main(["prune", str(src), "--sparsity", "0.75", "--rounds", "2", "--finetune", "50", "-o", str(out),
                 "--csv", str(curve)])
    assert code == 0, capsys.readouterr()
    rows = list(csv.DictReader(curve.open()))
    assert [r["round"] for r in rows] == ["0", "1", "2"] and float(rows[-1]["sparsity"]) == pytest.approx(0.75, abs=0.01)
    assert rows[0]["metric"] == "val/accuracy"
    # bad input: one line, exit 2, nothing written
    before = out.read_bytes()
    for argv, message in ((["--sparsity", "1"], "sparsity must be"), (["--sparsity", "0.5", "--rewind", "9999"],
                          "past the recorded ones"), (["--sparsity", "0.5", "--rewind", "soon"], "'init' or a step")):
        capsys.readouterr()
        assert main(["prune", str(src), *argv, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1
        assert out.read_bytes() == before
    pruned = load_session(str(out))
    masks = pruned.masks
    # more training keeps the mask
    assert main(["train", str(out), "--steps", "20", "--quiet"]) == 0
    trained = load_session(str(out))
    for key, mask in masks.items():
        assert torch.all(trained.weights[key][~mask] == 0)
        assert not torch.equal(trained.weights[key][mask], pruned.weights[key][mask])
    # python and ONNX: the pruned weights are zeros
    py, onnx_path, ddp = tmp_path / "net.py", tmp_path / "net.onnx", tmp_path / "ddp.py"
    assert main(["export", str(out), "--python", str(py), "--onnx", str(onnx_path), "--torchrun", str(ddp)]) == 0
    model = trained_model(trained, trained.bundle())
    readable = {model.readable_key(k): m for k, m in masks.items()}
    exported = load_file(str(tmp_path / "net.safetensors"))
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(onnx_path)).graph.initializer}
    for key, mask in readable.items():
        assert torch.all(exported[key][~mask] == 0)
        assert (torch.from_numpy(inits[key].copy())[~mask] == 0).all()
    # the torchrun script trains from its own start and keeps the mask all the way
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("RANK", None)
    proc = subprocess.run([sys.executable, str(ddp), "--steps", "10", "--save", str(tmp_path / "ddp.pt")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    state = torch.load(tmp_path / "ddp.pt", weights_only=True)
    for key, mask in readable.items():
        assert torch.all(state[key][~mask] == 0) and torch.any(state[key][mask] != 0)
