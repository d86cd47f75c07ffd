"""End to end, the way a person works: build an MLP by hand in the window, train it from the
toolbar, save, close, reopen; and close the window in the middle of training."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.ui import dialogs
from playground.ui.main_window import MainWindow


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_STATE_DIR", str(tmp_path / "state"))
    answers: dict[str, str] = {}
    dialogs.set_answerer(lambda q: answers.get(q.title, q.default))
    yield tmp_path, answers
    dialogs.set_answerer(None)


def open_window(qtbot, tmp_path) -> MainWindow:
    window = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    qtbot.waitExposed(window)
    return window


def drop_block(window: MainWindow, block_type: str, at: QPoint) -> str:
    """What Qt's drag loop delivers when a palette entry is dropped on the canvas."""
    mime = window.block_palette.mime_data_for(block_type)
    viewport = window.canvas.viewport()
    before = set(window.document.graph.nodes)
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        pos = QPointF(at) if kind is QDropEvent else at
        event = kind(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted()
    (new,) = set(window.document.graph.nodes) - before
    return new


def port_point(window: MainWindow, node_id: str, port: str, output: bool) -> QPoint:
    block = window.canvas.block_item(node_id)
    item = (block.outputs if output else block.inputs)[port]
    return window.canvas.mapFromScene(item.anchor())


def drag(window: MainWindow, start: QPoint, end: QPoint) -> None:
    viewport = window.canvas.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def type_into(spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


def click_tool(window: MainWindow, action) -> None:
    button = window.window_actions.training_toolbar.widgetForAction(action)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def build_mlp_by_hand(window: MainWindow, qtbot) -> dict[str, str]:
    window.file_ops.load_template("mlp")  # the spirals data and its training settings
    assert window.file_ops.new_blank()
    assert window.document.graph.nodes == {}
    window.canvas.zoom_by(0.6)
    ids = {}
    layout = [("Input", "input"), ("Linear", "hidden"), ("Tanh", "tanh"), ("Linear", "head"), ("Output", "out")]
    for i, (block_type, key) in enumerate(layout):
        ids[key] = drop_block(window, block_type, QPoint(70 + 150 * i, 140 + 120 * (i % 2)))
    chain = [k for _, k in layout]
    for src, dst in itertools.pairwise(chain):
        drag(window, port_point(window, ids[src], "out", True), port_point(window, ids[dst], "in", False))
    assert len(window.document.graph.edges) == 4
    # a wire from a block back into itself is refused, and the window says why
    drag(window, port_point(window, ids["tanh"], "out", True), port_point(window, ids["tanh"], "in", False))
    assert len(window.document.graph.edges) == 4
    assert "itself" in window.statusBar().currentMessage() or "cycle" in window.statusBar().currentMessage(), \
        window.statusBar().currentMessage()
    # the head must give one score per class: select it and type 2 in the inspector
    head = window.canvas.block_item(ids["head"])
    QTest.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     window.canvas.mapFromScene(head.mapToScene(QPointF(60, 12))))
    qtbot.waitUntil(lambda: window.inspector.node_id == ids["head"], timeout=3000)
    type_into(window.inspector.editors["out_features"].editor, "2")
    assert window.document.graph.nodes[ids["head"]].params["out_features"] == 2
    window.document.recheck_now()
    assert window.document.report.ok, window.document.report.diagnostics
    return ids


def test_build_train_save_reopen(env, qtbot):
    tmp_path, answers = env
    window = open_window(qtbot, tmp_path)
    build_mlp_by_hand(window, qtbot)
    edge_labels = [e for e in window.document.report.edge_shapes.values()]
    assert (16,) in edge_labels and (2,) in edge_labels
    type_into(window.training_panel.epochs, "200")
    assert window.workspace.config.epochs == 200 and window.workspace.config.batch_size == 0
    click_tool(window, window.window_actions.start)
    qtbot.waitUntil(lambda: window.controller.state == "finished", timeout=60000)
    assert window.controller.trainer.step == 200
    qtbot.waitUntil(lambda: window.status_widget.step_label.text() == "step 200", timeout=3000)
    _, loss = window.controller.buffer.series("train/loss")
    assert len(loss) == 200 and np.mean(loss[-10:]) < 0.8 * np.mean(loss[:10])
    path = str(tmp_path / "by_hand.playground")
    answers["Save session as"] = path
    window.window_actions.save.trigger()
    graph, weights = window.document.graph.to_dict(), window.controller.weights()
    window.close()
    assert not window.isVisible() and window.controller._thread is None

    again = open_window(qtbot, tmp_path)
    assert again.file_ops.open_path(path)
    assert again.document.graph.to_dict() == graph
    reopened = again.controller.weights()
    assert set(reopened) == set(weights)
    assert all(torch.equal(reopened[k], weights[k]) for k in weights)
    assert again.controller.trainer.step == 200
    qtbot.waitUntil(lambda: again.status_widget.step_label.text() == "step 200", timeout=3000)


def test_closing_mid_training_stops_and_joins_the_thread(env, qtbot):
    tmp_path, answers = env
    before = {t.ident for t in threading.enumerate()}
    window = open_window(qtbot, tmp_path)
    window.file_ops.load_template("mlp")
    type_into(window.training_panel.epochs, "0")  # no limit: it would run forever
    click_tool(window, window.window_actions.start)
    qtbot.waitUntil(lambda: window.controller.trainer is not None and window.controller.trainer.step > 20,
                    timeout=30000)
    thread = window.controller._thread
    answers["Unsaved changes"] = "Discard"
    asked = []
    dialogs.set_answerer(lambda q: asked.append(q.title) or answers.get(q.title, q.default))
    assert window.close()
    assert "Unsaved changes" in asked  # trained weights are work: saving was offered
    assert thread.isFinished() and window.controller._thread is None
    assert window.controller.state == "stopped"
    extra = [t for t in threading.enumerate()
             if t.ident not in before and not isinstance(t, threading._DummyThread)]
    assert extra == []
