"""The command line, as a person uses it: every command, its output files and its exit status."""

from __future__ import annotations

import csv
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from playground.cli import main
from playground.compile import compile_graph
from playground.session import load_session, save_session

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def mlp_file(tmp_path, capsys) -> Path:
    path = tmp_path / "mlp.playground"
    code, out, _ = run(capsys, "new", "mlp", "--set", "n_samples=200", "--set", "config.epochs=0",
                       "--set", "config.batch_size=32", "-o", str(path))
    assert code == 0 and "wrote" in out
    return path


def test_list(capsys):
    for what, must in (("templates", "transformer"), ("datasets", "spirals"), ("blocks", "Linear")):
        code, out, _ = run(capsys, "list", what)
        assert code == 0 and must in out and len(out.splitlines()) >= 5
    code, _, err = run(capsys, "list", "widgets")
    assert code == 2 and "invalid choice" in err and len(err.strip().splitlines()) == 1


def test_new_applies_settings(tmp_path, capsys):
    path = tmp_path / "s.playground"
    code, _, _ = run(capsys, "new", "mlp", "--dataset", "moons", "--set", "config.lr=0.2",
                     "--set", "config.optimizer=sgd", "--set", "fc1.out_features=5", "--set", "data.noise=0.3",
                     "-o", str(path))
    assert code == 0
    s = load_session(path)
    assert s.dataset == "moons" and s.dataset_params["noise"] == 0.3
    assert s.config.lr == 0.2 and s.config.optimizer == "sgd"
    assert s.graph.node_by_label("fc1").params["out_features"] == 5
    code, _, err = run(capsys, "new", "mlp", "-o", str(path))
    assert code == 1 and "already exists" in err


