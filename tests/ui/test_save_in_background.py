"""Saving a large session (about 10M parameters, with Adam's state) leaves the window running:
the file is written on the writer thread, the event loop turns meanwhile, an edit made during
the save does not reach the file, and the file is complete and reopens with what was trained.

The longest event-loop gap during the save is printed (run with ``-s``), not asserted: speed is
never checked by a timed test.
"""

from __future__ import annotations

import threading
import time

import torch
from PySide6.QtCore import QTimer

from playground.graph.builder import GraphBuilder
from playground.session import Session, load_session
from playground.ui.main_window import MainWindow

WIDTH = 3100  # 2→3100→3100→2 is about 9.6M parameters


def large_session() -> Session:
    graph = (GraphBuilder().then("Input", "input").then("Linear", "fc1", out_features=WIDTH)
             .then("ReLU", "relu").then("Linear", "fc2", out_features=WIDTH).then("ReLU", "relu2")
             .then("Linear", "fc3", out_features=2).then("Output", "output").graph)
    session = Session(graph=graph, dataset="spirals", dataset_params={"n_samples": 200})
    session.config = session.config.with_changes(optimizer="adam", batch_size=16, epochs=0, lr=0.001)
    return session


def test_a_large_save_runs_off_the_gui_thread_and_edits_meanwhile_stay_out(open_window, qtbot, tmp_path):
    window: MainWindow = open_window()
    assert window.file_ops.load(large_session())
    ctl = window.controller
    assert ctl.step(2)
    qtbot.waitUntil(lambda: ctl.trainer is not None and ctl.trainer.step == 2 and ctl.state == "paused",
                    timeout=120000)
    params = sum(p.numel() for p in ctl.trainer.model.parameters())
    assert params > 9_000_000
    trained = {k: v.clone() for k, v in ctl.trainer.model.state_dict().items()}

    gaps: list[float] = []
    last = [time.perf_counter()]
    during_save: list[bool] = []
    edited: list[bool] = []

    def probe() -> None:  # a 5 ms timer: how long the event loop went without turning
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
        during_save.append(window.file_ops.writer.busy())

    def edit_during_save() -> None:
        if window.file_ops.writer.busy():
            window.workspace.update_config(lr=0.5)  # a person changes a setting while it saves
            edited.append(True)

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(probe)
    edit = QTimer()
    edit.setSingleShot(True)
    edit.setInterval(20)
    edit.timeout.connect(edit_during_save)
    path = str(tmp_path / "large.playground")
    timer.start()
    edit.start()
    last[0] = time.perf_counter()
    assert window.file_ops.save_to(path)
    timer.stop()
    print(f"\nlongest event-loop gap while saving {params / 1e6:.1f}M parameters: {max(gaps) * 1000:.0f} ms "
          f"({len(gaps)} probe ticks)")

    writer_threads = window.file_ops.writer.save_threads
    assert writer_threads and threading.current_thread().name not in writer_threads
    assert any(during_save), "the event loop turned while the file was being written"
    saved = load_session(path)
    assert saved.config.lr == 0.001  # the edit came after the snapshot
    assert window.workspace.config.lr == (0.5 if edited else 0.001)
    assert saved.trainer_state["counters"]["step"] == 2 and saved.optimizer_state is not None
    for key, tensor in trained.items():
        assert torch.equal(saved.weights[key], tensor), key
