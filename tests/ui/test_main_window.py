"""The main window as a person uses it: files, prompts, shortcuts, layout, the weights question."""

from __future__ import annotations

import os

import pytest
import torch
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.graph.edits import SetParam
from playground.session.autosave import Autosaver
from playground.ui import dialogs
from playground.ui.main_window import KEEP, RESET, MainWindow
from playground.ui.theme import apply_theme, current_theme
from playground.ui.views import ALL_VIEWS


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_STATE_DIR", str(tmp_path / "state"))
    asked: list[dialogs.Question] = []
    answers: dict[str, object] = {}

    def answer(q: dialogs.Question):
        asked.append(q)
        value = answers.get(q.title, q.default)
        return value(q) if callable(value) else value

    dialogs.set_answerer(answer)
    yield tmp_path, answers, asked
    dialogs.set_answerer(None)


def make_window(qtbot, tmp_path, template: str | None = "mlp") -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    if template:
        window.file_ops.load_template(template)
    return window


def test_opens_with_docks_toolbar_and_status(env, qtbot):
    tmp_path, _, _ = env
    w = make_window(qtbot, tmp_path)
    assert {"blocks", "inspector", "setup"} <= set(w.docks)
    assert len(w.views) == len(ALL_VIEWS)
    assert len(w.document.graph.nodes) == 8 and w.document.report.ok
    assert w.dataset_panel.bundle.name == "spirals"
    assert w.status_widget.state_label.text() == "Ready"
    assert w.windowTitle().startswith("untitled")
    for action in (w.window_actions.start, w.window_actions.save, w.window_actions.fit, w.window_actions.undo):
        assert action.toolTip()
    shortcuts = {a.objectName(): a.shortcut().toString() for a in w.findChildren(type(w.window_actions.save))}
    assert shortcuts["action_save"] == "Ctrl+S" and shortcuts["action_save_as"] == "Ctrl+Shift+S"
    assert shortcuts["action_new"] == "Ctrl+N" and shortcuts["action_open"] == "Ctrl+O"
    assert shortcuts["action_duplicate"] == "Ctrl+D" and shortcuts["action_fit_view"] == "F"
    assert shortcuts["action_start"] == "Space"


def test_save_close_reopen_and_recent_files(env, qtbot):
    tmp_path, answers, _ = env
    w = make_window(qtbot, tmp_path)
    fc1 = w.document.graph.node_by_label("fc1")
    assert w.document.push(SetParam(fc1.id, "out_features", 12))
    assert w.isWindowModified()
    path = str(tmp_path / "work.playground")
    answers["Save session as"] = path
    assert w.file_ops.save()
    assert not w.isWindowModified() and w.windowTitle().startswith("work.playground")
    saved = w.document.graph.to_dict()
    w.close()
    w2 = make_window(qtbot, tmp_path, template=None)
    assert os.path.abspath(path) in [a.toolTip() for a in w2.window_actions.recent_menu.actions()]
    w2.window_actions.recent_menu.actions()[0].trigger()
    assert w2.document.graph.to_dict() == saved
    assert w2.file_ops.path == os.path.abspath(path)


def test_a_broken_file_is_a_message_and_nothing_is_lost(env, qtbot):
    tmp_path, _, asked = env
    w = make_window(qtbot, tmp_path)
    before = w.document.graph.to_dict()
    bad = tmp_path / "broken.playground"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert not w.file_ops.open_path(str(bad))
    assert asked[-1].kind == "error" and "broken.playground" in asked[-1].text
    assert w.document.graph.to_dict() == before and w.isVisible()


def test_unsaved_changes_prompt_can_cancel_or_discard(env, qtbot):
    tmp_path, answers, asked = env
    w = make_window(qtbot, tmp_path)
    w.canvas.select_all()
    w.window_actions.delete.trigger()
    assert w.document.graph.nodes == {}
    answers["Unsaved changes"] = "Cancel"
    assert not w.file_ops.new_from_template("lenet")
    assert asked[-1].title == "Unsaved changes" and w.document.graph.nodes == {}
    w.window_actions.undo.trigger()
    assert len(w.document.graph.nodes) == 8
    answers["Unsaved changes"] = "Discard"
    assert w.file_ops.new_from_template("lenet")
    assert w.dataset_panel.bundle.name == "digits" and not w.isWindowModified()


