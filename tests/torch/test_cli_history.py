"""``train --history DIR``, ``playground history FILE --out DIR`` and ``train --threads N``.

A full disk is simulated with /dev/full: a history file that is a link to it fails with ENOSPC
on a real write. A read-only folder is an immutable one for root (who ignores permissions).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from playground.cli import main
from playground.session import load_session, save_session
from playground.session.new import new_session


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if not line.startswith("training ")]
    assert len(lines) == 1 and lines[0].startswith("playground: "), err
    return lines[0]


def small_session(tmp_path: Path, template: str = "mlp", *settings: str) -> Path:
    extra = ["n_samples=120", "config.batch_size=16"] if template == "mlp" else []
    session, _ = new_session(template, overrides=[*extra, *settings])
    path = tmp_path / f"{template}.playground"
    save_session(session, str(path))
    return path


@contextlib.contextmanager
def unwritable(folder: Path):
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


@pytest.mark.parametrize("count", ["0", "-2", "100000"])
def test_thread_counts_out_of_range_are_refused_with_the_range(tmp_path, capsys, count):
    source = small_session(tmp_path)
    before = source.read_bytes()
    code, _, err = run(capsys, "train", str(source), "--steps", "2", "--threads", count)
    line = one_line(err)
    assert code == 2 and f"--threads {count}" in line and f"from 1 to {os.cpu_count()}" in line
    assert source.read_bytes() == before


def test_history_pointing_at_a_file_is_refused_before_training(tmp_path, capsys):
    source = small_session(tmp_path)
    before = source.read_bytes()
    target = tmp_path / "history.txt"
    target.write_text("not a folder")
    code, out, err = run(capsys, "train", str(source), "--steps", "2", "--history", str(target))
    assert code == 2 and str(target) in one_line(err) and "is a file" in err
    assert source.read_bytes() == before and "trained" not in out


def test_history_in_a_read_only_folder_is_refused_before_training(tmp_path, capsys):
    source = small_session(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    with unwritable(locked):
        code, _, err = run(capsys, "train", str(source), "--steps", "2", "--history", str(locked / "run1"))
    assert code == 1 and str(locked) in one_line(err) and "permission" in err
    assert load_session(source).weights is None


def test_history_of_an_untrained_session_says_so(tmp_path, capsys):
    source = small_session(tmp_path)
    code, _, err = run(capsys, "history", str(source), "--out", str(tmp_path / "h"))
    assert code == 1 and "no recorded history" in one_line(err)
    assert not (tmp_path / "h").exists()


def test_train_history_writes_everything_recorded_and_history_rewrites_it(tmp_path, capsys):
    source = small_session(tmp_path, "deep_linear")
    live = tmp_path / "live"
    code, _, err = run(capsys, "train", str(source), "--steps", "150", "--history", str(live))
    assert code == 0, err
    names = {p.name for p in live.iterdir()}
    assert {"scalars.csv", "modes.csv", "modes_meta.json"} <= names
    assert any(name.endswith(".npz") for name in names)
    with (live / "modes.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 128 and "mode_1" in rows[0] and "analytic_1" in rows[0]
    meta = json.loads((live / "modes_meta.json").read_text())
    assert {"singular_values", "tau_steps", "a0", "predicted_half_rise_steps"} <= set(meta)
    for npz in live.glob("*.npz"):
        with np.load(npz) as data:
            assert "steps" in data.files and len(data["steps"]) > 0
    saved = tmp_path / "saved"
    code, _out, err = run(capsys, "history", str(source), "--out", str(saved))
    assert code == 0, err
    assert {p.name for p in saved.iterdir()} == names  # the session keeps the whole record
    assert (saved / "scalars.csv").read_text() == (live / "scalars.csv").read_text()
    assert (saved / "modes.csv").read_text() == (live / "modes.csv").read_text()


def test_history_on_a_full_disk_names_the_path_and_the_session_is_saved(tmp_path, capsys):
    source = small_session(tmp_path)
    full = tmp_path / "full"
    full.mkdir()
    (full / "scalars.csv").symlink_to("/dev/full")  # writing it fails as on a full disk: ENOSPC
    code, out, err = run(capsys, "train", str(source), "--steps", "3", "--history", str(full))
    line = one_line(err)
    assert code == 1 and str(full) in line and "No space left" in line
    assert "saved" in out and load_session(source).trainer_state["counters"]["step"] == 3


def test_threads_limit_the_run(tmp_path, capsys):
    import torch

    source = small_session(tmp_path)
    before = torch.get_num_threads()
    try:
        code, _, err = run(capsys, "train", str(source), "--steps", "3", "--threads", "1")
        assert code == 0, err
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
        from playground.train.threads import set_thread_limit

        set_thread_limit(None)


def test_check_reports_the_memory_estimate_and_refuses_what_train_would(tmp_path, capsys, monkeypatch):
    source = small_session(tmp_path, "mlp", "fc1.out_features=4096")
    code, out, _ = run(capsys, "check", str(source))
    assert code == 0 and "memory: training needs about" in out
    monkeypatch.setenv("PLAYGROUND_MEMORY_BUDGET", "64M")
    code, out, err = run(capsys, "check", str(source))
    assert code == 1 and 'Linear "fc1"' in out and "the limit is" in out
    code, _, err = run(capsys, "train", str(source), "--steps", "1")
    assert code == 1 and "the limit is" in one_line(err)  # check failing means train refuses too
