"""The exported torchrun script trains with DistributedDataParallel on two CPU processes (gloo)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from playground.cli import main


def test_two_process_torchrun_lowers_the_loss(tmp_path, capsys):
    session, script = tmp_path / "s.playground", tmp_path / "train_ddp.py"
    assert main(["new", "mlp", "--set", "n_samples=400", "-o", str(session)]) == 0
    assert main(["export", str(session), "--torchrun", str(script)]) == 0
    capsys.readouterr()
    text = script.read_text()
    assert "import playground" not in text and "from playground" not in text  # standalone
    assert len(text) < 100_000
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("RANK", None)
    # its own process group: on a timeout the workers go too, not only the torchrun launcher
    proc = subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(script), "--steps", "40"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, stderr[-3000:]
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    done = {r["rank"]: r for r in lines if r.get("done")}
    assert sorted(done) == [0, 1]  # both ranks ran to the end
    assert all(r["world"] == 2 and r["steps"] == 40 for r in done.values())
    assert done[0]["final_loss"] < 0.8 * done[0]["first_loss"]
    # DDP keeps replicas identical: both ranks end with the same validation loss
    assert abs(done[0]["val_loss"] - done[1]["val_loss"]) < 1e-6
    # rank 0 wrote the trained session beside the script; the app's loader opens it
    from playground.session.fileformat import load_session

    trained = load_session(str(tmp_path / "train_ddp_trained.playground"))
    assert trained.weights is not None
    assert trained.history["train/loss"]["steps"][-1] == 40
    assert trained.history["val/loss"]["values"] == [pytest.approx(done[0]["val_loss"])]
