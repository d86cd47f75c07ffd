"""Hostile files under a 2 GB address space (``prlimit --as=2000000000``): every case ends in a clean
refusal or a clean run, never a traceback, a MemoryError or a kill (issue 12 §4).

Torch's import alone reserves about 0.64 GB of address space (VmSize 637,700 kB measured, 227 MB
resident); the budget under such a limit is half of what is left, about 0.65 GB here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from hostile_sessions import write_bomb, write_chain, write_ui_state, write_wide

LIMIT = 2_000_000_000
BAD_SIGNS = ("Traceback", "MemoryError", "DefaultCPUAllocator", "Killed")

pytestmark = pytest.mark.slow


def playground(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLAYGROUND_NO_AUTOSAVE_PROMPT": "1", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("PLAYGROUND_MEMORY_BUDGET", None)
    return subprocess.run(["prlimit", f"--as={LIMIT}", sys.executable, "-m", "playground", *args],
                          capture_output=True, text=True, timeout=300, env=env)


def clean(proc: subprocess.CompletedProcess[str]) -> str:
    said = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), (proc.returncode, said[-2000:])
    assert not any(sign in said for sign in BAD_SIGNS), said[-2000:]
    return said


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {"bomb": write_bomb(folder / "bomb.playground"),
            "ui_state": write_ui_state(folder / "ui_state.playground"),
            "wide": write_wide(folder / "wide.playground"),
            "chain": write_chain(folder / "chain.playground")}


def test_a_deflate_bomb_is_refused_before_it_is_inflated(files, tmp_path):
    for args in (["check", str(files["bomb"])], ["train", str(files["bomb"]), "--steps", "1",
                                                   "-o", str(tmp_path / "out.playground")]):
        proc = playground(*args)
        said = clean(proc)
        assert proc.returncode == 1 and ("memory" in said or "do not match" in said), said
    assert not (tmp_path / "out.playground").exists()


def test_a_64_mib_layout_opens_without_it(files, tmp_path):
    proc = playground("check", str(files["ui_state"]))
    assert "layout" in clean(proc) and proc.returncode == 0
    proc = playground("train", str(files["ui_state"]), "--steps", "1", "-o", str(tmp_path / "out.playground"))
    assert proc.returncode == 0, clean(proc)


@pytest.mark.parametrize("case", ["wide", "chain"])
def test_big_networks_train_or_are_refused_with_one_line(files, tmp_path, case):
    clean(playground("check", str(files[case])))
    out = tmp_path / "out.playground"
    proc = playground("train", str(files[case]), "--steps", "1", "-o", str(out))
    said = clean(proc)
    if proc.returncode == 0:  # it fitted: the result must reopen
        assert clean(playground("check", str(out))) and out.exists()
    else:
        assert "needs" in said and "the limit is" in said, said
        assert not out.exists()
