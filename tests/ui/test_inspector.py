"""The inspector edits the selected block; every change is undoable; bad input says why."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from playground.graph.builder import GraphBuilder
from playground.graph.edits import SetParam
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document
from playground.ui.inspector import Inspector


def _graph() -> Graph:
    g = (GraphBuilder().then("Input", "input")
         .then("Linear", "fc1", pos=(200.0, 0.0), out_features=16, bias=True, in_features=None)
         .then("Reshape", "reshape1", pos=(400.0, 0.0), shape=[4, 4])
         .add("Output", "output", pos=(600.0, 0.0), loss="auto").graph)
    return g


@pytest.fixture
def setup(qtbot):
    doc = Document(_graph(), TaskSpec("classification", (2,), num_classes=2))
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    return doc, inspector


def test_shows_fitting_widgets_count_and_shape(setup):
    _doc, inspector = setup
    inspector.set_node("n2")
    editors = inspector.editors
    assert isinstance(editors["out_features"].editor, QSpinBox)
    assert editors["out_features"].editor.minimum() == 1 and editors["out_features"].editor.value() == 16
    assert isinstance(editors["bias"].editor, QCheckBox) and editors["bias"].editor.isChecked()
    assert editors["in_features"].auto is not None and editors["in_features"].auto.isChecked()
    assert not editors["in_features"].editor.isEnabled()
    assert "Number of output units" in editors["out_features"].editor.toolTip()
    assert "Parameters: 48" in inspector.info.text()  # 2×16 weights + 16 biases
    assert "Output: N×16" in inspector.info.text()
    assert inspector.label_edit.text() == "fc1"
    inspector.set_node("n4")
    assert isinstance(inspector.editors["loss"].editor, QComboBox)
    inspector.set_node("n3")
    assert isinstance(inspector.editors["shape"].editor, QLineEdit)
    assert inspector.editors["shape"].editor.text() == "4, 4"


def test_param_change_is_one_undoable_edit_and_widgets_follow(setup, qtbot):
    doc, inspector = setup
    inspector.set_node("n2")
    spin = inspector.editors["out_features"].editor
    spin.setValue(32)
    assert doc.graph.nodes["n2"].params["out_features"] == 32 and doc.undo_stack.count() == 1
    qtbot.waitUntil(lambda: "Parameters: 96" in inspector.info.text(), timeout=1000)
    inspector.editors["bias"].editor.setChecked(False)
    assert doc.graph.nodes["n2"].params["bias"] is False and doc.undo_stack.count() == 2
    inspector.editors["in_features"].auto.setChecked(False)
    assert doc.graph.nodes["n2"].params["in_features"] == 1
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.graph.nodes["n2"].params["out_features"] == 16 and spin.value() == 16
    assert inspector.editors["bias"].editor.isChecked()
    doc.push(SetParam("n2", "out_features", 7))  # a change from elsewhere shows up too
    assert spin.value() == 7


def test_rename_and_invalid_values_show_a_message(setup):
    doc, inspector = setup
    inspector.set_node("n2")
    before = doc.graph.to_dict()
    inspector.label_edit.setText("9lives")
    inspector.label_edit.editingFinished.emit()
    assert "not a valid name" in inspector.error.text()
    inspector.label_edit.setText("input")
    inspector.label_edit.editingFinished.emit()
    assert "already called" in inspector.error.text()
    assert doc.graph.to_dict() == before and doc.undo_stack.count() == 0
    inspector.label_edit.setText("hidden")
    inspector.label_edit.editingFinished.emit()
    assert doc.graph.nodes["n2"].label == "hidden" and inspector.error.text() == ""
    doc.undo_stack.undo()
    assert inspector.label_edit.text() == "fc1"

    inspector.set_node("n3")
    line = inspector.editors["shape"].editor
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, "4, x")
    QTest.keyClick(line, Qt.Key.Key_Return)
    assert "whole numbers" in inspector.error.text()
    assert doc.graph.nodes["n3"].params["shape"] == [4, 4]
    line.setText("2, 8")
    line.editingFinished.emit()
    assert doc.graph.nodes["n3"].params["shape"] == [2, 8]
    line.setText("-5, 8")
    line.editingFinished.emit()
    assert "at least" in inspector.error.text() and doc.graph.nodes["n3"].params["shape"] == [2, 8]
    assert line.text() == "2, 8"


def test_follows_canvas_selection_and_deletion(qtbot):
    doc = Document(_graph(), TaskSpec("classification", (2,), num_classes=2))
    view = GraphCanvasView(doc)
    inspector = Inspector(doc)
    qtbot.addWidget(view)
    qtbot.addWidget(inspector)
    view.select_nodes(["n3"])
    qtbot.waitUntil(lambda: inspector.node_id == "n3", timeout=1000)
    doc.recheck_now()
    assert "Reshape" in inspector.title.text()
    view.delete_selected()
    assert inspector.node_id is None and "No block selected" in inspector.title.text()
    view.select_nodes(["n1", "n2"])
    qtbot.waitUntil(lambda: sorted(doc.selection) == ["n1", "n2"], timeout=1000)
    assert inspector.node_id is None
