"""Analyze ▸ Prune… on a really trained network: bad settings are refused inline with nothing
changed, an iterative run draws the metric against sparsity round by round, and the applied
masks hold in the workspace, in training and in the saved file (issue 14)."""

from __future__ import annotations

import pytest
import torch
from lesion_sessions import trained_path

from playground.session import load_session
from playground.ui.lesions.prune_dialog import PruneDialog


def _dialog(open_window, qtbot):
    window = open_window()
    assert window.file_ops.open_path(trained_path("mlp"))
    menu = next(a.menu() for a in window.menuBar().actions() if a.menu() is not None
                and a.menu().objectName() == "analyze_menu")
    next(a for a in menu.actions() if a.objectName() == "action_prune").trigger()
    dialog = window.findChild(PruneDialog)
    assert dialog is not None and dialog.isVisible()
    return window, dialog


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sparsity", "1.2", "sparsity must be at least 0 and below 1"),
    ("sparsity", "-0.1", "sparsity must be at least 0 and below 1"),
    ("sparsity", "lots", "sparsity must be a number"),
    ("rewind", 5000, "rewind step 5000 is past the recorded ones: this session was trained for 300 steps"),
])
def test_bad_settings_are_refused_inline_and_nothing_changes(open_window, qtbot, field, value, message):
    window, dialog = _dialog(open_window, qtbot)
    weights = {k: v.clone() for k, v in window.controller.weights().items()}
    if field == "sparsity":
        dialog.sparsity.setText(value)
    else:
        dialog.rewind.setCurrentIndex(2)
        dialog.rewind_step.setValue(value)
    assert not dialog.run()
    assert message in dialog.message.text()
    assert not dialog.job.is_running() and dialog.outcome is None and not dialog.apply_button.isEnabled()
    assert window.workspace.masks is None and not window.workspace.is_modified()
    assert all(torch.equal(weights[k], v) for k, v in window.controller.weights().items())


def test_iterative_pruning_draws_the_curve_and_the_applied_masks_are_kept(open_window, qtbot, tmp_path):
    window, dialog = _dialog(open_window, qtbot)
    dense = {k: v.clone() for k, v in window.controller.weights().items()}
    dialog.sparsity.setText("0.8")
    dialog.rounds.setValue(3)
    dialog.steps.setValue(30)
    assert dialog.run()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=120_000)
    curve = dialog.outcome.curve
    assert [p.round for p in curve] == [0, 1, 2, 3]
    sparsities = [p.sparsity for p in curve]
    assert sparsities == sorted(sparsities) and sparsities[0] == 0.0
    assert sparsities[-1] == pytest.approx(0.8, abs=0.01)
    xs, ys = dialog.line.getData()
    assert list(xs) == sparsities and list(ys) == [p.value for p in curve]  # the chart shows every round
    assert "dense" in dialog.message.text() and "80% sparsity" in dialog.message.text()
    assert window.workspace.masks is None  # nothing applied before the confirmation
    assert all(torch.equal(dense[k], v) for k, v in window.controller.weights().items())

    assert dialog.apply()
    masks = window.workspace.masks
    assert masks is not None and set(masks) == set(dialog.outcome.session.masks)
    weights = window.controller.weights()
    assert all(torch.all(weights[k][~m] == 0) for k, m in masks.items())
    assert window.workspace.is_modified()
    qtbot.waitUntil(lambda: window.readout.text_of("val/accuracy")[0] != "—", timeout=3000)

    window.workspace.update_config(epochs=400)  # the run had reached its 300
    start = window.controller.trainer.step
    assert window.controller.step(5)  # training holds the mask fixed
    qtbot.waitUntil(lambda: window.controller.trainer.step == start + 5 and window.controller.state == "paused",
                    timeout=60_000)
    trained = window.controller.weights()
    assert all(torch.all(trained[k][~m] == 0) for k, m in masks.items())
    path = str(tmp_path / "pruned.playground")
    assert window.file_ops.save_to(path)
    saved = load_session(path)
    assert saved.masks is not None and all(torch.equal(saved.masks[k], m) for k, m in masks.items())
    again = open_window()
    assert again.file_ops.open_path(path)
    assert again.workspace.masks is not None
    assert all(torch.equal(again.workspace.masks[k], m) for k, m in masks.items())

    dialog.restore()  # the dense network comes back in the first window
    assert window.workspace.masks is None
    assert all(torch.equal(dense[k], v) for k, v in window.controller.weights().items())
