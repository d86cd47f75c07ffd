"""kill -9 during a run: the next launch offers the latest checkpoint, and accepting it restores
the graph, the weights and the history at that step.

A real app process (``python -m playground FILE``, offscreen) trains a session without an epoch
limit; ``PLAYGROUND_SCRIPT=report,start`` makes it start training after its first frame and print
its step twice a second, and ``PLAYGROUND_CHECKPOINT_S`` shortens the checkpoint interval to 1 s
(the 25 s default is checked in tests/unit/test_autosave.py). The loss bound scales with it: with
checkpoints every 1 s, at most 10 s of training may be lost (30 s at the default interval).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch
from PySide6.QtCore import QSettings

from playground.session import find_recoverable, load_session, save_session
from playground.ui import dialogs
from playground.ui.main_window import MainWindow
from playground.workspace import template_session

ROOT = Path(__file__).resolve().parents[2]
LOST_BOUND_S = 10.0  # at a 1 s checkpoint interval
TRAIN_FOR_S = 14.0  # of reported training before the kill: longer than the bound


def session_file(tmp_path: Path) -> Path:
    session, _ = template_session("mlp")
    session.config = session.config.with_changes(epochs=0, max_steps=0)  # trains until stopped
    path = tmp_path / "spirals.playground"
    save_session(session, str(path))
    return path


class AppProcess:
    """The app in a subprocess; ``reports`` holds (time received, step, state) of its step lines."""

    def __init__(self, path: Path, state_dir: Path, tmp_path: Path) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
                   PLAYGROUND_STATE_DIR=str(state_dir), XDG_CONFIG_HOME=str(tmp_path / "config"),
                   PLAYGROUND_SCRIPT="report,start", PLAYGROUND_CHECKPOINT_S="1",
                   PLAYGROUND_NO_AUTOSAVE_PROMPT="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "playground", str(path)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.reports: list[tuple[float, int, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            if event.get("event") == "step":
                self.reports.append((time.monotonic(), int(event["step"]), str(event["state"])))

    def running_for(self) -> float:
        running = [t for t, step, state in self.reports if state == "running" and step > 0]
        return running[-1] - running[0] if running else 0.0

    def kill(self) -> float:
        self.proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        self.proc.wait(60)
        self._reader.join(10)
        return killed_at


def checkpoint_step(session) -> int:
    return int(session.trainer_state["counters"]["step"])


def test_kill_9_mid_run_loses_at_most_the_bound_and_the_next_launch_restores_it(qtbot, tmp_path, monkeypatch):
    state_dir = tmp_path / "state"
    app = AppProcess(session_file(tmp_path), state_dir, tmp_path)
    try:
        deadline = time.monotonic() + 300  # a slow, shared machine may take a minute to open the window
        while app.running_for() < TRAIN_FOR_S:
            assert app.proc.poll() is None, "the app ended by itself"
            assert time.monotonic() < deadline, f"the app did not train for {TRAIN_FOR_S} s: {app.reports[-3:]}"
            time.sleep(0.2)
    finally:
        killed_at = app.kill()
    assert app.proc.returncode == -signal.SIGKILL

    # the step the process had reached LOST_BOUND_S before the kill, by its own account
    reached = max(step for t, step, _ in app.reports if t <= killed_at - LOST_BOUND_S)
    assert reached > 0
    found = find_recoverable(state_dir)
    assert len(found) == 1, "the killed instance's checkpoint is offered"
    saved = found[0].load()
    step = checkpoint_step(saved)
    assert step >= reached, f"checkpoint at step {step}, but step {reached} was reached {LOST_BOUND_S} s before the kill"
    assert saved.optimizer_state is not None and saved.weights is not None
    train_loss = saved.history["train/loss"]["steps"]
    assert train_loss[-1] == step  # the history reaches the checkpoint's step

    # the next launch offers it; accepting restores graph, weights and history at that step
    monkeypatch.setenv("PLAYGROUND_STATE_DIR", str(state_dir))
    asked: list[str] = []

    def answer(question: dialogs.Question) -> str:
        asked.append(question.title)
        return "Recover" if question.title == "Recover unsaved work" else question.default

    dialogs.set_answerer(answer)
    try:
        window = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.show()
        assert window.file_ops.offer_recovery()
        assert "Recover unsaved work" in asked
        trainer = window.controller.trainer
        assert trainer is not None and trainer.step == step
        assert window.workspace.document.graph.to_dict()["nodes"] == saved.graph.to_dict()["nodes"]
        for key, tensor in trainer.model.state_dict().items():
            assert torch.equal(tensor.cpu(), saved.weights[key]), key
        steps, _ = window.controller.buffer.series("train/loss")
        assert int(steps[-1]) == step and len(steps) == len(train_loss)
        assert window.workspace.path == str(tmp_path / "spirals.playground")  # it says where it came from
        assert find_recoverable(state_dir) == []  # recovered: not offered again
        # and it trains on from there
        window.controller.step(3)
        qtbot.waitUntil(lambda: trainer.step == step + 3 and window.controller.state == "paused", timeout=60000)
        window.file_ops.close_autosave()
    finally:
        dialogs.set_answerer(None)
    assert load_session(str(tmp_path / "spirals.playground")).weights is None  # the file itself is untouched
