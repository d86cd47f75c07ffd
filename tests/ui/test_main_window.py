"""The main window as a person uses it: files, prompts, shortcuts, layout, the weights question."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.graph.edits import SetParam
from playground.session.autosave import Autosaver, find_recoverable
from playground.ui.main_window import KEEP, RESET, MainWindow
from playground.ui.theme import apply_theme, current_theme
from playground.ui.views import ALL_VIEWS, HistogramView
from playground.ui.views.base import on_screen
from playground.ui.views.pending import PendingView


@pytest.fixture
def env(tmp_path, answers, asked):
    return tmp_path, answers, asked


def test_opens_with_docks_toolbar_and_status(env, qtbot, open_window):
    w = open_window("mlp")
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


def test_save_close_reopen_and_recent_files(env, qtbot, open_window):
    tmp_path, answers, _ = env
    w = open_window("mlp")
    fc1 = w.document.graph.node_by_label("fc1")
    assert w.document.push(SetParam(fc1.id, "out_features", 12))
    assert w.isWindowModified()
    path = str(tmp_path / "work.playground")
    answers["Save session as"] = path
    assert w.file_ops.save()
    assert not w.isWindowModified() and w.windowTitle().startswith("work.playground")
    saved = w.document.graph.to_dict()
    w.close()
    w2 = open_window()
    assert os.path.abspath(path) in [a.toolTip() for a in w2.window_actions.recent_menu.actions()]
    w2.window_actions.recent_menu.actions()[0].trigger()
    assert w2.document.graph.to_dict() == saved
    assert w2.file_ops.path == os.path.abspath(path)


def test_a_broken_file_is_a_message_and_nothing_is_lost(env, qtbot, open_window):
    tmp_path, _, asked = env
    w = open_window("mlp")
    before = w.document.graph.to_dict()
    bad = tmp_path / "broken.playground"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert not w.file_ops.open_path(str(bad))
    assert asked[-1].kind == "error" and "broken.playground" in asked[-1].text
    assert w.document.graph.to_dict() == before and w.isVisible()


def test_unsaved_changes_prompt_can_cancel_or_discard(env, qtbot, open_window):
    _, answers, asked = env
    w = open_window("mlp")
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


def test_closing_with_changes_offers_to_save(env, qtbot, open_window):
    tmp_path, answers, _asked = env
    w = open_window("mlp")
    w.canvas.select_all()
    w.window_actions.delete.trigger()
    answers["Unsaved changes"] = "Cancel"
    assert not w.close() and w.isVisible()
    path = tmp_path / "on_close.playground"
    answers["Unsaved changes"] = "Save"
    answers["Save session as"] = str(path)
    assert w.close()
    assert path.exists()


def test_layout_and_theme_are_restored(env, qtbot, open_window):
    w = open_window("mlp")
    w.docks["blocks"].hide()
    w.toggle_theme()
    assert current_theme() == "dark"
    w.close()
    w2 = open_window()
    assert not w2.docks["blocks"].isVisible() and w2.docks["inspector"].isVisible()
    assert w2.settings.value("theme") == "dark" and w2.window_actions.dark.isChecked()
    apply_theme(QApplication.instance(), "light")


def test_recovery_after_a_crash(env, qtbot, open_window):
    tmp_path, answers, _asked = env
    w = open_window("mlp")
    fc1 = w.document.graph.node_by_label("fc1")
    w.document.push(SetParam(fc1.id, "out_features", 5))
    crashed = Autosaver(w.file_ops.snapshot, folder=str(tmp_path / "state"))
    crashed.autosave_now()
    crashed._lock_file.close()  # the process "dies": lock released, marker and autosave stay
    expected = w.document.graph.to_dict()
    answers["Unsaved changes"] = "Discard"
    w.close()
    w2 = open_window("mlp")
    answers["Recover unsaved work"] = "Recover"
    assert w2.file_ops.offer_recovery()
    assert w2.document.graph.to_dict() == expected and w2.isWindowModified()
    assert not w2.file_ops.offer_recovery()  # recovered autosaves are gone


def test_editing_a_trained_network_asks_about_weights(env, qtbot, open_window):
    _, answers, asked = env
    w = open_window("mlp")
    w.training_panel.epochs.setValue(20)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=20000)
    trained = w.controller.weights()
    fc2 = w.document.graph.node_by_label("fc2")
    answers["The network changed"] = KEEP
    w.document.push(SetParam(fc2.id, "out_features", 8))
    qtbot.waitUntil(lambda: any(q.title == "The network changed" for q in asked), timeout=3000)
    assert w.controller.trainer is None and w.controller.has_weights()
    w.window_actions.step.trigger()
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step == 1, timeout=10000)
    assert f"{w.document.graph.node_by_label('fc1').id}.weight" in trained  # keyed by node id
    answers["The network changed"] = RESET
    asked.clear()
    w.window_actions.undo.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=3000)
    assert w.controller.trainer is None and not w.controller.has_weights()
    assert w.controller.buffer.series("train/loss")[0].size == 0


def test_shortcuts_reach_the_canvas(env, qtbot, open_window):
    w = open_window("mlp")
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


def test_training_panel_changes_reach_the_running_trainer(env, qtbot, open_window):
    w = open_window("mlp")
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


def test_reset_keeps_the_run_as_an_earlier_run_and_the_session_saves_it(env, qtbot, open_window):
    tmp_path, answers, _ = env
    w = open_window("mlp")
    w.training_panel.epochs.setValue(15)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.state == "finished", timeout=20000)
    assert w.curves_view.previous_curves == []
    w.window_actions.reset.trigger()
    assert w.controller.buffer.series("train/loss")[0].size == 0
    assert [run["steps"] for run in w.controller.runs] == [15]
    dashed = [c for c in w.curves_view.previous_curves if c.property("series")[1] == "train/loss"]
    assert len(dashed) == 1 and len(dashed[0].getOriginalDataset()[0]) == 15
    path = str(tmp_path / "runs.playground")
    answers["Save session as"] = path
    assert w.file_ops.save()
    w.close()
    again = open_window()
    assert again.file_ops.open_path(path)
    assert [run["label"] for run in again.controller.runs] == ["run 1"]
    reopened = [c for c in again.curves_view.previous_curves if c.property("series")[1] == "train/loss"]
    assert len(reopened) == 1 and len(reopened[0].getOriginalDataset()[0]) == 15
    again.file_ops.load_template("lenet")  # another piece of work: no earlier runs
    assert again.controller.runs == [] and again.curves_view.previous_curves == []


def choose_dataset(w: MainWindow, qtbot, name: str) -> None:
    combo = w.dataset_panel.combo
    combo.setCurrentIndex(combo.findData(name))
    qtbot.waitUntil(lambda: w.dataset_panel.bundle.name == name, timeout=3000)


def test_a_dataset_the_network_does_not_fit_offers_to_adapt_it(env, qtbot, open_window):
    _, answers, asked = env
    w = open_window("mlp")
    before = w.document.graph.to_dict()
    answers["Adapt the network to the new dataset?"] = "Leave it as it is"
    choose_dataset(w, qtbot, "plane")  # regression: the head must give one value, not two scores
    assert asked[-1].title == "Adapt the network to the new dataset?" and "head" in asked[-1].text
    assert w.document.graph.to_dict() == before and not w.document.report.ok
    answers["Adapt the network to the new dataset?"] = "Adapt the network"
    choose_dataset(w, qtbot, "gaussians")
    assert w.document.graph.node_by_label("head").params["out_features"] == 3
    qtbot.waitUntil(lambda: w.document.report.ok, timeout=2000)  # re-checked on the next event-loop turn
    w.window_actions.undo.trigger()
    assert w.document.graph.to_dict() == before
    asked.clear()
    choose_dataset(w, qtbot, "parity")  # token sequences: no simple fix, so no question
    assert not any(q.title.startswith("Adapt") for q in asked)
    assert "does not fit parity" in w.statusBar().currentMessage()


def test_a_diverging_run_pauses_with_a_message_and_the_app_goes_on(env, qtbot, open_window):
    w = open_window("deep_linear")
    w.training_panel.optimizer.setCurrentText("sgd")
    w.training_panel.lr.setValue(100.0)
    w.window_actions.start.trigger()
    qtbot.waitUntil(lambda: w.controller.state == "paused", timeout=20000)
    qtbot.waitUntil(lambda: any(t in w.statusBar().currentMessage() for t in ("NaN or infinite", "diverging")),
                    timeout=3000)
    assert "Lower the learning rate" in w.statusBar().currentMessage()
    assert w.status_widget.state_label.text() == "Paused" and w.isVisible()
    weights = w.controller.weights()
    assert all(bool(v.isfinite().all()) for v in weights.values())  # the last good weights are back
    w.training_panel.lr.setValue(0.01)
    w.window_actions.start.trigger()  # resume at a sane rate
    qtbot.waitUntil(lambda: w.controller.trainer.step > 20, timeout=20000)
    w.window_actions.stop.trigger()


def test_double_click_on_empty_canvas_searches_and_adds_at_the_cursor(env, qtbot, open_window):
    w = open_window("mlp")
    w.canvas.zoom_by(0.5)
    viewport = w.canvas.viewport()
    spot = QPoint(40, viewport.height() - 40)  # below the network: empty canvas
    assert w.canvas.itemAt(spot) is None
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, spot)
    popup = w.canvas._popup
    qtbot.waitUntil(lambda: popup is not None and popup.isVisible(), timeout=2000)
    QTest.keyClicks(popup.search, "GELU")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    (gelu,) = [n for n in w.document.graph.nodes.values() if n.type == "GELU"]
    assert w.canvas.block_item(gelu.id).sceneBoundingRect().contains(w.canvas.mapToScene(spot))


def test_an_example_opens_and_starts_learning(env, qtbot, open_window):
    w = open_window()
    (example,) = [a for a in w.window_actions.examples_menu.actions() if a.objectName() == "example_deep_linear_stages"]
    example.trigger()
    w.window_actions.start.trigger()  # an example opens untrained; its story says "press Train"
    assert w.dataset_panel.bundle.name == "hierarchy"
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step > 0, timeout=20000)
    w.window_actions.stop.trigger()
    assert not w.controller.is_running()


def test_only_visible_views_redraw(env, qtbot, open_window):
    w = open_window("mlp")
    shown = {view.title for dock, view in w.views if on_screen(dock)}
    assert shown == {"Curves", "Decision boundary"}  # the "Watch" layout for 2-D data
    w.window_actions.step.trigger()
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step == 1, timeout=20000)
    qtbot.waitUntil(lambda: w.curves_view.draw_count > 0, timeout=3000)
    hidden = [view for dock, view in w.views if view.title not in shown]
    # closed docks: never built (a placeholder each), so never drawn
    assert hidden and all(isinstance(view, PendingView) for view in hidden)
    assert {title for _, view in w.built_views() for title in [view.title]} == shown
    histograms = next(dock for dock, view in w.views if view.title == "Histograms")
    histograms.toggleViewAction().trigger()  # shown from the View menu: built and drawn at once
    assert isinstance(histograms.widget(), HistogramView) and histograms.widget() is w.view_of(HistogramView)
    qtbot.waitUntil(lambda: histograms.widget().draw_count > 0, timeout=3000)


def test_undo_button_keeps_its_text_and_names_the_edit_in_its_tooltip(env, qtbot, open_window):
    w = open_window("mlp")
    fc1 = w.document.graph.node_by_label("fc1")
    w.document.push(SetParam(fc1.id, "out_features", 9))
    assert w.window_actions.undo.text() == "&Undo" and w.window_actions.undo.isEnabled()
    assert "out_features" in w.window_actions.undo.toolTip() or "fc1" in w.window_actions.undo.toolTip()
    w.window_actions.undo.trigger()
    assert w.window_actions.redo.text() == "&Redo" and "Ctrl+Y" in w.window_actions.redo.toolTip()


def test_broken_earlier_runs_in_a_session_are_a_message_not_a_crash(env, qtbot, open_window):
    w = open_window("mlp")
    w.workspace.set_runs([{"label": "run 1", "history": {"train/loss": {"steps": [1, 2], "values": [0.5]}}}])
    assert "Earlier runs not shown" in w.statusBar().currentMessage()
    assert "2 steps but 1 values" in w.statusBar().currentMessage()
    assert w.curves_view.previous_curves == [] and w.isVisible()


def test_the_viewport_is_kept_as_it_changes_and_comes_back_when_the_file_opens(env, qtbot, open_window):
    tmp_path, answers, _ = env
    w = open_window("mlp")
    w.canvas.zoom_by(1.6)
    w.canvas.centerOn(30.0, 40.0)
    zoom = w.canvas.zoom()
    assert w.workspace.ui_state["zoom"] == pytest.approx(zoom)  # recorded when it moved, not read at save
    answers["Save session as"] = str(tmp_path / "view.playground")
    assert w.file_ops.save()
    w.close()
    again = open_window()
    assert again.file_ops.open_path(str(tmp_path / "view.playground"))
    assert again.canvas.zoom() == pytest.approx(zoom)
    assert again.workspace.ui_state["zoom"] == pytest.approx(zoom)


def test_a_recovery_that_fails_says_why_and_can_be_discarded(env, qtbot, open_window):
    tmp_path, answers, asked = env
    w = open_window("mlp")
    w.document.push(SetParam(w.document.graph.node_by_label("fc1").id, "out_features", 5))
    crashed = Autosaver(w.file_ops.snapshot, folder=str(tmp_path / "state"))
    crashed.autosave_now()
    crashed._lock_file.close()  # the process "dies": lock released, marker and autosave stay
    Path(crashed.autosave_path).write_bytes(b"not a zip any more")  # the autosave got damaged
    answers["Unsaved changes"] = "Discard"
    w.close()
    w2 = open_window("mlp")
    answers["Recover unsaved work"] = "Recover"
    answers["Cannot recover"] = "Keep"
    assert not w2.file_ops.offer_recovery()
    failed = next(q for q in asked if q.title == "Cannot recover")
    assert "cannot be opened" in failed.text and "not a Neural Playground session" in failed.text
    assert find_recoverable()  # kept: still offered next time
    answers["Cannot recover"] = "Discard"
    assert not w2.file_ops.offer_recovery()
    assert not find_recoverable()  # discarded: never offered again


def test_the_experiments_menu_fills_when_first_opened(env, qtbot, open_window):
    from playground.experiments.registry import EXPERIMENTS

    w = open_window("mlp")
    menu = w.window_actions.experiments_menu
    assert menu in [a.menu() for a in w.menuBar().actions()]
    menu.popup(w.mapToGlobal(w.rect().center()))  # as a click on the menu bar opens it
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    names = {a.objectName() for a in menu.actions()}
    assert {f"experiment_{name}" for name in EXPERIMENTS} <= names
    assert all(a.toolTip() for a in menu.actions() if a.text())
    menu.hide()
