"""The Sweep window with real widgets (offscreen) and a real, small sweep."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground.ui.compare.results_table import mean_std_text
from playground.ui.sweep_window import SweepWindow


@pytest.fixture
def sweep(open_window, qtbot):
    window = open_window("mlp")
    window.workspace.choose_dataset("spirals", {**window.workspace.dataset_params, "n_samples": 200})
    train = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Train")
    next(a for a in train.actions() if a.objectName() == "action_sweep").trigger()
    win = window.compare_windows.windows[-1]
    assert isinstance(win, SweepWindow)
    qtbot.addWidget(win)
    win.seeds.setValue(2)
    win.steps.setValue(60)
    return win


def test_a_sweep_fills_the_table_and_the_scatter(sweep, qtbot):
    sweep.grid_text.setPlainText("lr=0.003,0.03,0.3\nfc1.out_features=4,8")
    assert sweep.start()
    qtbot.waitUntil(lambda: not sweep.job.is_running() and sweep.result is not None, timeout=120_000)
    result = sweep.result
    assert len(result.rows) == 12 and not result.skipped
    table = sweep.table
    summary = result.summary()
    assert table.rowCount() == 6
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    acc = headers.index("validation accuracy")
    for row, entry in enumerate(summary):
        assert table.item(row, 0).data(Qt.ItemDataRole.UserRole) == entry["lr"]
        assert table.item(row, 1).data(Qt.ItemDataRole.UserRole) == entry["fc1.out_features"]
        assert table.item(row, acc).data(Qt.ItemDataRole.UserRole) == entry["val_accuracy"]
        assert table.item(row, acc).text() == mean_std_text(entry["val_accuracy"], entry["val_accuracy_std"])
    table.sortItems(acc, Qt.SortOrder.DescendingOrder)
    ranked = [table.item(r, acc).data(Qt.ItemDataRole.UserRole) for r in range(6)]
    assert ranked == sorted((e["val_accuracy"] for e in summary), reverse=True)
    # the scatter: accuracy against lr on a log axis, a dot per run, the mean per lr joined
    assert sweep.parameter.currentText() == "lr" and sweep.log_x.isChecked()
    x, y, mean_x, mean_y = sweep.points()
    assert len(x) == 12 and list(mean_x) == [0.003, 0.03, 0.3]
    for value, mean in zip(mean_x, mean_y, strict=True):
        runs = [r.val_accuracy for r in result.rows if r.settings["lr"] == value]
        assert math.isclose(mean, float(np.mean(runs)))
    drawn_x, drawn_y = sweep.mean_item.getOriginalDataset()
    assert np.allclose(drawn_x, mean_x) and np.allclose(drawn_y, mean_y)
    assert sweep.plot.ctrl.logXCheck.isChecked()
    # another parameter and metric: a linear axis, the loss
    sweep.parameter.setCurrentText("fc1.out_features")
    sweep.metric_choice.setCurrentIndex(sweep.metric_choice.findData("val_loss"))
    assert not sweep.log_x.isChecked()
    x, y, mean_x, _ = sweep.points()
    assert list(mean_x) == [4.0, 8.0] and np.allclose(sorted(y), sorted(r.val_loss for r in result.rows))


@pytest.mark.parametrize(("grid", "says"), [
    ("lr", "expected KEY=V1"),
    ("fcX.out_features=3,4", "no block called 'fcX'"),
    ("lr=-1,0.1", "lr"),
    ("", "at least one grid line"),
    ("lr=0.1\nlr=0.2", "given twice"),
])
def test_a_bad_grid_is_said_inline_and_nothing_trains(sweep, grid, says):
    sweep.grid_text.setPlainText(grid)
    assert not sweep.start()
    assert says in sweep.message.text() and not sweep.job.is_running() and sweep.result is None