def test_closing_with_changes_offers_to_save(env, qtbot):
    tmp_path, answers, _asked = env
    w = make_window(qtbot, tmp_path)
    w.canvas.select_all()
    w.window_actions.delete.trigger()
    answers["Unsaved changes"] = "Cancel"
    assert not w.close() and w.isVisible()
    path = tmp_path / "on_close.playground"
    answers["Unsaved changes"] = "Save"
    answers["Save session as"] = str(path)
    assert w.close()
    assert path.exists()


def test_layout_and_theme_are_restored(env, qtbot):
    tmp_path, _, _ = env
    w = make_window(qtbot, tmp_path)
    w.docks["blocks"].hide()
    w.toggle_theme()
    assert current_theme() == "dark"
    w.close()
    w2 = make_window(qtbot, tmp_path, template=None)
    assert not w2.docks["blocks"].isVisible() and w2.docks["inspector"].isVisible()
    assert w2.settings.value("theme") == "dark" and w2.window_actions.dark.isChecked()
    apply_theme(QApplication.instance(), "light")


def test_recovery_after_a_crash(env, qtbot):
    tmp_path, answers, _asked = env
    w = make_window(qtbot, tmp_path)
    fc1 = w.document.graph.node_by_label("fc1")
    w.document.push(SetParam(fc1.id, "out_features", 5))
    crashed = Autosaver(w.snapshot_session, folder=str(tmp_path / "state"))
    crashed.autosave_now()
    crashed._lock_file.close()  # the process "dies": lock released, marker and autosave stay
    expected = w.document.graph.to_dict()
    answers["Unsaved changes"] = "Discard"
    w.close()
    w2 = make_window(qtbot, tmp_path, template="mlp")
    answers["Recover unsaved work"] = "Recover"
    assert w2.file_ops.offer_recovery()
    assert w2.document.graph.to_dict() == expected and w2.isWindowModified()
    assert not w2.file_ops.offer_recovery()  # recovered autosaves are gone


def test_editing_a_trained_network_asks_about_weights(env, qtbot):
    tmp_path, answers, asked = env
    w = make_window(qtbot, tmp_path)
    w.training_panel.epochs.setValue(20)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=20000)
    trained = w.controller.weights()
    fc2 = w.document.graph.node_by_label("fc2")
    answers["The network changed"] = KEEP
    w.document.push(SetParam(fc2.id, "out_features", 8))
    qtbot.waitUntil(lambda: any(q.title == "The network changed" for q in asked), timeout=3000)
    assert w.controller.trainer is None and w.controller.has_weights()
    w.step_once()
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step == 1, timeout=10000)
    assert "fc1.weight" in trained
    answers["The network changed"] = RESET
    asked.clear()
    w.window_actions.undo.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=3000)
    assert w.controller.trainer is None and not w.controller.has_weights()
    assert w.controller.buffer.series("train/loss")[0].size == 0


def test_shortcuts_reach_the_canvas(env, qtbot):
    tmp_path, _, _ = env
    w = make_window(qtbot, tmp_path)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.canvas.setFocus()
    w.canvas.select_nodes([w.document.graph.node_by_label("tanh1").id])
    QTest.keyClick(w.canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(w.document.graph.nodes) == 9
    QTest.keyClick(w.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(w.document.graph.nodes) == 8
    QTest.keyClick(w.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(w.document.graph.nodes) == 9
    w.canvas.select_nodes([w.document.graph.node_by_label("tanh1").id])
    QTest.keyClick(w.canvas, Qt.Key.Key_Delete)
    assert w.document.graph.node_by_label("tanh1") is None


def test_training_panel_changes_reach_the_running_trainer(env, qtbot):
    tmp_path, _, _ = env
    w = make_window(qtbot, tmp_path)
    devices = [w.training_panel.device.itemText(i) for i in range(w.training_panel.device.count())]
    assert devices[:2] == ["auto", "cpu"]
    assert ("cuda" in devices) == torch.cuda.is_available()
    w.training_panel.epochs.setValue(0)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.state == "running", timeout=20000)
    assert w.window_actions.start.text() == "Pause" and w.window_actions.stop.isEnabled()
    trainer = w.controller.trainer
    w.training_panel.lr.setValue(0.005)
    assert trainer.config.lr == 0.005 and w.controller.trainer is trainer
    qtbot.waitUntil(lambda: w.status_widget.state_label.text() == "Training", timeout=3000)
    w.window_actions.start.trigger()  # pause
    qtbot.waitUntil(lambda: w.status_widget.state_label.text() == "Paused", timeout=5000)
    assert w.window_actions.start.text() == "Resume"
    w.window_actions.stop.trigger()
    assert w.controller.state == "stopped" and not w.controller.is_running()
    assert "lr" in w.controller.buffer.series_names()
