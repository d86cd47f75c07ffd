"""Lesions in the app, on a really trained network opened from its file: the block's right-click
menu makes them (a refusal says why, in the menu), the badge says what is lesioned, one record
pass puts the lesioned network's validation numbers in the readout and its boundary in the
views, Ctrl+Z puts the network back, and the lesions are saved with the session (issue 14)."""

from __future__ import annotations

import numpy as np
from lesion_sessions import trained_path
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from playground.analysis.evaluation import Evaluator, trained_model
from playground.analysis.lesions import Lesion, apply_lesions
from playground.session import load_session
from playground.ui.canvas.context_menu import build_context_menu
from playground.ui.lesions import lesion_controller
from playground.ui.readout import format_value
from playground.ui.views import BoundaryView


def _opened(open_window, qtbot, kind: str):
    window = open_window()
    assert window.file_ops.open_path(trained_path(kind))
    assert window.controller.has_weights()
    qtbot.waitUntil(lambda: window.readout.text_of("val/accuracy")[0] != "—", timeout=3000)
    return window


def _node(window, label: str) -> str:
    return window.workspace.document.graph.node_by_label(label).id


def _lesion_menu(window, label: str) -> QMenu:
    block = window.canvas.block_item(_node(window, label))
    pos = window.canvas.mapFromScene(block.sceneBoundingRect().center())
    menu = build_context_menu(window.canvas, pos)
    found = [a.menu() for a in menu.actions() if a.menu() is not None and a.menu().title() == "Lesion"]
    assert found, [a.text() for a in menu.actions()]
    return found[0]


