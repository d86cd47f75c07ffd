"""The +/− unit buttons and "+ layer" on the canvas, clicked like a person, through the app's own
weight path (keep the weights that still fit), and a quiet quit with a selection."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from playground.compile.check import check
from playground.graph.edits import SetParam
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.change_prompts import KEEP

ROOT = Path(__file__).resolve().parents[2]


def click_button(view: GraphCanvasView, node_id: str, region: str) -> None:
    block = view.block_item(node_id)
    rect = block.button_rects()[region]
    at = view.mapFromScene(block.mapToScene(rect.center()))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)


def trained_window(open_window, steps: int = 20, edit=None):
    w = open_window("mlp")
    if edit is not None:
        w.document.push(edit(w.document.graph))
    ctl = w.controller
    assert ctl.ensure_trainer()
    ctl.trainer.run(steps)  # real training, in this thread, before anything is edited
    return w, ctl.weights()


def rebuilt_weights(w, qtbot, answers) -> dict[str, torch.Tensor]:
    """Answer the weights question as a person would (keep) and build the next trainer."""
    answers["The network changed"] = KEEP
    qtbot.waitUntil(lambda: w.controller.trainer is None, timeout=5000)
    assert w.controller.ensure_trainer()
    return w.controller.trainer.model.state_dict()


def test_plus_adds_a_unit_and_keeps_the_trained_weights_of_the_others(open_window, qtbot, answers):
    w, before = trained_window(open_window)
    graph, canvas = w.document.graph, w.canvas
    fc1, fc2 = graph.node_by_label("fc1").id, graph.node_by_label("fc2").id
    click_button(canvas, fc1, "unit_plus")
    assert graph.nodes[fc1].params["out_features"] == 17
    assert check(graph, w.document.task).ok  # fc2 takes its 17 inputs from fc1 by itself
    assert canvas.block_item(fc1).units_word == "units" and canvas.block_item(fc1)._units == 17
    after = rebuilt_weights(w, qtbot, answers)
    assert after[f"{fc1}.weight"].shape[0] == 17
    assert torch.equal(after[f"{fc1}.weight"][:16], before[f"{fc1}.weight"])
    assert torch.equal(after[f"{fc1}.bias"][:16], before[f"{fc1}.bias"])
    assert torch.equal(after[f"{fc2}.weight"][:, :16], before[f"{fc2}.weight"])
    assert torch.equal(after[f"{fc2}.bias"], before[f"{fc2}.bias"])
    assert not torch.equal(after[f"{fc1}.weight"][16], torch.zeros_like(after[f"{fc1}.weight"][16]))  # fresh


def test_minus_removes_the_last_unit_keeps_the_rest_and_undo_restores(open_window, qtbot, answers):
    def pin(graph):  # a consumer that pinned its input width
        return SetParam(graph.node_by_label("head").id, "in_features", 16)

    w, before = trained_window(open_window, edit=pin)
    graph, canvas = w.document.graph, w.canvas
    fc2, head = graph.node_by_label("fc2").id, graph.node_by_label("head").id
    click_button(canvas, fc2, "unit_minus")
    assert graph.nodes[fc2].params["out_features"] == 15
    assert graph.nodes[head].params["in_features"] is None  # follows fc2 again
    assert check(graph, w.document.task).ok
    after = rebuilt_weights(w, qtbot, answers)
    assert torch.equal(after[f"{fc2}.weight"], before[f"{fc2}.weight"][:15])
    assert torch.equal(after[f"{head}.weight"], before[f"{head}.weight"][:, :15])
    w.document.undo_stack.undo()
    assert graph.nodes[fc2].params["out_features"] == 16 and graph.nodes[head].params["in_features"] == 16


def test_the_head_has_no_unit_buttons_and_keys_change_the_selected_layer(open_window):
    w = open_window("mlp")
    graph, canvas = w.document.graph, w.canvas
    head, fc1 = graph.node_by_label("head").id, graph.node_by_label("fc1").id
    assert canvas.block_item(head).button_rects() == {}  # its width is the number of classes
    canvas.select_nodes([fc1])
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_Plus)
    QTest.keyClick(canvas, Qt.Key.Key_Plus)
    QTest.keyClick(canvas, Qt.Key.Key_Minus)
    assert graph.nodes[fc1].params["out_features"] == 17
    assert w.document.undo_stack.count() == 3


def test_plus_layer_inserts_a_layer_like_this_one_as_one_undoable_edit(open_window):
    w = open_window("lenet")
    graph, canvas = w.document.graph, w.canvas
    before = graph.to_dict()
    conv1 = graph.node_by_label("conv1").id
    relu1 = graph.node_by_label("relu1").id
    click_button(canvas, conv1, "layer_plus")
    new = [n for n in graph.nodes.values() if n.id not in {d["id"] for d in before["nodes"]}]
    assert sorted(n.type for n in new) == ["Conv2d", "ReLU"]
    conv = next(n for n in new if n.type == "Conv2d")
    assert conv.params["out_channels"] == graph.nodes[conv1].params["out_channels"]
    assert [e.dst.node_id for e in graph.edges_out_of(relu1)] == [conv.id]  # right after conv1 → relu1
    assert check(graph, w.document.task).ok  # the picture keeps its size: everything downstream fits
    assert w.document.undo_stack.count() == 1
    positions = [n.pos for n in graph.nodes.values()]
    assert len(set(positions)) == len(positions)  # laid out again, no block on another
    w.document.undo_stack.undo()
    assert graph.to_dict() == before
    click_button(canvas, graph.node_by_label("conv2").id, "unit_plus")
    assert graph.node_by_label("conv2").params["out_channels"] == 17
    assert check(graph, w.document.task).ok  # the dense head after Flatten follows


def test_reloading_and_closing_with_a_selection_print_no_runtime_error(tmp_path):
    script = textwrap.dedent("""
        from PySide6.QtCore import QSettings, QTimer
        from playground.ui.app import make_application
        from playground.ui.main_window import MainWindow
        app = make_application([])
        w = MainWindow(settings=QSettings(r"%s", QSettings.Format.IniFormat), autosave=False)
        w.show()
        w.file_ops.load_template("mlp")
        def close():
            w.canvas.select_all()
            app.processEvents()
            w.file_ops.load_template("lenet")  # the scene is rebuilt under a selection
            app.processEvents()
            w.canvas.select_all()
            app.processEvents()
            w.close()
            app.quit()
        QTimer.singleShot(300, close)
        app.exec()
        del w
    """) % (tmp_path / "settings.ini")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "PLAYGROUND_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "RuntimeError" not in done.stderr and "already deleted" not in done.stderr, done.stderr
