"""The window's layout as a person meets it: data, network, output and curves at once at
1600×1000, presets under View ▸ Layout, the output view following the task, the big loss
readout after real training, and the layout coming back on the next launch."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton

from playground.graph.spec import TaskSpec
from playground.graph.templates import make_template
from playground.ui.layout import (
    LAYOUT_VERSION,
    MAP_MIN_PX,
    MIN_VIEW_HEIGHT,
    apply_preset,
    output_view_name,
    view_key,
)
from playground.ui.readout import EMPTY, format_value
from playground.ui.views import ALL_VIEWS, CurvesView
from playground.ui.views.base import on_screen

SIZE = (1600, 1000)
HAS_CONFUSION = any(cls.__name__ == "ConfusionView" for cls in ALL_VIEWS)


def at_default_size(qtbot, w, template: str | None = None, preset: str = "Watch"):
    w.resize(*SIZE)
    if template:
        assert w.file_ops.load_template(template)
    apply_preset(w, preset)
    qtbot.wait(50)  # the deferred sizing, once the window has laid the docks out
    return w


def dock_of(w, class_name: str):
    return w.docks[view_key(class_name)]


def screen_rect(widget) -> QRect:
    return QRect(widget.mapTo(widget.window(), widget.rect().topLeft()), widget.size())


def assert_no_overlap(widgets) -> None:
    rects = [(name, screen_rect(wd)) for name, wd in widgets]
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            assert not ra.intersects(rb), f"{a} {ra} overlaps {b} {rb}"


def train(w, qtbot, steps: int) -> None:
    w.controller.step(steps)
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step == steps, timeout=60000)
    qtbot.waitUntil(lambda: w.controller.state == "paused", timeout=10000)
    qtbot.wait(100)  # a few ticks: the views and the readout pull the buffer


def test_the_output_view_is_chosen_from_the_task_and_the_graph():
    spirals = TaskSpec("classification", (2,), num_classes=2)
    plane = TaskSpec("regression", (2,), target_shape=(1,))
    reverse = TaskSpec("sequence", (8,), input_dtype="long", target_shape=(8,), num_classes=9, vocab_size=9)
    digits = TaskSpec("classification", (1, 8, 8), num_classes=10)
    images = TaskSpec("reconstruction", (1, 8, 8))
    series = TaskSpec("regression", (16,), target_shape=(1,))
    assert output_view_name(spirals, make_template("mlp")) == "BoundaryView"
    assert output_view_name(plane, make_template("mlp")) == "BoundaryView"  # the surface of a regression
    assert output_view_name(reverse, make_template("transformer")) == "AttentionView"
    assert output_view_name(digits, make_template("vit")) == "AttentionView"
    assert output_view_name(images, make_template("autoencoder")) == "ActivationsView"
    assert output_view_name(digits, make_template("lenet")) == "ConfusionView"
    assert output_view_name(series, make_template("mlp")) == "CurvesView"
    assert output_view_name(None, make_template("mlp")) == "CurvesView"


@pytest.mark.parametrize(("template", "output"), [
    ("mlp", "BoundaryView"),
    ("transformer", "AttentionView"),
    ("lenet", "ConfusionView" if HAS_CONFUSION else "ActivationsView"),
])
def test_data_network_output_and_curves_are_visible_at_once(env_window, qtbot, template, output):
    w = at_default_size(qtbot, env_window(), template)
    train(w, qtbot, 20)  # views with nothing to show may hide their plot: look at real data
    out, curves, setup = dock_of(w, output), dock_of(w, "CurvesView"), w.docks["setup"]
    assert w.dock_layout.output_key == view_key(output)
    for widget in (out, curves, setup, w.canvas, w.readout):
        assert on_screen(widget), widget.objectName()
    assert w.dataset_panel.preview.isVisible()  # (its plot covers it whole, so its own region is empty)
    assert w.setup_tabs.currentWidget().widget() is w.dataset_panel  # the data, not the training tab
    assert (w.width(), w.height()) == SIZE  # the minimum sizes fit: the window did not have to grow
    assert_no_overlap([("canvas", w.canvas), ("data", setup), ("output", out), ("curves", curves),
                       ("readout", w.docks["readout"]), ("blocks", w.docks["blocks"])])
    assert screen_rect(setup).right() < screen_rect(w.canvas).left() < screen_rect(w.canvas).right() \
        < screen_rect(out).left()  # data left, network middle, output right
    assert screen_rect(out).bottom() < screen_rect(curves).top()  # the output above the curves
    assert w.canvas.width() >= 500 and w.dataset_panel.preview.height() >= 180
    for dock in (out, curves):
        assert dock.widget().height() >= MIN_VIEW_HEIGHT[output if dock is out else "CurvesView"]
    if output in ("BoundaryView", "AttentionView"):
        box = out.widget().plot.vb
        assert min(box.width(), box.height()) >= MAP_MIN_PX


def test_presets_switch_from_the_view_menu(env_window, qtbot):
    w = at_default_size(qtbot, env_window(), "mlp")
    actions = w.dock_layout.actions
    assert list(actions) == ["Watch", "Build", "All views"] and actions["Watch"].isChecked()
    assert all(a.toolTip() for a in actions.values())
    actions["Build"].trigger()
    qtbot.wait(50)
    assert w.dock_layout.preset == "Build" and actions["Build"].isChecked()
    for key in ("blocks", "inspector", "setup", "readout"):
        assert on_screen(w.docks[key]), key
    assert not any(on_screen(dock) for dock, _ in w.views)
    assert w.canvas.width() >= 800  # building: the network gets the room
    actions["All views"].trigger()
    qtbot.wait(50)
    views = [(view.title, dock) for dock, view in w.views]
    assert all(on_screen(dock) for _, dock in views)  # side by side, none tabbed behind another
    assert_no_overlap([*views, ("canvas", w.canvas)])
    for _dock, view in w.views:
        assert view.height() >= MIN_VIEW_HEIGHT.get(type(view).__name__, 0), view.title
    assert (w.width(), w.height()) == SIZE
    box = dock_of(w, "BoundaryView").widget().plot.vb
    assert min(box.width(), box.height()) >= MAP_MIN_PX
    actions["Watch"].trigger()
    qtbot.wait(50)
    assert on_screen(dock_of(w, "BoundaryView")) and not on_screen(dock_of(w, "HistogramView"))
    with pytest.raises(ValueError, match="Watch, Build, All views"):
        apply_preset(w, "Everything")


def test_the_readout_shows_the_latest_recorded_numbers_and_their_steps(env_window, qtbot):
    w = at_default_size(qtbot, env_window(), "mlp")
    readout = w.readout
    assert readout.text_of("train/loss") == ("—", EMPTY)
    assert readout.text_of("val/accuracy") == ("—", EMPTY)
    train(w, qtbot, 30)
    buffer = w.controller.buffer
    for name in ("train/loss", "val/loss", "train/accuracy", "val/accuracy"):
        steps, values = buffer.series(name)
        assert steps.size, name
        assert readout.text_of(name) == (format_value(name, values[-1]), f"at step {int(steps[-1]):,}")
    assert readout.text_of("train/loss")[1] == "at step 30"
    assert readout.text_of("val/accuracy")[0].endswith("%")
    readout.show_step(10)  # the timeline pins a step: the values recorded at or before it
    steps, values = buffer.series("train/loss")
    assert readout.text_of("train/loss") == (format_value("train/loss", values[steps <= 10][-1]), "at step 10")
    readout.show_step(None)
    assert readout.text_of("train/loss")[1] == "at step 30"


def test_the_output_view_follows_the_loaded_task_until_the_person_moves_docks(env_window, qtbot):
    w = at_default_size(qtbot, env_window(), "mlp")
    boundary, attention = dock_of(w, "BoundaryView"), dock_of(w, "AttentionView")
    assert on_screen(boundary) and not on_screen(attention)
    assert w.file_ops.load_template("transformer")
    qtbot.wait(50)
    assert on_screen(attention) and not on_screen(boundary)
    assert screen_rect(attention).bottom() < screen_rect(dock_of(w, "CurvesView")).top()
    histograms = dock_of(w, "HistogramView")
    histograms.toggleViewAction().trigger()  # the person opens a view themselves: their layout now
    assert w.dock_layout.custom and not w.dock_layout.actions["Watch"].isChecked()
    assert w.file_ops.load_template("mlp")
    qtbot.wait(50)
    assert on_screen(attention) and not on_screen(boundary)  # nothing moved under their hands
    apply_preset(w, "Watch")  # choosing a preset again: it follows the task once more
    qtbot.wait(50)
    assert on_screen(boundary) and not on_screen(attention) and not w.dock_layout.custom


def test_the_layout_comes_back_on_the_next_launch(env_window, qtbot):
    w = at_default_size(qtbot, env_window(), "mlp", preset="All views")
    w.close()
    again = env_window()
    assert again.dock_layout.preset == "All views" and not again.dock_layout.custom
    assert all(on_screen(dock) for dock, _ in again.views)
    histograms = dock_of(again, "HistogramView")
    float_button = histograms.findChild(QAbstractButton, "qt_dockwidget_floatbutton")
    float_button.click()  # the person pulls a view out of the window
    assert histograms.isFloating() and again.dock_layout.custom
    again.close()
    third = env_window()
    assert third.dock_layout.custom and dock_of(third, "HistogramView").isFloating()
    assert third.file_ops.load_template("transformer")
    assert dock_of(third, "HistogramView").isFloating()  # their own layout stays as they left it


def test_a_layout_saved_by_an_older_version_gives_the_new_default(env_window, qtbot):
    w = env_window("mlp")
    for dock, _view in w.views[1:]:
        w.tabifyDockWidget(w.views[0][0], dock)  # the old layout: every view tabbed in one place
    w.close()
    w.settings.setValue("main_window/state", w.saveState(LAYOUT_VERSION - 1))  # as version 1 wrote it
    w.settings.remove("main_window/preset")
    w.settings.sync()
    again = env_window("mlp")
    assert again.dock_layout.preset == "Watch" and not again.dock_layout.custom
    assert on_screen(dock_of(again, "BoundaryView")) and on_screen(dock_of(again, "CurvesView"))


@pytest.fixture
def env_window(open_window):
    return open_window


def test_all_views_fits_the_window_once_data_arrives_and_tabs_what_a_small_screen_cannot_hold(env_window, qtbot):
    w = at_default_size(qtbot, env_window(), "transformer", preset="All views")
    train(w, qtbot, 20)  # the views' controls now name blocks and parameters: they got wider
    assert (w.width(), w.height()) == SIZE
    assert all(on_screen(dock) for dock, _ in w.views)
    apply_preset(w, "Build")  # a smaller window (e.g. a 1280 px screen) that then asks for every view
    w.resize(1200, 1000)
    qtbot.waitUntil(lambda: w.width() == 1200, timeout=2000)
    apply_preset(w, "All views")
    qtbot.wait(50)
    assert w.width() == 1200  # not widened past the screen for the views' sake
    _top, _bottom, tabbed = w.dock_layout.grid_rows()
    assert tabbed and all(w.docks[key].isVisible() for key in tabbed)  # a tab away, not closed
    assert not any(on_screen(w.docks[key]) for key in tabbed)
    assert on_screen(dock_of(w, "AttentionView"))  # the output view keeps its place


@pytest.mark.parametrize("size", [(1024, 700), (800, 600)])
def test_on_a_small_screen_watch_keeps_the_canvas_usable_and_every_panel_reachable(qtbot, open_window, size):
    from playground.ui.layout import CANVAS_MIN

    w = open_window()
    w.resize(*size)
    assert w.file_ops.load_template("mlp")
    apply_preset(w, "Watch")
    qtbot.wait(100)
    assert w.width() == size[0]
    assert w.canvas.width() >= CANVAS_MIN
    out, curves = dock_of(w, "BoundaryView"), dock_of(w, "CurvesView")
    assert on_screen(out) and on_screen(w.docks["readout"]) and on_screen(curves)
    box = out.widget().plot.vb
    # the map keeps its readable size (once the plot has laid itself out in the dock)
    qtbot.waitUntil(lambda: min(box.width(), box.height()) >= MAP_MIN_PX, timeout=3000)
    for key in ("setup", "blocks", "inspector"):  # shown, or a tab to click
        dock = w.docks[key]
        assert dock.isVisible() and not dock.isFloating()
        dock.raise_()
        qtbot.waitUntil(lambda d=dock: on_screen(d), timeout=2000)
    if size[0] < 1000:  # no room for a left column: the panels are tabs behind the curves
        assert set(w.tabifiedDockWidgets(curves)) >= {w.docks["setup"], w.docks["blocks"], w.docks["inspector"]}
    w.resize(*SIZE)  # a larger window: the untouched Watch layout has its left column again
    qtbot.waitUntil(lambda: not w.tabifiedDockWidgets(curves), timeout=3000)
    qtbot.wait(100)
    assert on_screen(w.docks["setup"]) and on_screen(curves) and w.dock_layout.actions["Watch"].isChecked()
    assert w.canvas.width() > 600


def test_in_watch_every_curves_plot_fits_inside_its_dock(qtbot, open_window):
    w = at_default_size(qtbot, open_window(), "mlp")
    train(w, qtbot, 30)
    curves = w.view_of(CurvesView)
    qtbot.waitUntil(lambda: curves.draw_count > 0, timeout=5000)
    qtbot.wait(100)
    viewport = curves.graphics.viewport().rect()
    assert curves.shown_plots == ("loss", "accuracy", "lr")
    for key in curves.shown_plots:
        plot = curves.plot_items[key]
        rect = curves.graphics.mapFromScene(plot.mapRectToScene(plot.boundingRect())).boundingRect()
        assert viewport.contains(rect), f"the {key} plot {rect} is cut off by the dock's edge {viewport}"


def test_numbers_changing_while_training_do_not_lay_the_window_out_again(env_window, qtbot):
    """The readout, the timeline and the status bar change many times a second while training: a
    new number that fits its room repaints its label, not the whole window (each new layout of the
    main window laid out and repainted every dock), and a longer one still shows whole."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    w = at_default_size(qtbot, env_window(), "mlp")
    train(w, qtbot, 30)

    class Layouts(QObject):
        count = 0

        def eventFilter(self, watched, event):
            if watched is w and event.type() == QEvent.Type.LayoutRequest:
                Layouts.count += 1
            return False

    cell = w.readout.cells["train/loss"]
    cell.show_point((8888, 0.8888), True)  # the room these numbers need (a label grows once)
    w.status_widget.show_status({"state": "running", "step": 8888, "epoch": 8, "device": "cpu"})
    qtbot.wait(100)  # that growth's layout passes up the docks to the window, one event at a time
    counter = Layouts()
    w.installEventFilter(counter)
    for i in range(40):
        cell.show_point((1000 + i, 0.6931 - i / 1000), True)
        w.status_widget.show_status({"state": "running", "step": 1000 + i, "epoch": 3, "device": "cpu"})
        QApplication.processEvents()
    assert Layouts.count == 0
    assert w.readout.text_of("train/loss") == ("0.6541", "at step 1,039")
    cell.show_point((1_000_000, -12345.678), True)  # wider than anything before: the label grows to show it
    QApplication.processEvents()
    for label in (cell.number, cell.where, w.status_widget.step_label):
        assert label.contentsRect().width() >= label.fontMetrics().horizontalAdvance(label.text())
