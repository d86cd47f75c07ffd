"""``playground sweep``: a grid of settings over seeds, one CSV row per run, batched where it can."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from playground.cli import main
from playground.experiments.sweep import parse_grid, run_sweep
from playground.session import save_session
from playground.session.new import SettingError, new_session
from playground.train import MetricsBuffer, Trainer


@pytest.fixture(scope="module")
def session_file(tmp_path_factory) -> Path:
    session, _ = new_session("mlp", overrides=["n_samples=160", "config.batch_size=16", "config.optimizer=sgd"])
    path = tmp_path_factory.mktemp("sweep") / "mlp.playground"
    save_session(session, str(path))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_sweep_writes_a_row_per_run_and_each_run_is_the_trainers(session_file, tmp_path, capsys):
    out_csv = tmp_path / "sweep.csv"
    code, out, _ = run(capsys, "sweep", str(session_file), "--grid", "lr=0.01,0.3", "--grid",
                       "fc1.out_features=4,8", "--seeds", "2", "--steps", "40", "--csv", str(out_csv))
    assert code == 0
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 2 * 2 * 2
    assert {(r["lr"], r["fc1.out_features"]) for r in rows} == {("0.01", "4"), ("0.01", "8"), ("0.3", "4"),
                                                                   ("0.3", "8")}
    assert {r["engine"] for r in rows} == {"stacked-matmul"}
    assert "trained group 2/2" in out  # the learning rates of one width train together
    assert "lr=0.3 fc1.out_features=8: val accuracy" in out
    # one row, checked against a Trainer run alone with that setting and seed
    from playground.session import load_session
    session = load_session(str(session_file))
    row = next(r for r in rows if r["lr"] == "0.3" and r["fc1.out_features"] == "8" and r["seed"] == "1")
    graph = session.graph.copy()
    graph.set_param(graph.node_by_label("fc1").id, "out_features", 8)
    config = session.config.with_changes(lr=0.3, seed=session.config.seed + 1)
    trainer = Trainer(graph, session.bundle(), config, MetricsBuffer(), record=False)
    trainer.run(max_steps=40, wait_when_paused=False)
    assert float(row["train_loss"]) == pytest.approx(trainer.buffer.series("train/loss")[1][-1], rel=1e-3)
    trainer.model.eval()
    val_loss, val_acc = trainer.data.evaluate(trainer.model)
    assert float(row["val_loss"]) == pytest.approx(val_loss, rel=1e-3)
    assert float(row["val_accuracy"]) == pytest.approx(val_acc, abs=1e-6)


@pytest.mark.parametrize("argv,expected", [
    (["--grid", "lr"], "expected KEY=V1,V2"),
    (["--grid", "lr=0.1", "--seeds", "0"], "--seeds 0: give at least 1 seed"),
    (["--grid", "nosuchblock.units=3"], "no block called 'nosuchblock'"),
    (["--grid", "lr=-1"], "lr"),
    (["--grid", "lr=0.1", "--steps", "0"], "--steps 0"),
])
def test_bad_sweeps_say_what_in_one_line(session_file, tmp_path, capsys, argv, expected):
    code, _out, err = run(capsys, "sweep", str(session_file), *argv, "--csv", str(tmp_path / "x.csv"))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], err
    assert not (tmp_path / "x.csv").exists() or (tmp_path / "x.csv").stat().st_size == 0


def test_an_unwritable_csv_is_refused_before_training(session_file, capsys):
    code, out, err = run(capsys, "sweep", str(session_file), "--grid", "lr=0.1", "--csv", "/no/such/dir/x.csv")
    assert code == 2 and "does not exist" in err and "trained" not in out


def test_a_stopped_sweep_keeps_what_finished_and_counts_the_rest(session_file):
    from playground.session import load_session
    session = load_session(str(session_file))
    calls = []
    stop_after_first = lambda: len(calls) > 0  # noqa: E731
    result = run_sweep(session, parse_grid(["fc1.out_features=4,8,12"]), 2, 20, should_stop=stop_after_first,
                       progress=lambda done, total: calls.append(done))
    assert len(result.rows) == 2 and result.skipped == 4
    assert all(np.isfinite(r.val_loss) for r in result.rows)


def test_grid_keys_are_parsed_once_each():
    assert parse_grid(["lr=0.1, 0.2", "data.noise=0.1"]) == [("lr", [0.1, 0.2]), ("data.noise", [0.1])]
    with pytest.raises(SettingError, match="twice"):
        parse_grid(["lr=0.1", "lr=0.2"])
