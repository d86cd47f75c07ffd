"""``train --history DIR``, ``playground history FILE --out DIR`` and ``train --threads N``.

A full disk is simulated with /dev/full: a history file that is a link to it fails with ENOSPC
on a real write. A read-only folder is an immutable one for root (who ignores permissions).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

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
