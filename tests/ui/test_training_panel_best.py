"""The Training panel's best-checkpoint metric and early-stopping patience, a real run in the
window that stops early, Analyze > Restore best checkpoint (and its undo), and the best saved
with the session from the app."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction

from playground.analysis.evaluation import Evaluator
from playground.session import load_session
from playground.ui.training_panel import TrainingPanel
from playground.workspace import Workspace


def test_the_fields_edit_the_config_and_follow_it(qtbot):
    workspace = Workspace()
    panel = TrainingPanel(workspace)
    qtbot.addWidget(panel)
    assert panel.patience.text() == "off" and panel.best_metric.currentData() == "auto"
    panel.patience.setValue(4)
    assert workspace.config.patience == 4
    panel.best_metric.setCurrentIndex(panel.best_metric.findData("val_loss"))
    assert workspace.config.best_metric == "val_loss"
    workspace.update_config(patience=0, best_metric="val_acc")
    assert panel.patience.value() == 0 and panel.best_metric.currentData() == "val_acc"
    for widget in (panel.patience, panel.best_metric):
        assert widget.accessibleName() and widget.toolTip()


def _trained_window(open_window, qtbot, **config):
    window = open_window("mlp")
    window.workspace.update_config(pace="fastest", until_stopped=False, **config)
    assert window.controller.start()
    qtbot.waitUntil(lambda: window.controller.state in ("stopped", "finished") and not window.controller.is_running(),
                    timeout=60_000)
    return window


def test_a_run_in_the_window_stops_early_and_says_where_and_why(open_window, qtbot, tmp_path):
    window = _trained_window(open_window, qtbot, epochs=3000, patience=3)
    trainer = window.controller.trainer
    assert trainer.state == "stopped" and trainer.step < 3000
    qtbot.waitUntil(lambda: "Early stop at step" in window.status_widget.currentMessage()
                    or "Early stop" in str(window.controller.buffer.status().get("message")), timeout=5000)
    assert window.controller.buffer.status()["message"].startswith(f"Early stop at step {trainer.step}: 3 validations")
    # saved and reopened from the app: the config's patience and the best checkpoint are kept
    path = str(tmp_path / "stopped.playground")
    assert window.file_ops.save_to(path)
    reopened = load_session(path)
    assert reopened.config.patience == 3
    assert reopened.best is not None and reopened.best["step"] == trainer.best["step"]
    assert reopened.best["value"] == pytest.approx(trainer.best["value"])


def test_restore_best_is_one_click_says_what_it_restored_and_can_be_undone(open_window, qtbot):
    window = _trained_window(open_window, qtbot, epochs=400, best_metric="val_acc")
    trainer = window.controller.trainer
    best = trainer.best
    assert best["metric"] == "val/accuracy" and best["step"] < 400  # the spiral's accuracy tops out early
    last = Evaluator(trainer.model, trainer.bundle).score().loss
    restore = window.findChild(QAction, "restore_best")
    undo = window.findChild(QAction, "undo_restore_best")
    window.best_checkpoint.refresh()
    assert f"at step {best['step']}" in restore.text() and not undo.isEnabled()
    restore.trigger()
    restored = Evaluator(trainer.model, trainer.bundle).score()
    assert restored.accuracy == pytest.approx(best["value"]) and restored.loss != pytest.approx(last)
    message = window.status_widget.currentMessage()
    assert message.startswith("Restored the best weights: validation accuracy") and f"at step {best['step']}" in message
    assert window.workspace.is_modified() and undo.isEnabled()
    undo.trigger()
    assert Evaluator(trainer.model, trainer.bundle).score().loss == pytest.approx(last, rel=1e-6)
    assert not undo.isEnabled()


def test_restore_best_without_a_run_says_so(open_window):
    window = open_window("mlp")
    assert not window.best_checkpoint.restore_best()
    assert window.status_widget.currentMessage().startswith("No best checkpoint yet")
