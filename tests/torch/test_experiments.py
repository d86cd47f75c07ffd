"""The classic experiments in --quick mode: each trains for real and shows its phenomenon."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.cli import main
from playground.experiments.base import ExperimentError
from playground.experiments.registry import get_experiment, run_experiment


def test_stages_modes_rise_in_order_of_singular_value_as_the_closed_form_says():
    result = run_experiment("stages", quick=True)
    assert result.facts["in_order"] and result.facts["modes_risen"] >= 2
    assert result.facts["worst_prediction_error"] < 0.10
    assert "in order of singular value" in result.verdict
    rises = [r["measured_half_rise_step"] for r in result.rows]
    svs = [r["singular_value"] for r in result.rows]
    assert rises[0] < rises[1] and svs[0] > svs[1]
    # the hidden layer's similarity: items of different broad categories part first, then the
    # middle level, and items that differ only at the leaves last
    splits = result.facts["hidden_split_steps"]
    assert len(splits) == 3 and splits[0] < splits[1] < splits[2] and result.facts["broad_before_fine"]
    assert f"broad at step {splits[0]:.0f}" in result.verdict and "split broad before fine" in result.verdict


def test_attention_turns_into_an_anti_diagonal():
    result = run_experiment("attention", quick=True)
    assert result.facts["final_mass"] > 0.8
    assert result.facts["start_mass"] < 0.5
    assert f"{result.facts['final_mass']:.0%}" in result.verdict
    # the softmax temperature: the trained head's map saturates as T falls (entropy falls to 0)
    entropy = result.facts["entropy_by_temperature"]
    temperatures = sorted(entropy)
    assert [entropy[t] for t in temperatures] == sorted(entropy[t] for t in temperatures)
    assert entropy[temperatures[0]] < entropy[1.0] < entropy[temperatures[-1]] and entropy[temperatures[0]] < 0.05
    assert f"{entropy[1.0]:.2f} at T=1" in result.verdict


def test_the_gating_network_beats_the_mlp_on_a_product():
    facts = run_experiment("multiplication", quick=True).facts
    gate, mlp = facts["Multiply (gating)"], facts["MLP"]
    assert gate["val_mse"] < mlp["val_mse"]
    assert gate["steps_to_learn"] is not None and (mlp["steps_to_learn"] is None
                                                   or gate["steps_to_learn"] < mlp["steps_to_learn"])


def test_a_stopped_experiment_keeps_what_finished_and_names_the_rest():
    said: list[str] = []
    result = run_experiment("multiplication", quick=True, should_stop=lambda: len(said) >= 1, progress=said.append)
    assert list(result.facts) == ["MLP"] and result.skipped == ["Multiply (gating)", "Parameter mask"]
    assert [r["network"] for r in result.rows] == ["MLP"]


def test_the_dead_fraction_rises_with_the_learning_rate():
    facts = run_experiment("dying-relu", quick=True).facts
    dead = facts["dead"]
    assert dead[-1] > dead[0] + 0.1
    assert np.corrcoef(np.log(facts["lrs"]), dead)[0, 1] > 0.5


def test_cli_writes_csv_and_png_and_prints_the_verdict(tmp_path, capsys):
    assert main(["experiment", "multiplication", "--quick", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "verdict: MLP: R²" in out and "Look for:" in out
    rows = list(csv.DictReader((tmp_path / "out" / "multiplication.csv").open()))
    assert [r["network"] for r in rows] == ["MLP", "Multiply (gating)", "Parameter mask"]
    png = (tmp_path / "out" / "multiplication.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


@pytest.mark.parametrize("argv,expected", [
    (["experiment", "nosuch"], "unknown experiment 'nosuch'; known: stages, residual, inductive-bias"),
    (["experiment", "stages", "--seeds", "0"], "--seeds 0: give at least 1 seed"),
])
def test_bad_experiment_arguments_say_what(capsys, argv, expected):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1


def test_an_out_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["experiment", "stages", "--out", str(target)]) == 2
    captured = capsys.readouterr()
    assert "is a file, not a folder" in captured.err and "training" not in captured.out


def test_every_experiment_explains_itself():
    for name in ("stages", "attention", "multiplication", "dying-relu", "topology", "inductive-bias", "regularizers", "double-descent", "residual", "pruning"):
        exp = get_experiment(name)
        assert exp.explanation and exp.look_for and exp.title
    with pytest.raises(ExperimentError, match="known: stages"):
        get_experiment("grokking-typo")


def test_topology_trains_twenty_wirings_of_equal_size_and_reports_both_correlations():
    result = run_experiment("topology", quick=True)
    facts = result.facts
    assert facts["wirings"] >= 20 and len(facts["parameters"]) == 1
    assert -1 <= facts["rho_clustering"] <= 1 and -1 <= facts["rho_path_length"] <= 1
    assert {r["family"] for r in result.rows} == {"erdos_renyi", "watts_strogatz", "barabasi_albert"}
    assert len({round(r["val_accuracy"], 6) for r in result.rows}) > 5  # the wirings really differ
    assert "rank correlation of accuracy with clustering" in result.verdict


def test_the_cnn_beats_the_mlp_on_shifted_images():
    result = run_experiment("inductive-bias", quick=True)
    shifted = result.facts["shifted_accuracy"]
    assert shifted["CNN"] > shifted["MLP"] + 0.1
    assert result.facts["shift_drop"]["CNN"] < result.facts["shift_drop"]["MLP"]
    assert {r["train_fraction"] for r in result.rows} == {1.0, 0.3, 0.1}
    assert "accuracy lost on images shifted 3 px" in result.verdict


def test_regularizers_measure_a_gap_that_shrinks_with_more_data():
    result = run_experiment("regularizers", quick=True)
    facts = result.facts
    assert facts["small/none"]["accuracy_gap"] > facts["larger/none"]["accuracy_gap"] + 0.05
    others = [facts[f"small/{k}"]["loss_gap"] for k in ("dropout", "batchnorm", "layernorm")]
    assert min(others) < facts["small/none"]["loss_gap"]
    assert len(result.rows) == 8 and "gap in points" in result.verdict


def test_double_descent_peaks_at_the_interpolation_threshold():
    facts = run_experiment("double-descent", quick=True).facts
    n = facts["n_train"]
    assert 0.7 * n <= facts["peak_width"] <= 1.5 * n
    assert facts["peak_mse"] > 5 * facts["best_before"]
    assert facts["best_after"] < facts["peak_mse"] / 5


def test_residual_lesions_are_gentler_and_depth_hurts_only_the_plain_network():
    facts = run_experiment("residual", quick=True).facts
    assert facts["mean_drop"]["residual"] < facts["mean_drop"]["plain"]
    plain, residual = facts["accuracy_by_depth"]["plain"], facts["accuracy_by_depth"]["residual"]
    assert plain[-1] < plain[0] - 0.1 and residual[-1] > plain[-1] + 0.1


def test_pruning_keeps_accuracy_at_seventy_percent_and_more():
    facts = run_experiment("pruning", quick=True).facts
    for sparsity, ticket in zip(facts["sparsities"], facts["ticket"], strict=True):
        if sparsity <= 0.9:
            assert ticket >= facts["dense"] - 0.02, (sparsity, ticket)
    assert 0.7 in facts["sparsities"] and len(facts["random"]) == len(facts["ticket"])
