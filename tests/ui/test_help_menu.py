"""Help menu with real widgets: the tour (steps, skip, offered once), the views' descriptions,
the shortcuts table made from the real actions, and the About box's versions."""

from __future__ import annotations

import platform

import pyqtgraph
import PySide6
import torch
from PySide6.QtCore import QSettings, Qt, qVersion
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground import __version__
from playground.ui.help import TOUR_STEPS, tour_dismissed
from playground.ui.help.about import AboutDialog
from playground.ui.help.shortcuts import ShortcutsDialog
from playground.ui.help.views_help import VIEW_DESCRIPTIONS, ViewsDialog
from playground.ui.views import ALL_VIEWS


def grab(answers, title: str) -> list:
    """Dialogs with ``title`` are kept (and closed as a person would, with Close)."""
    seen: list = []

    def answer(question):
        seen.append(question.widget)
        return "Cancel"

    answers[title] = answer
    return seen


def help_action(w, name: str):
    return next(a for a in w.window_actions.help.menu.actions() if a.objectName() == f"action_help_{name}")


def test_the_help_menu_is_last_and_has_the_tour_views_shortcuts_and_about(answers, open_window):
    w = open_window("mlp")
    assert [a.text() for a in w.menuBar().actions()][-1] == "&Help"
    texts = [a.text() for a in w.window_actions.help.menu.actions() if a.text()]
    assert texts == ["Take the &Tour", "About the &Views…", "&Keyboard Shortcuts…", "Example &Story",
                     "&About Neural Playground…"]
    assert all(a.toolTip() for a in w.window_actions.help.menu.actions() if a.text())


def test_about_lists_the_versions_the_app_really_runs_on(answers, open_window):
    w = open_window()
    seen = grab(answers, "About Neural Playground")
    help_action(w, "about_neural_playground").trigger()
    (dialog,) = seen
    assert isinstance(dialog, AboutDialog)
    text = dialog.table.text()
    for version in (__version__, platform.python_version(), torch.__version__, qVersion(), PySide6.__version__,
                    pyqtgraph.__version__):
        assert version in text
    dialog.copy_versions()
    assert f"PyTorch: {torch.__version__}" in QApplication.clipboard().text()


def test_the_shortcuts_table_follows_the_real_actions(answers, open_window):
    w = open_window("mlp")
    seen = grab(answers, "Keyboard Shortcuts")
    w.window_actions.fit.setShortcut(QKeySequence("Ctrl+Shift+F"))  # a change in the actions...
    help_action(w, "keyboard_shortcuts").trigger()
    (dialog,) = seen
    assert isinstance(dialog, ShortcutsDialog)
    rows = {(r.command, r.keys) for r in dialog.rows}
    assert ("Fit View", "Ctrl+Shift+F") in rows and ("Fit View", "F") not in rows  # ...is in the table
    assert ("Start", "Space") in rows and ("Save", "Ctrl+S") in rows and ("Export", "Ctrl+E") in rows
    assert ("Take the Tour", "F1") in rows
    assert dialog.table.rowCount() == len(dialog.rows)
    menus = {r.command: r.menu for r in dialog.rows}
    assert menus["Undo"] == "Edit" and menus["Start"] == "Train" and menus["Export"] == "File"


def test_every_view_has_a_description_and_the_dialog_brings_its_panel_forward(answers, qtbot, open_window):
    assert {cls.__name__ for cls in ALL_VIEWS} <= set(VIEW_DESCRIPTIONS)
    w = open_window("mlp")
    seen = grab(answers, "About the Views")
    help_action(w, "about_the_views").trigger()
    (dialog,) = seen
    assert isinstance(dialog, ViewsDialog)
    assert dialog.list.count() == len(w.views)
    dock, _view = w.views[-1]
    dialog.list.setCurrentRow(len(w.views) - 1)
    assert dialog.text.toPlainText() == VIEW_DESCRIPTIONS[ALL_VIEWS[-1].__name__]  # described before it is built
    dialog.bring_forward()
    qtbot.waitUntil(lambda: dock.isVisible() and not dock.visibleRegion().isEmpty(), timeout=2000)


def test_the_tour_points_at_each_part_and_can_be_walked_with_the_keyboard(answers, qtbot, open_window):
    w = open_window("mlp")
    tour = w.window_actions.help.tour
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    help_action(w, "take_the_tour").trigger()
    assert tour.step.key == "welcome" and tour.card.isVisible()
    QTest.keyClick(tour.card.button_widgets["Start the Tour"], Qt.Key.Key_Space)  # the focused button
    pointed = {}
    while tour.step is not None and tour.step.key != TOUR_STEPS[-1].key:
        rect = tour.target_rect()
        assert rect is not None and w.rect().intersects(rect), tour.step.key
        assert tour.highlight.isVisible() and tour.highlight.target == rect
        assert not tour.card.geometry().intersects(rect.adjusted(8, 8, -8, -8)) or tour.step.key == "canvas"
        pointed[tour.step.key] = rect
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # focus is on Next: Return goes on
    assert set(pointed) == {"palette", "canvas", "dataset", "train"}
    assert tour.target_rect() is not None  # the views
    tour.card.button_widgets["Back"].click()
    assert tour.step.key == "train"
    tour.card.button_widgets["Next"].click()
    tour.card.button_widgets["Done"].click()
    assert tour.step is None and not tour.card.isVisible() and not tour.highlight.isVisible()
    assert tour_dismissed(w.settings)


def test_the_tour_is_offered_once_and_never_again_after_it_is_dismissed(answers, qtbot, open_window, tmp_path):
    w = open_window("mlp")
    help_menu = w.window_actions.help
    assert help_menu.offer_tour()
    assert help_menu.tour.step.key == "welcome" and help_menu.tour.card.isVisible()
    assert not help_menu.tour.card.isAncestorOf(w.focusWidget())  # the offer does not take the keyboard
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    QTest.keyClick(w.focusWidget() or w, Qt.Key.Key_Escape)  # skipped
    assert help_menu.tour.step is None
    w.close()
    again = open_window("mlp")  # the same settings file: a second launch
    assert tour_dismissed(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert not again.window_actions.help.offer_tour() and not again.window_actions.help.tour.card.isVisible()
    help_action(again, "take_the_tour").trigger()  # still there on demand
    assert again.window_actions.help.tour.card.isVisible()


def test_scripts_that_suppress_prompts_never_see_the_tour(qtbot, tmp_path):
    from playground.ui.main_window import MainWindow

    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), autosave=False)
    qtbot.addWidget(w)
    w.show()
    assert not w.window_actions.help.offer_tour()  # PLAYGROUND_NO_AUTOSAVE_PROMPT=1 in the test run
