"""Analyze > Find learning rate…: the range test runs on a worker thread on a copy of the
network, shows the loss against the rate on a log axis with the suggestion marked, and one
click sets the suggested rate; the network's weights are untouched."""

from __future__ import annotations

import math

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction


def _trained(open_window, qtbot):
    window = open_window("mlp")
    window.workspace.update_config(pace="fastest", until_stopped=False, epochs=30, lr=0.05)
    assert window.controller.start()
    qtbot.waitUntil(lambda: window.controller.state == "finished" and not window.controller.is_running(),
                    timeout=60_000)
    return window


def test_the_sweep_shows_its_curve_and_sets_the_suggested_rate_leaving_the_weights_alone(open_window, qtbot):
    window = _trained(open_window, qtbot)
    trainer = window.controller.trainer
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    history = window.controller.buffer.series("train/loss")[1].copy()
    window.findChild(QAction, "find_learning_rate").trigger()
    dialog = window.lr_finder
    assert dialog.isVisible() and dialog.isModal()
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.is_running() or dialog.sweep is not None
    qtbot.waitUntil(lambda: dialog.sweep is not None, timeout=60_000)
    sweep = dialog.sweep
    xs, ys = dialog.curve.getOriginalDataset()
    assert list(xs) == pytest.approx(sweep.lrs) and list(ys) == pytest.approx(sweep.losses)
    assert len(sweep.lrs) >= 20 and dialog.plot.getPlotItem().ctrl.logXCheck.isChecked()
    assert sweep.lrs[0] <= sweep.suggested <= sweep.lrs[-1]
    assert dialog.marker.isVisible() and dialog.marker.value() == pytest.approx(math.log10(sweep.suggested))
    assert "Suggested learning rate" in dialog.result_label.text()
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert window.workspace.config.lr == pytest.approx(sweep.suggested, rel=1e-2)
    assert window.workspace.config.lr != 0.05 and trainer.config.lr == window.workspace.config.lr
    after = trainer.model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in before.items())  # the network itself is untouched
    assert all(torch.equal(v, window.workspace.training.weights[k]) for k, v in before.items())
    assert list(window.controller.buffer.series("train/loss")[1]) == list(history)  # and so is its record
    dialog.close()


def test_a_sweep_that_does_not_grow_is_refused_inline(open_window, qtbot):
    window = open_window("mlp")
    window.findChild(QAction, "find_learning_rate").trigger()
    dialog = window.lr_finder
    dialog.start.setValue(0.5)
    dialog.end.setValue(0.1)
    assert not dialog.run_sweep()
    assert "must be below" in dialog.result_label.text() and not dialog.use_button.isEnabled()
    assert not dialog.use_suggested() and window.workspace.config.lr != 0.5
    dialog.close()
