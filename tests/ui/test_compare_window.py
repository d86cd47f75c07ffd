"""The Compare Runs window with real widgets (offscreen) and real training on small settings."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from playground.experiments.compare import Comparison
from playground.session.fileformat import load_session, save_session
from playground.ui.compare.results_table import spread_text
from playground.ui.compare.window import CompareWindow
from playground.ui.views.boundary_view import BoundaryView

STEPS = 80


def _train_menu(window) -> QMenu:
    return next(a.menu() for a in window.menuBar().actions() if a.text() == "&Train")


@pytest.fixture
def compare(open_window, qtbot):
    window = open_window("mlp")
    window.workspace.choose_dataset("spirals", {**window.workspace.dataset_params, "n_samples": 200})
    action = next(a for a in _train_menu(window).actions() if a.objectName() == "action_compare_runs")
    action.trigger()
    win = window.compare_windows.windows[-1]
    assert isinstance(win, CompareWindow)
    qtbot.addWidget(win)
    win.seeds.setValue(3)
    win.steps.setValue(STEPS)
    return window, win


def _run(win, qtbot) -> None:
    assert win.start()
    qtbot.waitUntil(lambda: not win.is_running(), timeout=120_000)


def test_compare_trains_variants_draws_bands_and_a_table_equal_to_the_core(compare, qtbot, tmp_path):
    window, win = compare
    win.variants.add_button.click()
    win.variants.set_cell(2, 0, "narrow")
    win.variants.set_cell(2, 1, "fc1.out_features=4, lr=0.05")
    assert win.specs[2].changes == ["fc1.out_features=4", "lr=0.05"]
    _run(win, qtbot)
    results = win.comparison.results
    assert [r.name for r in results] == ["as it is", "lr × 3", "narrow"]
    # the bands: every seed's curve lies inside its variant's band, and the line is the mean
    assert len(win.band.bands) == 3
    for band, result in zip(win.band.bands, results, strict=True):
        # the plot's log axis: what is drawn is log10 of the losses
        low, high, mean = (10 ** item.getOriginalDataset()[1] for item in (band.low, band.high, band.mean))
        curves = result.curves()
        assert curves.shape == (3, STEPS)
        assert (low <= curves * (1 + 1e-9)).all() and (curves <= high * (1 + 1e-9)).all()
        assert np.allclose(mean, curves.mean(0))
        assert np.allclose(band.values[2], low) and np.allclose(band.values[3], high)
        assert isinstance(band.fill, type(band.fill)) and band.fill.curves == [band.low, band.high]
    win.band.log_y.setChecked(False)  # a linear axis draws the losses themselves
    for band, result in zip(win.band.bands, results, strict=True):
        low, high = band.low.getOriginalDataset()[1], band.high.getOriginalDataset()[1]
        assert (low <= result.curves()).all() and (result.curves() <= high).all()
    # the table: the core's numbers, one row per variant
    table = win.table
    assert table.rowCount() == 3
    for row, result in enumerate(results):
        assert table.item(row, table.column("Variant")).text() == result.name
        accuracy = result.final("val_accuracy")
        cell = table.item(row, table.column("Val accuracy"))
        assert cell.text() == spread_text(accuracy) and cell.data(Qt.ItemDataRole.UserRole) == accuracy["mean"]
        assert table.item(row, table.column("Params")).data(Qt.ItemDataRole.UserRole) == result.params
        assert table.item(row, table.column("MACs")).data(Qt.ItemDataRole.UserRole) == result.macs
        assert table.item(row, table.column("Time (s)")).text() == f"{result.seconds:.2f}"
    assert results[2].params < results[0].params
    table.sortItems(table.column("Params"), Qt.SortOrder.AscendingOrder)  # numbers sort as numbers
    assert table.item(0, table.column("Variant")).text() == "narrow"
    # saved with the session: the workspace holds the comparison, and it reopens in a new window
    assert window.workspace.variants == win.comparison.to_session()
    again = CompareWindow(window.workspace)
    qtbot.addWidget(again)
    assert again.table.rowCount() == 3 and [s.name for s in again.specs] == [r.name for r in results]
    assert np.array_equal(Comparison.from_session(window.workspace.variants).results[1].curves(),
                          results[1].curves())
    path = tmp_path / "compared.playground"
    save_session(window.workspace.to_session(), str(path))  # what File → Save writes
    assert load_session(str(path)).variants == window.workspace.variants
    # another piece of work comes in: the window shows its (empty) comparison
    blank = window.workspace.to_session()
    blank.variants = []
    window.workspace.load(blank, window.workspace.bundle)
    assert win.table.rowCount() == 0 and [s.name for s in win.specs] == ["as it is", "lr × 3"]


def test_two_runs_side_by_side_show_the_chosen_step(compare, qtbot):
    window, win = compare
    win.seeds.setValue(2)
    _run(win, qtbot)
    side = win.side
    win.tabs.setCurrentWidget(side)
    assert len(side.runs) == 4
    side.choose(("as it is", 0), ("lr × 3", 1))
    side.show_button.click()
    qtbot.waitUntil(lambda: len(side.shown) == 2, timeout=120_000)
    assert all(isinstance(v, BoundaryView) for v in side.views)
    assert side.slider.maximum() == STEPS
    for step in (STEPS, 30, 5):
        side.slider.setValue(step)
        for view, key in zip(side.views, side.shown, strict=True):
            recorded = side.records[key][0].snapshot_at("boundary", step)
            assert recorded is not None and recorded[0] <= step
            assert view.pinned_step == step and view.step == recorded[0]
        assert f"step {step}:" in side.step_label.text()
    # the two sides are different runs: their boundaries differ at the end
    side.slider.setValue(STEPS)
    left, right = (v.data["output"] for v in side.views)
    assert not np.allclose(left, right)
    assert "recorded as it is · seed 0 and lr × 3 · seed 1" in win.message.text()
    assert "differently" not in win.message.text()  # the replays are the compared runs
    # reopened from the session after the network was edited: the replay says it is not the same run
    graph = window.workspace.document.graph
    graph.set_param(graph.node_by_label("fc1").id, "out_features", 5)
    again = CompareWindow(window.workspace)
    qtbot.addWidget(again)
    again.side.choose(("as it is", 0), ("as it is", 1))
    again.side.request()
    qtbot.waitUntil(lambda: len(again.side.shown) == 2, timeout=120_000)
    assert "trained differently this time" in again.message.text()


def test_a_bad_variant_is_said_in_the_window_and_nothing_trains(compare, qtbot):
    window, win = compare
    win.variants.set_cell(1, 1, "data.noise=0.5")
    assert win.start()
    qtbot.waitUntil(lambda: not win.is_running(), timeout=60_000)
    assert "variant 'lr × 3'" in win.message.text() and "same data" in win.message.text()
    assert win.comparison.results == [] and window.workspace.variants == []


def test_stop_before_a_variant_finishes_keeps_the_last_comparison(compare, qtbot):
    window, win = compare
    win.seeds.setValue(1)
    win.steps.setValue(20)
    _run(win, qtbot)
    kept = window.workspace.variants
    assert len(kept) == 2
    win.steps.setValue(50_000)
    assert win.start()
    win.stop_button.click()
    qtbot.waitUntil(lambda: not win.is_running(), timeout=120_000)
    assert "not trained: as it is, lr × 3" in win.message.text()
    assert window.workspace.variants == kept and win.table.rowCount() == 2


def test_every_control_of_both_windows_has_a_name_and_a_tooltip(compare, qtbot):
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSlider,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QScrollBar,
        QTabBar,
    )

    from playground.ui.sweep_window import SweepWindow

    window, win = compare
    sweep = SweepWindow(window.workspace)
    qtbot.addWidget(sweep)
    missing, checked = [], 0
    for shown in (win, sweep):
        controls = [w for kind in (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit)
                    for w in shown.findChildren(kind)]
        for control in controls:
            part, internal = control, False
            while part is not None and part is not shown:
                # Qt's own parts: a spin box's editor, a table's corner button, a scroll bar
                internal |= part is not control and isinstance(part, (QComboBox, QAbstractSpinBox, QAbstractItemView, QTabBar))
                part = part.parentWidget()
            if internal or isinstance(control, QScrollBar) or control.objectName().startswith("qt_"):
                continue
            checked += 1
            name = QAccessible.queryAccessibleInterface(control).text(QAccessible.Text.Name)
            if not name or not control.toolTip():
                missing.append(f"{type(control).__name__} {name!r}")
    assert missing == [] and checked >= 20
