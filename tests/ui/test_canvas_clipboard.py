"""Copy, cut, paste and duplicate keep the wires among the copied blocks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document


def _chain() -> Graph:
    g = (GraphBuilder().then("Input", "input").then("Linear", "fc1", pos=(260.0, 0.0), out_features=8)
         .then("ReLU", "relu1", pos=(520.0, 0.0)).then("Output", "output", pos=(780.0, 0.0)).graph)
    return g


@pytest.fixture
def canvas(qtbot):
    doc = Document(_chain(), TaskSpec("classification", (2,), num_classes=2))
    view = GraphCanvasView(doc)
    qtbot.addWidget(view)
    view.show()
    QCursor.setPos(view.mapToGlobal(QPoint(-500, -500)))  # the mouse is elsewhere unless a test moves it
    return doc, view


def _new_nodes(doc, old):
    return [n for n in doc.graph.nodes.values() if n.id not in old]


def test_copy_paste_keeps_inner_wires_only(canvas):
    doc, view = canvas
    old = set(doc.graph.nodes)
    view.select_nodes(["n2", "n3"])
    view.copy()
    view.paste()
    new = _new_nodes(doc, old)
    assert sorted(n.type for n in new) == ["Linear", "ReLU"]
    labels = [n.label for n in doc.graph.nodes.values()]
    assert len(labels) == len(set(labels)) and {"fc2", "relu2"} == {n.label for n in new}
    by_type = {n.type: n for n in new}
    assert by_type["Linear"].params["out_features"] == 8
    assert by_type["Linear"].pos == (300.0, 40.0)  # offset from the original
    inner = [e for e in doc.graph.edges.values() if e.src.node_id in {n.id for n in new}
             or e.dst.node_id in {n.id for n in new}]
    assert [(e.src.node_id, e.dst.node_id) for e in inner] == [(by_type["Linear"].id, by_type["ReLU"].id)]
    assert sorted(view.selected_node_ids()) == sorted(n.id for n in new)
    view.paste()  # a second paste lands further away
    assert len(doc.graph.nodes) == 8
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == _chain().to_dict()


def test_cut_removes_and_paste_brings_back(canvas):
    doc, view = canvas
    view.select_nodes(["n3"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert "n3" not in doc.graph.nodes and len(doc.graph.edges) == 1
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [n.type for n in _new_nodes(doc, {"n1", "n2", "n4"})] == ["ReLU"]


def test_duplicate_and_bad_clipboard(canvas, qtbot):
    doc, view = canvas
    view.select_nodes(["n1", "n2"])
    view.duplicate()
    assert len(doc.graph.nodes) == 6 and len(doc.graph.edges) == 4
    QApplication.clipboard().setText('{"playground_fragment": 1, "nodes": [{"id": 3}]}')
    with qtbot.waitSignal(doc.message, timeout=1000) as blocker:
        view.paste()
    assert "Cannot paste" in blocker.args[0] and len(doc.graph.nodes) == 6
    QApplication.clipboard().setText("hello")
    with qtbot.waitSignal(doc.message, timeout=1000) as blocker:
        view.paste()
    assert "Nothing to paste" in blocker.args[0]
