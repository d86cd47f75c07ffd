"""File ▸ Open Example with real widgets: a story session, not a template, opened untitled and
untrained, its story in a card that leaves the keyboard to the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.graph.templates import TEMPLATES
from playground.workspace.examples import EXAMPLES, load_example


def example_action(w, name: str):
    return next(a for a in w.window_actions.examples_menu.actions() if a.objectName() == f"example_{name}")


def test_the_menu_lists_the_examples_with_their_descriptions_not_the_templates(answers, open_window):
    w = open_window()
    actions = w.window_actions.examples_menu.actions()
    assert [a.text() for a in actions] == [e.title for e in EXAMPLES.values()]
    assert [a.toolTip() for a in actions] == [e.summary for e in EXAMPLES.values()]
    assert not {a.text() for a in actions} & {t.title for t in TEMPLATES.values()}
    file_menu = w.menuBar().actions()[0].menu()
    assert "Open &Example" in [a.text() for a in file_menu.actions()]


def without_positions(graph) -> dict:
    data = graph.to_dict()
    data["nodes"] = [{k: v for k, v in node.items() if k != "pos"} for node in data["nodes"]]
    return data


def test_an_example_opens_untrained_with_its_story_and_trains_on_space(answers, qtbot, open_window):
    w = open_window("mlp")
    w.resize(1600, 1000)  # the default size on a real screen (the offscreen one is 800 px)
    qtbot.wait(50)
    example_action(w, "transformer_reverse").trigger()
    shipped = load_example("transformer_reverse")
    assert without_positions(w.document.graph) == without_positions(shipped.graph)  # the canvas may wrap it onto rows
    assert w.workspace.path is None and not w.isWindowModified()  # Save never writes over the shipped file
    assert w.controller.state == "idle"
    card = w.window_actions.examples.card
    assert card.isVisible() and card.text.text() == EXAMPLES["transformer_reverse"].story
    assert card.title.text() == EXAMPLES["transformer_reverse"].title
    assert w.canvas.geometry().contains(card.geometry().center())
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    QTest.keyClick(QApplication.focusWidget() or w.canvas, Qt.Key.Key_Space)  # the story does not take Space
    qtbot.waitUntil(lambda: w.controller.trainer is not None and w.controller.trainer.step > 0, timeout=20000)
    w.window_actions.stop.trigger()


def test_the_story_can_be_closed_and_shown_again_and_leaves_with_the_example(answers, open_window):
    w = open_window()
    example_action(w, "autoencoder").trigger()
    card = w.window_actions.examples.card
    card.button_widgets["Close"].click()
    assert not card.isVisible()
    help_menu = w.window_actions.help
    help_menu.menu.aboutToShow.emit()
    assert help_menu.story.isEnabled()
    help_menu.story.trigger()
    assert card.isVisible() and "8 numbers" in card.text.text()
    w.window_actions.template_menu.actions()[0].trigger()  # a template has no story
    assert not card.isVisible()
    help_menu.menu.aboutToShow.emit()
    assert not help_menu.story.isEnabled()


def test_opening_an_example_over_unsaved_work_asks_first(answers, asked, open_window):
    w = open_window("mlp")
    w.workspace.mark_modified()
    answers["Unsaved changes"] = "Cancel"
    example_action(w, "lenet_digits").trigger()
    assert asked[-1].title == "Unsaved changes"
    assert w.dataset_panel.bundle.name == "spirals"  # nothing changed
