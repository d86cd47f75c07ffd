"""The exported torchrun script trains with DistributedDataParallel on two CPU processes (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(script), "--steps", "40"],
        capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    done = {r["rank"]: r for r in lines if r.get("done")}
    assert sorted(done) == [0, 1]  # both ranks ran to the end
    assert all(r["world"] == 2 and r["steps"] == 40 for r in done.values())
    assert done[0]["final_loss"] < 0.8 * done[0]["first_loss"]
    # DDP keeps replicas identical: both ranks end with the same validation loss
    assert abs(done[0]["val_loss"] - done[1]["val_loss"]) < 1e-6
