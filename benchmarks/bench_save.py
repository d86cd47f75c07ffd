"""Saving and opening a large session: how long it takes, and whether the window keeps turning.

A session of about 10M parameters (2 → 3160 → 3160 → 2 Linear layers on the spirals, Adam, so
with its optimizer state the file holds about 30M numbers) is trained a few steps, then:

* ``save_load_10m``: ``save_session`` and ``load_session`` of it, headless, alternating over
  the rounds (median and every round reported). Targets: save < 1.5 s, load < 1.5 s.
* ``app_save_stall_10m``: the main window (offscreen) with that session, training running at
  the fastest pace; a 5 ms probe timer measures how long the event loop goes without turning.
  Each round measures a stretch where the app saves (File ▸ Save, ``FileOps.save_to``) and an
  equally long stretch where it does not, alternating, so that what the training itself costs
  the event loop is seen beside what the save adds. Target: the longest stall while saving
  ≤ 100 ms, whether training runs or is paused (``paused`` rounds save a paused run).

Prints JSON lines. ``run(quick)`` returns the same lines as dicts (``benchmarks/run_all.py``
calls it); each holds ``targets``: metric name → [comparison, bound].

Run: .venv/bin/python benchmarks/bench_save.py [--quick] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PLAYGROUND_NO_AUTOSAVE_PROMPT", "1")

import numpy as np

WIDTH = 3160  # 2→3160→3160→2: 10.0M parameters
PROBE_MS = 5
TARGETS = {"save_load_10m": {"save_s": ["<", 1.5], "load_s": ["<", 1.5]},
           "app_save_stall_10m": {"max_stall_ms_saving": ["<=", 100.0]}}


def large_session(width: int = WIDTH) -> Any:
    from playground.graph.builder import GraphBuilder
    from playground.session import Session

    graph = (GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=width)
             .then("ReLU", "relu").then("Linear", "fc2", out_features=width).then("ReLU", "relu2")
             .then("Linear", "fc3", out_features=2).then("Output", "output").graph)
    session = Session(graph=graph, dataset="spirals", dataset_params={"n_samples": 200})
    session.config = session.config.with_changes(optimizer="adam", batch_size=16, epochs=0, lr=0.001)
    return session


def trained_session(steps: int = 3) -> tuple[Any, int]:
    """The large session after ``steps`` steps on a worker thread, with everything it learned."""
    from playground.session.checkpoint import apply_training, capture_training
    from playground.train import MetricsBuffer, Trainer

    session = large_session()
    trainer = Trainer(session.graph, session.bundle(), session.config, MetricsBuffer())
    worker = threading.Thread(target=trainer.run, args=(steps,))
    worker.start()
    worker.join()
    params = sum(p.numel() for p in trainer.model.parameters())
    return apply_training(session, capture_training(trainer)), params


def save_load(rounds: int) -> dict[str, Any]:
    from playground.session import load_session, save_session

    session, params = trained_session()
    saves, loads = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "large.playground")
        for _ in range(rounds):  # save, load, save, load: drift on a shared machine hits both
            start = time.perf_counter()
            save_session(session, path)
            saves.append(time.perf_counter() - start)
            start = time.perf_counter()
            loaded = load_session(path)
            loads.append(time.perf_counter() - start)
            assert loaded.weights is not None and len(loaded.weights) == len(session.weights)
        size = os.path.getsize(path)
    return {"case": "save_load_10m", "params": params, "file_mb": round(size / 2**20, 1),
            "save_s": round(float(np.median(saves)), 3), "load_s": round(float(np.median(loads)), 3),
            "save_rounds_s": [round(s, 3) for s in saves], "load_rounds_s": [round(s, 3) for s in loads],
            "targets": TARGETS["save_load_10m"]}


class _Probe:
    """A 5 ms timer on the GUI thread: the gaps between its ticks, less its interval, are stalls."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        """The longest stall in ms since ``start``."""
        self.timer.stop()
        self._tick()
        return max(0.0, max(self.gaps) * 1000 - PROBE_MS)


def _spin(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(1, int(seconds * 1000)), loop.quit)
    loop.exec()


def _saved(window: Any, path: str, refused: list[str] | None = None) -> None:
    """File ▸ Save. A run whose step outlasts the app's 5 s wait for a step boundary (a loaded
    machine: the record of 10M weights at a due step) is refused by the app ("Try again"): that
    is counted in ``refused`` and tried again, up to three times."""
    from playground.ui import dialogs

    for _ in range(3):
        if window.file_ops.save_to(path):
            return
        text = dialogs.history[-1].text if dialogs.history else "?"
        if refused is None or "did not reach the end of a step" not in text:
            break
        refused.append(text)
    raise RuntimeError(f"the app could not save: {text}")


def app_stall(rounds: int) -> dict[str, Any]:
    from PySide6.QtCore import QSettings

    from playground.ui.app import make_application
    from playground.ui.main_window import MainWindow

    make_application()
    saving: list[float] = []
    idle: list[float] = []
    paused: list[float] = []
    seconds: list[float] = []
    refused: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(settings=QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat),
                            autosave=False)
        window.resize(1600, 1000)
        window.show()
        assert window.file_ops.load(large_session())
        ws, ctl = window.workspace, window.controller
        ws.update_config(pace="fastest", until_stopped=True)
        assert ctl.start()
        probe = _Probe()
        deadline = time.perf_counter() + 120
        while (ctl.trainer is None or ctl.trainer.step < 3) and time.perf_counter() < deadline:
            _spin(0.05)  # the first steps (warm-up: the optimizer's first use) are not measured
        path = os.path.join(tmp, "large.playground")
        for _ in range(rounds):
            probe.start()
            start = time.perf_counter()
            _saved(window, path, refused)
            took = time.perf_counter() - start
            saving.append(probe.stop())
            seconds.append(took)
            probe.start()
            _spin(took)  # the same stretch of training without a save
            idle.append(probe.stop())
        ctl.pause(wait=30.0)
        for _ in range(max(1, rounds // 2)):
            probe.start()
            _saved(window, path)
            paused.append(probe.stop())
        params = sum(p.numel() for p in ctl.trainer.model.parameters()) if ctl.trainer is not None else 0
        window.workspace.mark_saved(path)  # closing asks nothing
        window.close()
    return {"case": "app_save_stall_10m", "params": params,
            "max_stall_ms_saving": round(max(saving + paused), 1),
            "max_stall_ms_not_saving": round(max(idle), 1),
            "rounds_saving_running_ms": [round(s, 1) for s in saving],
            "rounds_not_saving_ms": [round(s, 1) for s in idle],
            "rounds_saving_paused_ms": [round(s, 1) for s in paused],
            "save_seconds": [round(s, 2) for s in seconds], "saves_refused_busy": len(refused), "targets": TARGETS["app_save_stall_10m"]}


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Both cases (``quick``: fewer rounds); each line as a dict with its ``targets``."""
    rounds = 2 if quick else 5
    return [save_load(rounds), app_stall(rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--rounds", type=int, default=0, help="rounds of each case (default 5, quick 2)")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    print(json.dumps(save_load(rounds)), flush=True)
    print(json.dumps(app_stall(rounds)), flush=True)


if __name__ == "__main__":
    main()