@pytest.mark.parametrize("argv, message", [
    (["new", "nope", "-o", "x.playground"], "unknown template 'nope'"),
    (["new", "mlp", "--dataset", "nope", "-o", "x.playground"], "unknown dataset 'nope'"),
    (["new", "mlp", "--set", "zz.out_features=3", "-o", "x.playground"], "no block called 'zz'"),
    (["new", "mlp", "--set", "fc1.colour=3", "-o", "x.playground"], "has no parameter 'colour'"),
    (["new", "mlp", "--set", "fc1.out_features=-3", "-o", "x.playground"], "out_features must be at least"),
    (["new", "mlp", "--set", "config.lr=fast", "-o", "x.playground"], "lr must be a number"),
    (["new", "mlp", "--set", "config.speed=3", "-o", "x.playground"], "unknown setting 'speed'"),
    (["new", "mlp", "--set", "volume=3", "-o", "x.playground"], "has no parameter 'volume'"),
    (["new", "mlp", "--set", "noequals", "-o", "x.playground"], "expected KEY=VALUE"),
    (["new", "mlp"], "required: -o"),
    (["train", "missing.playground", "--steps", "3"], "no such file"),
    (["check", "missing.playground"], "no such file"),
    (["export", "missing.playground", "--python", "x.py"], "no such file"),
    (["bogus", "extra"], "unknown command 'bogus'"),
    (["help"], "unknown command 'help'"),
    (["missing.playground"], "no such file"),
])
def test_bad_arguments_give_one_line_and_exit_2(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.playground").exists()


def test_new_with_a_csv_table_embeds_it(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("x1,x2,y\n" + "".join(f"{i % 7},{i % 3},{(i % 7 + i % 3) % 2}\n" for i in range(40)))
    path = tmp_path / "csv.playground"
    code, _, err = run(capsys, "new", "mlp", "--dataset", "csv", "--set", f"path={table}", "-o", str(path))
    assert code == 0, err
    table.unlink()
    assert load_session(path).bundle().n_train + load_session(path).bundle().n_val == 40


def test_check_reports_errors_with_exit_1(tmp_path, capsys, mlp_file):
    code, out, _ = run(capsys, "check", str(mlp_file))
    assert code == 0 and "ok:" in out and "parameters" in out
    s = load_session(mlp_file)
    head = s.graph.node_by_label("head")
    head.params["out_features"] = 3  # spirals has two classes
    broken = tmp_path / "broken.playground"
    save_session(s, broken)
    code, out, err = run(capsys, "check", str(broken))
    assert code == 1 and "error [output]" in out and "needs N×2" in out and "1 error" in err


def test_check_on_a_damaged_file(tmp_path, capsys, mlp_file):
    bad = tmp_path / "bad.playground"
    bad.write_bytes(mlp_file.read_bytes()[:500])
    code, _, err = run(capsys, "check", str(bad))
    assert code == 1 and "damaged" in err and len(err.strip().splitlines()) == 1


def test_train_saves_and_writes_metrics(tmp_path, capsys, mlp_file):
    out_file, metrics = tmp_path / "trained.playground", tmp_path / "m.csv"
    code, out, err = run(capsys, "train", str(mlp_file), "--steps", "30", "--seed", "4", "--device", "cpu",
                         "-o", str(out_file), "--metrics-csv", str(metrics))
    assert code == 0, err
    assert "trained 30 steps" in out and "train loss" in out and "val accuracy" in out
    s = load_session(out_file)
    assert s.trainer_state["counters"]["step"] == 30 and s.config.seed == 4
    assert load_session(mlp_file).weights is None  # -o leaves the input alone
    rows = list(csv.DictReader(metrics.open()))
    assert [int(r["step"]) for r in rows] == sorted({int(r["step"]) for r in rows})
    losses = {int(r["step"]): float(r["train/loss"]) for r in rows if r["train/loss"]}
    assert sorted(losses) == list(range(1, 31))
    assert "val/loss" in rows[0] and any(r["val/loss"] for r in rows)
    # more epochs continue from where it stopped, in place
    code, out, _ = run(capsys, "train", str(out_file), "--epochs", "1")
    assert code == 0 and "to step 35 (epoch 7)" in out  # 160 training samples in batches of 32
    assert load_session(out_file).trainer_state["counters"]["step"] == 35


def test_train_needs_a_limit(capsys, mlp_file):
    code, _, err = run(capsys, "train", str(mlp_file))
    assert code == 2 and "pass --steps N or --epochs N" in err
    code, _, err = run(capsys, "train", str(mlp_file), "--steps", "0")
    assert code == 2 and "positive" in err


def test_export_python_with_weights(tmp_path, capsys, mlp_file):
    trained = tmp_path / "t.playground"
    assert run(capsys, "train", str(mlp_file), "--steps", "5", "-o", str(trained))[0] == 0
    target = tmp_path / "net.py"
    code, _, _ = run(capsys, "export", str(trained), "--python", str(target))
    assert code == 0 and (tmp_path / "net.safetensors").exists()
    spec = importlib.util.spec_from_file_location("exported_net", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load_trained()
    s = load_session(trained)
    reference = compile_graph(s.graph, s.bundle().task).eval()
    reference.load_state_dict(s.weights)
    x = torch.randn(7, 2)
    assert torch.allclose(model(x), reference(x), atol=1e-6)


def test_export_needs_a_target_and_a_buildable_network(tmp_path, capsys, mlp_file):
    code, _, err = run(capsys, "export", str(mlp_file))
    assert code == 2 and "--python" in err
    s = load_session(mlp_file)
    s.graph.remove_node(s.graph.node_by_label("output").id)
    broken = tmp_path / "broken.playground"
    save_session(s, broken)
    code, _, err = run(capsys, "export", str(broken), "--onnx", str(tmp_path / "x.onnx"))
    assert code == 1 and "no Output block" in err and not (tmp_path / "x.onnx").exists()


def test_launch_without_the_app(capsys, monkeypatch, mlp_file):
    monkeypatch.setitem(sys.modules, "playground.ui.app", None)  # as if the app were not installed
    code, _, err = run(capsys)
    assert code == 1 and "desktop app is not available" in err
    code, _, err = run(capsys, str(mlp_file))
    assert code == 1 and "desktop app is not available" in err


def test_subprocess_help_version_and_bad_file(tmp_path):
    from playground import __version__

    for argv, must in ((["--version"], f"Neural Playground {__version__}"),
                       (["--help"], "export a session's network"),
                       (["train", "--help"], "--metrics-csv")):
        proc = subprocess.run([sys.executable, "-m", "playground", *argv], capture_output=True, text=True,
                              env=ENV, timeout=120)
        assert proc.returncode == 0 and must in proc.stdout and proc.stderr == "", argv
    bad = tmp_path / "junk.playground"
    bad.write_bytes(b"PK\x03\x04 junk")
    proc = subprocess.run([sys.executable, "-m", "playground", "check", str(bad)], capture_output=True,
                          text=True, env=ENV, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.startswith("playground: ") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_ctrl_c_stops_training_and_saves(tmp_path, mlp_file):
    # a child of a background job inherits an ignored SIGINT: give it the usual handler, as a terminal would
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from playground.cli import main; raise SystemExit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", code, "train", str(mlp_file), "--steps", "10000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        line = proc.stderr.readline()
        assert line.startswith("training "), line
        time.sleep(1.5)  # training runs now: let it take some steps
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:  # a failed check must not leave a ten-million-step run behind
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "stopped (Ctrl+C)" in out and "Traceback" not in err
    step = load_session(mlp_file).trainer_state["counters"]["step"]
    assert 0 < step < 10000000
    assert f"to step {step} " in out  # what was saved is what the summary reports: the run had ended


def test_progress_bar_draws_in_place():
    import io

    from playground.cli.progress import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar.update(0.5, "step 5/10")
    bar.update(1.5, "step 10/10")
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r[#####.....]  50% step 5/10")
    assert "\r[##########] 100% step 10/10" in text and text.endswith("\n")


def test_new_on_another_dataset_adapts_the_network(tmp_path, capsys):
    path = tmp_path / "g.playground"
    code, out, err = run(capsys, "new", "mlp", "--dataset", "gaussians", "--set", "classes=5", "-o", str(path))
    assert code == 0 and "adapted the network to gaussians: set head.out_features = 5" in out
    assert "does not fit" not in err
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and "ok:" in out
    code, out, err = run(capsys, "new", "mlp", "--dataset", "digits", "-o", str(tmp_path / "d.playground"))
    assert code == 0 and "Flatten" in out and "does not fit" not in err
    code, _, err = run(capsys, "new", "mlp", "--dataset", "csv", "-o", str(tmp_path / "c.playground"))
    assert code == 2 and "path=FILE.csv" in err


def test_outputs_that_cannot_be_written_are_refused_before_any_work(tmp_path, capsys, mlp_file):
    missing = tmp_path / "no" / "such"
    before = mlp_file.read_bytes()
    for argv in (["export", str(mlp_file), "--python", str(missing / "net.py")],
                 ["export", str(mlp_file), "--onnx", str(missing / "net.onnx")],
                 ["export", str(mlp_file), "--torchrun", str(tmp_path)],
                 ["train", str(mlp_file), "--steps", "3", "-o", str(missing / "t.playground")],
                 ["train", str(mlp_file), "--steps", "3", "--metrics-csv", str(missing / "m.csv")],
                 ["new", "mlp", "-o", str(missing / "n.playground")]):
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert len(err.strip().splitlines()) == 1 and ("does not exist" in err or "is a folder" in err)
        assert "training" not in out + err
    assert mlp_file.read_bytes() == before and not missing.exists()


def test_steps_and_device_apply_to_one_run_not_to_the_session(tmp_path, capsys, mlp_file):
    before = load_session(mlp_file).config
    code, _, err = run(capsys, "train", str(mlp_file), "--steps", "4", "--device", "cpu", "--seed", "3")
    assert code == 0, err
    after = load_session(mlp_file).config
    assert (after.max_steps, after.epochs, after.device) == (before.max_steps, before.epochs, before.device)
    assert after.seed == 3  # the weights come from this seed: it stays with them


def test_export_onnx_of_a_trained_session_matches_it(tmp_path, capsys, mlp_file):
    import numpy as np
    import onnxruntime as ort

    assert run(capsys, "train", str(mlp_file), "--steps", "5")[0] == 0
    target = tmp_path / "net.onnx"
    code, out, _ = run(capsys, "export", str(mlp_file), "--onnx", str(target))
    assert code == 0 and "untrained" not in out
    s = load_session(mlp_file)
    model = compile_graph(s.graph, s.bundle().task).eval()
    model.load_state_dict(s.weights)
    x = torch.randn(6, 2)
    (got,) = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-4, atol=1e-5)


def test_no_display_is_one_clear_line(capsys, monkeypatch, mlp_file):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    code, _, err = run(capsys, str(mlp_file))
    assert code == 1 and "no display" in err and len(err.strip().splitlines()) == 1


def test_a_device_missing_here_names_the_option_that_helps(tmp_path, capsys):
    missing = "cuda" if not torch.cuda.is_available() else "mps"  # one of them is absent on any machine
    path = tmp_path / "elsewhere.playground"
    assert run(capsys, "new", "mlp", "--set", "n_samples=100", "--set", f"config.device={missing}",
               "-o", str(path))[0] == 0
    code, _, err = run(capsys, "train", str(path), "--steps", "2")
    assert code == 1 and f"device '{missing}' was requested" in err and "--device auto" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "train", str(path), "--steps", "2", "--device", "auto")
    assert code == 0, err
    assert load_session(path).config.device == missing  # the session keeps its own choice
