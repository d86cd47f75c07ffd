"""The app never saves a file it cannot reopen: train, change a layer's size, keep the weights
that fit, save (and autosave), reopen. Renaming a trained block keeps its weights."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtCore import QSettings

from playground.graph.edits import RenameNode, SetParam
from playground.session import load_session
from playground.session.autosave import Autosaver
from playground.ui import dialogs
from playground.ui.main_window import KEEP, MainWindow


@pytest.fixture
def window(tmp_path, monkeypatch, qtbot):
    monkeypatch.setenv("PLAYGROUND_STATE_DIR", str(tmp_path / "state"))
    asked: list[dialogs.Question] = []

    def answer(q: dialogs.Question):
        asked.append(q)
        return KEEP if q.title == "The network changed" else q.default

    dialogs.set_answerer(answer)
    w = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.file_ops.load_template("mlp")
    w.training_panel.epochs.setValue(3)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=30000)
    yield w, asked
    dialogs.set_answerer(None)


def test_a_resized_layer_with_kept_weights_saves_a_file_that_reopens(window, qtbot, tmp_path):
    w, asked = window
    trained = w.controller.weights()
    graph = w.document.graph
    fc1, head = graph.node_by_label("fc1").id, graph.node_by_label("head").id
    w.document.push(SetParam(fc1, "out_features", 5))
    qtbot.waitUntil(lambda: any(q.title == "The network changed" for q in asked), timeout=5000)
    question = next(q for q in asked if q.title == "The network changed")
    assert "fc1.weight (16×7 → 5×7) kept 5×7 of it" in question.text  # says exactly what is kept
    assert w.controller.trainer is None and w.controller.has_weights()

    path = str(tmp_path / "resized.playground")
    assert w.file_ops.save_to(path)
    reopened = load_session(path)  # failed before: "fc1.weight is 16×7 float32 in the file ..."
    assert tuple(reopened.weights[f"{fc1}.weight"].shape) == (5, 7)
    assert torch.equal(reopened.weights[f"{head}.weight"], trained[f"{head}.weight"])  # what fits is kept

    saver = Autosaver(w.file_ops.snapshot, folder=str(tmp_path / "state"))
    assert saver.autosave_now()
    recovered = load_session(str(saver.autosave_path))  # the autosave reopens too
    assert tuple(recovered.weights[f"{fc1}.weight"].shape) == (5, 7)
    saver.close()


def test_renaming_a_trained_block_keeps_its_weights_without_asking(window, qtbot, tmp_path):
    w, asked = window
    trained = w.controller.weights()
    fc1 = w.document.graph.node_by_label("fc1").id
    asked.clear()
    w.document.push(RenameNode(fc1, "hidden"))
    qtbot.wait(50)  # the weights question would be asked on the next event-loop turn
    assert not any(q.title == "The network changed" for q in asked)
    assert w.controller.trainer is not None and w.controller.trainer_matches_inputs()
    path = str(tmp_path / "renamed.playground")
    assert w.file_ops.save_to(path)
    reopened = load_session(path)
    assert reopened.graph.nodes[fc1].label == "hidden"
    assert set(reopened.weights) == set(trained)
    assert all(torch.equal(reopened.weights[k], v) for k, v in trained.items())
