"""The canvas worked like a person: drops, wires, moves, selection, delete, groups (offscreen Qt)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.graph.builder import GraphBuilder
from playground.graph.model import Graph, PortRef
from playground.graph.spec import TaskSpec
from playground.ui.canvas.context_menu import build_context_menu
from playground.ui.canvas.group_item import TITLE_HEIGHT
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document
from playground.ui.palette import BlockPalette

TASK = TaskSpec("classification", (2,), num_classes=2)


def _graph() -> Graph:
    """input -> fc1 -> relu, plus an unwired head and output."""
    b = (GraphBuilder().then("Input", "input").then("Linear", "fc1", pos=(260.0, 0.0), out_features=16)
         .then("ReLU", "relu", pos=(520.0, 0.0)).add("Linear", "head", pos=(260.0, 200.0), out_features=2)
         .add("Output", "output", pos=(520.0, 200.0)))
    g = b.graph
    return g


@pytest.fixture
def canvas(qtbot):
    doc = Document(_graph(), TASK)
    view = GraphCanvasView(doc)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.fit_view()
    return doc, view


def _vp(view: GraphCanvasView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def _port(view, node_id, name, output):
    block = view.block_item(node_id)
    return (block.outputs if output else block.inputs)[name]


def _drag(view, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, modifier, start)
    QTest.mouseMove(vp, (start + end) / 2)
    QTest.mouseMove(vp, end)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, modifier, end)


def _header(view, node_id) -> QPoint:
    block = view.block_item(node_id)
    return _vp(view, block.mapToScene(QPointF(60, 12)))


def test_drop_from_palette_creates_block_at_drop_position(canvas, qtbot):
    doc, view = canvas
    palette = BlockPalette()
    qtbot.addWidget(palette)
    mime = palette.mime_data_for("Linear")
    drop_at = QPoint(400, 500)
    vp = view.viewport()
    for kind in (QDragEnterEvent, QDragMoveEvent):
        args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        try:  # PySide6 up to 6.11 takes a QPoint here, later releases a QPointF
            event = kind(drop_at, *args)
        except TypeError:
            event = kind(QPointF(drop_at), *args)
        QApplication.sendEvent(vp, event)
        assert event.isAccepted()
    drop = QDropEvent(QPointF(drop_at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, drop)
    new = [n for n in doc.graph.nodes.values() if n.id not in _graph().nodes]
    assert [n.type for n in new] == ["Linear"]
    block = view.block_item(new[0].id)
    assert block.sceneBoundingRect().contains(view.mapToScene(drop_at))
    assert new[0].params["out_features"] == 16  # the block's defaults are stored
    doc.undo_stack.undo()
    assert new[0].id not in doc.graph.nodes


def test_dragging_between_ports_creates_wire_with_shape_label(canvas, qtbot):
    doc, view = canvas
    start = _vp(view, _port(view, "n3", "out", True).anchor())
    end = _vp(view, _port(view, "n4", "in", False).anchor())
    _drag(view, start, end)
    edges = [e for e in doc.graph.edges.values() if e.dst == PortRef("n4", "in")]
    assert len(edges) == 1 and edges[0].src == PortRef("n3", "out")
    item = view.graph_scene.edges[edges[0].id]
    qtbot.waitUntil(lambda: item.shape_text == "N×16", timeout=2000)
    assert doc.undo_stack.count() == 1


def test_wire_from_an_input_port_goes_backwards_too(canvas):
    doc, view = canvas
    start = _vp(view, _port(view, "n5", "in", False).anchor())
    end = _vp(view, _port(view, "n4", "out", True).anchor())
    _drag(view, start, end)
    assert doc.graph.edge_into(PortRef("n5", "in")).src == PortRef("n4", "out")


@pytest.mark.parametrize("src, dst, why", [
    (("n2", "out", True), ("n4", "out", True), "two outputs"),
    (("n3", "out", True), ("n2", "in", False), "cycle"),
    (("n2", "out", True), ("n3", "in", False), "already wired"),
])
def test_incompatible_wire_is_refused_with_a_message(canvas, qtbot, src, dst, why):
    doc, view = canvas
    before = doc.graph.to_dict()
    start = _vp(view, _port(view, *src).anchor())
    end = _vp(view, _port(view, *dst).anchor())
    with qtbot.waitSignal(doc.message, timeout=1000) as blocker:
        _drag(view, start, end)
    assert why in blocker.args[0]
    assert doc.graph.to_dict() == before
    assert doc.undo_stack.count() == 0


def test_wire_dropped_on_empty_canvas_is_refused(canvas, qtbot):
    doc, view = canvas
    start = _vp(view, _port(view, "n3", "out", True).anchor())
    with qtbot.waitSignal(doc.message, timeout=1000) as blocker:
        _drag(view, start, start + QPoint(60, 150))
    assert "not connected" in blocker.args[0]
    assert len(doc.graph.edges) == 2


def test_incompatible_ports_are_dimmed_while_dragging(canvas):
    _doc, view = canvas
    vp = view.viewport()
    start = _vp(view, _port(view, "n3", "out", True).anchor())
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(vp, start + QPoint(30, 30))
    assert _port(view, "n2", "in", False).state == "dimmed"  # upstream: would be a cycle
    assert _port(view, "n4", "out", True).state == "dimmed"  # an output
    assert _port(view, "n4", "in", False).state == "normal"  # compatible
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(30, 30))
    assert _port(view, "n2", "in", False).state == "normal"


def test_wire_into_occupied_input_replaces_old_wire_in_one_step(canvas):
    doc, view = canvas
    before = doc.graph.to_dict()
    start = _vp(view, _port(view, "n4", "out", True).anchor())
    end = _vp(view, _port(view, "n3", "in", False).anchor())
    _drag(view, start, end)
    assert doc.graph.edge_into(PortRef("n3", "in")).src == PortRef("n4", "out")
    assert len(doc.graph.edges) == 2
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == before


def test_drag_moves_selected_blocks_in_one_undo_step(canvas):
    doc, view = canvas
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     _header(view, "n2"))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     _header(view, "n4"))
    assert sorted(view.selected_node_ids()) == ["n2", "n4"]
    start = _header(view, "n2")
    shift = view.mapToScene(start + QPoint(120, 80)) - view.mapToScene(start)
    _drag(view, start, start + QPoint(120, 80))
    for nid, old in (("n2", (260.0, 0.0)), ("n4", (260.0, 200.0))):
        pos = doc.graph.nodes[nid].pos
        assert abs(pos[0] - old[0] - shift.x()) <= 10 and abs(pos[1] - old[1] - shift.y()) <= 10
        assert pos[0] % 20 == 0 and pos[1] % 20 == 0  # snapped to the grid
        assert view.block_item(nid).pos() == QPointF(*pos)
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.graph.nodes["n2"].pos == (260.0, 0.0) and doc.graph.nodes["n4"].pos == (260.0, 200.0)
    assert view.block_item("n2").pos() == QPointF(260.0, 0.0)


def test_rubber_band_selects_blocks_it_touches(canvas, qtbot):
    doc, view = canvas
    a = _vp(view, QPointF(200, -60))
    b = _vp(view, QPointF(450, 260))
    _drag(view, a, b)
    assert sorted(view.selected_node_ids()) == ["n2", "n4"]
    qtbot.waitUntil(lambda: sorted(doc.selection) == ["n2", "n4"], timeout=1000)


def test_delete_key_removes_selection_and_undo_restores_exactly(canvas):
    doc, view = canvas
    before = doc.graph.to_dict()
    view.select_nodes(["n2"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert "n2" not in doc.graph.nodes and len(doc.graph.edges) == 0
    assert "n2" not in view.graph_scene.blocks and not view.graph_scene.edges
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == before
    assert set(view.graph_scene.edges) == set(doc.graph.edges)


def test_group_box_moves_its_blocks(canvas):
    doc, view = canvas
    view.select_nodes(["n2", "n3"])
    gid = view.group_selected("Hidden layer")
    group = view.graph_scene.group_items[gid]
    assert doc.graph.groups[gid].title == "Hidden layer"
    title = group.title_rect()
    start = _vp(view, QPointF(title.left() + 30, title.top() + TITLE_HEIGHT / 2))
    _drag(view, start, start + QPoint(0, 100))
    dy = doc.graph.nodes["n2"].pos[1]
    assert dy > 0 and doc.graph.nodes["n3"].pos[1] == dy
    assert doc.graph.nodes["n4"].pos == (260.0, 200.0)
    assert group.title_rect().top() > title.top()
    doc.undo_stack.undo()
    assert doc.graph.nodes["n2"].pos == (260.0, 0.0)
    doc.undo_stack.undo()
    assert gid not in doc.graph.groups and gid not in view.graph_scene.group_items


def test_diagnostics_give_blocks_a_badge(canvas, qtbot):
    doc, view = canvas
    doc.recheck_now()
    assert view.block_item("n4").badge == "error"  # its input is not connected
    assert "not connected" in view.block_item("n4").toolTip()
    assert view.block_item("n2").badge is None


def test_wheel_zoom_fit_and_auto_layout(canvas):
    doc, view = canvas
    z = view.zoom()
    view.zoom_by(2.0)
    assert view.zoom() == pytest.approx(min(z * 2, 4.0))
    view.auto_layout()
    xs = {doc.graph.nodes[n].pos[0] for n in ("n1", "n2", "n3")}
    assert len(xs) == 3  # a chain flows left to right
    assert doc.undo_stack.count() == 1
    view.fit_view()
    for block in view.graph_scene.blocks.values():
        assert view.mapToScene(view.viewport().rect()).boundingRect().contains(block.sceneBoundingRect())


def test_tab_popup_adds_a_block_by_search(canvas, qtbot):
    doc, view = canvas
    popup = view.open_add_popup(QPoint(300, 300))
    QTest.keyClicks(popup.search, "GEL")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert [n.type for n in doc.graph.nodes.values()].count("GELU") == 1


def test_wheel_zooms_around_the_cursor_and_middle_drag_pans(canvas):
    _doc, view = canvas
    at = QPoint(700, 200)
    fixed = view.mapToScene(at)
    z = view.zoom()
    wheel = QWheelEvent(QPointF(at), QPointF(view.viewport().mapToGlobal(at)), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom() == pytest.approx(z * 1.15)
    after = view.mapToScene(at)
    assert abs(after.x() - fixed.x()) < 2 / view.zoom() and abs(after.y() - fixed.y()) < 2 / view.zoom()
    vp = view.viewport()
    before = view.mapToScene(QPoint(500, 350))
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(500, 350))
    QTest.mouseMove(vp, QPoint(400, 300))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(400, 300))
    moved = view.mapToScene(QPoint(400, 300))
    assert abs(moved.x() - before.x()) < 2 / view.zoom() and abs(moved.y() - before.y()) < 2 / view.zoom()


def test_deleting_every_block_of_a_group_removes_its_box_and_undo_brings_it_back(canvas):
    doc, view = canvas
    view.select_nodes(["n2", "n3"])
    gid = view.group_selected("Hidden layer")
    before = doc.graph.to_dict()
    view.graph_scene.clearSelection()
    view.select_nodes(["n2", "n3"])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert "n2" not in doc.graph.nodes and "n3" not in doc.graph.nodes
    assert gid not in doc.graph.groups and gid not in view.graph_scene.group_items
    assert doc.graph.to_dict()["groups"] == []  # no invisible empty box in the saved file
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == before
    box = view.graph_scene.group_items[gid]
    assert sorted(b.node_id for b in box.members()) == ["n2", "n3"] and not box.title_rect().isEmpty()
    doc.undo_stack.redo()
    assert gid not in doc.graph.groups and gid not in view.graph_scene.group_items


def test_snap_toggle_thumbnail_and_deleting_a_group_box(canvas):
    doc, view = canvas
    view.set_snap(False)
    nid = view.add_block("Tanh", QPointF(333.0, 444.0))
    assert doc.graph.nodes[nid].pos == (333.0 - 85.0, 444.0 - 13.0)
    block = view.block_item(nid)
    height = block.size()[1]
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 30, 30))
    view.set_thumbnails({nid: image})
    assert block.thumbnail is not None and block.size()[1] > height
    view.set_thumbnails({})
    assert block.thumbnail is None and block.size()[1] == height
    view.select_nodes(["n2", "n3"])
    gid = view.group_selected("G")
    view.graph_scene.clearSelection()
    view.graph_scene.group_items[gid].setSelected(True)
    view.delete_selected()
    assert gid not in doc.graph.groups and "n2" in doc.graph.nodes


def test_slash_opens_search_and_context_menu_offers_commands(canvas, qtbot):
    doc, view = canvas
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Slash)
    popup = view._popup
    assert popup is not None and popup.isVisible()
    popup.hide()
    menu = build_context_menu(view, _header(view, "n2"))
    assert view.selected_node_ids() == ["n2"]
    actions = {a.text(): a for a in menu.actions()}
    actions["Duplicate"].trigger()
    assert len(doc.graph.nodes) == 6
    menu.deleteLater()


def test_double_clicking_a_group_title_renames_it_undoably(canvas):
    from playground.ui import dialogs

    doc, view = canvas
    view.select_nodes(["n2", "n3"])
    gid = view.group_selected("Hidden layer")
    title = view.graph_scene.group_items[gid].title_rect()
    at = _vp(view, QPointF(title.left() + 30, title.top() + TITLE_HEIGHT / 2))
    asked = []
    dialogs.set_answerer(lambda q: asked.append(q) or "Encoder")
    try:
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    finally:
        dialogs.set_answerer(None)
    assert [q.kind for q in asked] == ["text"] and asked[0].default == "Hidden layer"
    assert doc.graph.groups[gid].title == "Encoder"
    doc.undo_stack.undo()
    assert doc.graph.groups[gid].title == "Hidden layer"