def _action(menu: QMenu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


def _accuracy_with(kind: str, lesions: list[Lesion]) -> float:
    """What the lesioned network scores, computed apart from the app (headless analysis)."""
    session = load_session(trained_path(kind))
    bundle = session.bundle()
    model = trained_model(session, bundle)
    with apply_lesions(model, session.graph, lesions):
        score = Evaluator(model, bundle).score()
    assert score.accuracy is not None
    return score.accuracy


def _boundary(window) -> np.ndarray:
    return np.array(window.controller.buffer.snapshot("boundary")[1]["output"])


def _drawn_map(window) -> np.ndarray:
    """The class map the Boundary view draws from the window's buffer (what a person sees)."""
    view = next(v for _, v in window.views if isinstance(v, BoundaryView))
    view.refresh(window.controller.buffer, window.view_context())
    return np.array(view.class_map.image)


def test_bypass_from_the_menu_updates_the_readout_and_ctrl_z_puts_it_back(open_window, qtbot):
    window = _opened(open_window, qtbot, "mlp")
    intact = window.readout.text_of("val/accuracy")[0]
    intact_boundary = _boundary(window)
    intact_map = _drawn_map(window)
    fc2 = _node(window, "fc2")
    _action(_lesion_menu(window, "fc2"), "Bypass (identity)").trigger()
    assert window.workspace.lesions == [Lesion("bypass", fc2).to_dict()]
    lesioned = format_value("val/accuracy", _accuracy_with("mlp", [Lesion("bypass", fc2)]))
    assert lesioned != intact
    qtbot.waitUntil(lambda: window.readout.text_of("val/accuracy")[0] == lesioned, timeout=3000)
    assert "lesioned (1 block)" in window.docks["readout"].windowTitle()
    assert window.canvas.block_item(fc2).lesion == "bypassed (the block is the identity)"
    assert "Lesioned: bypassed" in window.canvas.block_item(fc2).toolTip()
    assert not np.allclose(_boundary(window), intact_boundary)  # the decision boundary moved too
    assert not np.array_equal(_drawn_map(window), intact_map)
    assert window.workspace.is_modified()

    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace.lesions == []
    qtbot.waitUntil(lambda: window.readout.text_of("val/accuracy")[0] == intact, timeout=3000)
    assert window.canvas.block_item(fc2).lesion is None
    assert window.docks["readout"].windowTitle() == "Loss and accuracy"
    assert np.allclose(_boundary(window), intact_boundary)  # the intact network records what training had
    assert np.array_equal(_drawn_map(window), intact_map)


def test_a_bypass_that_cannot_keep_the_shape_is_refused_in_the_menu_and_changes_nothing(open_window, qtbot):
    window = _opened(open_window, qtbot, "mlp")
    menu = _lesion_menu(window, "fc1")
    bypass = _action(menu, "Bypass (identity)")
    assert not bypass.isEnabled()
    reason = "cannot be bypassed: its input is N×7 but its output is N×16"
    assert reason in bypass.toolTip()
    assert any(reason in a.text() for a in menu.actions())  # shown under the entry, in the menu
    messages: list[str] = []
    lesions = lesion_controller(window)
    lesions.message.connect(messages.append)
    before = window.readout.text_of("val/accuracy")
    assert not lesions.toggle(Lesion("bypass", _node(window, "fc1")))
    assert messages and reason in messages[-1]
    assert window.workspace.lesions == [] and not window.workspace.is_modified()
    assert window.readout.text_of("val/accuracy") == before
    assert window.document.undo_stack.count() == 0


def test_zero_units_chooser_lists_the_units_and_zeroes_the_ticked_ones(open_window, answers, qtbot):
    window = _opened(open_window, qtbot, "mlp")
    fc1 = _node(window, "fc1")
    shown: list[int] = []

    def tick(question):
        shown.append(question.widget.list.count())
        question.widget.set_chosen((0, 3, 5))
        return "OK"

    answers['Zero units of "fc1"'] = tick
    _action(_lesion_menu(window, "fc1"), "Zero units…").trigger()
    assert shown == [16]
    lesion = Lesion("zero_units", fc1, (0, 3, 5))
    assert window.workspace.lesions == [lesion.to_dict()]
    assert window.canvas.block_item(fc1).lesion == "units 0, 3, 5 zeroed"
    expected = format_value("val/accuracy", _accuracy_with("mlp", [lesion]))
    qtbot.waitUntil(lambda: window.readout.text_of("val/accuracy")[0] == expected, timeout=3000)
    remove = _action(_lesion_menu(window, "fc1"), "Remove lesion")
    remove.trigger()
    assert window.workspace.lesions == [] and window.canvas.block_item(fc1).lesion is None
    window.document.undo_stack.undo()  # undoing the removal puts the lesion back
    assert window.workspace.lesions == [lesion.to_dict()]


def test_cut_branch_is_saved_with_the_session_and_reopens_lesioned(open_window, tmp_path, qtbot):
    window = _opened(open_window, qtbot, "residual")
    add = _node(window, "add")
    menu = _lesion_menu(window, "add")
    _action(menu, "Cut residual branch").trigger()
    cut = Lesion("cut_branch", add)
    expected = format_value("val/accuracy", _accuracy_with("residual", [cut]))
    qtbot.waitUntil(lambda: window.readout.text_of("val/accuracy")[0] == expected, timeout=3000)
    path = str(tmp_path / "cut.playground")
    assert window.file_ops.save_to(path)
    assert load_session(path).lesions == [cut.to_dict()]
    again = open_window()
    assert again.file_ops.open_path(path)
    assert again.workspace.lesions == [cut.to_dict()]
    assert again.canvas.block_item(add).lesion == "residual branch cut (the Add keeps only its skip input)"
    qtbot.waitUntil(lambda: again.readout.text_of("val/accuracy")[0] == expected, timeout=3000)
    assert "lesioned" in again.docks["readout"].windowTitle()


def test_a_lesion_toggled_while_training_runs_comes_off_cleanly(open_window, qtbot):
    window = _opened(open_window, qtbot, "mlp")
    window.workspace.update_config(until_stopped=True, pace="fastest")
    fc2 = _node(window, "fc2")
    assert window.controller.start()
    qtbot.waitUntil(lambda: window.controller.state == "running", timeout=10_000)
    lesions = lesion_controller(window)
    assert lesions.toggle(Lesion("bypass", fc2))
    module = window.controller.trainer.model.node_module(fc2)

    def lesion_hooks() -> list:  # the projector hooks blocks for a moment during each record pass
        return [h for h in module._forward_hooks.values() if "Projector" not in getattr(h, "__qualname__", "")]

    assert len(lesion_hooks()) == 1  # paused, hooked once, training on with the lesion
    qtbot.waitUntil(lambda: window.controller.state == "running", timeout=10_000)
    lesions.remove(fc2)
    assert lesion_hooks() == []
    window.controller.stop()
    assert window.workspace.lesions == [] and window.canvas.block_item(fc2).lesion is None
