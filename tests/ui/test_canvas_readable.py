"""A readable canvas, checked on real widgets: the first fit waits for the real viewport and never
goes below 9 pt titles, long chains wrap onto rows, heatmaps read out their units, badges say
what is wrong, and Tab is left to the focus chain ("/" and Ctrl+K add blocks)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QCursor, QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QToolTip, QVBoxLayout, QWidget

from playground.graph.builder import GraphBuilder
from playground.graph.spec import TaskSpec
from playground.ui.canvas.block_controls import tag_tiled_units
from playground.ui.canvas.block_item import HEADER, READABLE_ZOOM, THUMB, THUMB_LARGE, WIDTH
from playground.ui.canvas.block_look import _fonts
from playground.ui.canvas.interactions import snap
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document
from playground.ui.views.colormaps import array_to_qimage
from playground.ui.views.thumbnails import tile_units

PLANE = TaskSpec("classification", (2,), num_classes=2)


def title_points_on_screen(view: GraphCanvasView) -> float:
    return _fonts()["title"].pointSizeF() * view.zoom()


def wait_for_fit(qtbot, view: GraphCanvasView) -> None:
    qtbot.waitUntil(lambda: view.zoom() != 1.0 or not view._fit_timer.isActive(), timeout=3000)
    qtbot.wait(50)


@pytest.mark.parametrize("template", ["mlp", "transformer", "lenet"])
def test_the_example_opens_readable_at_1600_by_1000(template, open_window, qtbot):
    w = open_window()
    w.resize(1600, 1000)
    assert w.file_ops.load_template(template)
    canvas = w.canvas
    qtbot.waitUntil(lambda: not canvas._fit_timer.isActive(), timeout=3000)
    qtbot.wait(50)
    assert title_points_on_screen(canvas) >= 9.0
    assert not canvas.graph_scene.overview  # blocks drawn with their names, not as silhouettes
    seen = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    blocks = canvas.graph_scene.blocks.values()
    for block in blocks:
        assert block._title == block.label  # the whole name is written, not elided away
    inside = [b for b in blocks if seen.contains(b.sceneBoundingRect())]
    assert len(inside) >= min(4, len(blocks))  # a readable part of the network is on screen
    # what a person sees at the start is the start of the network
    first = min(blocks, key=lambda b: (b.pos().y(), b.pos().x()))
    assert seen.contains(first.sceneBoundingRect())
    assert not w.document.is_dirty()  # the wrap is how it is shown: nothing to save or undo


def test_the_first_fit_waits_until_the_canvas_is_shown(qtbot):
    doc = Document(GraphBuilder().then("Input").then("Linear", out_features=4).then("Output").laid_out(), PLANE)
    view = GraphCanvasView(doc)
    qtbot.addWidget(view)
    view.fit_view()  # what loading a file does before the window is on screen
    qtbot.wait(20)
    assert view.zoom() == 1.0  # nothing fitted to a viewport that does not exist yet
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    wait_for_fit(qtbot, view)
    assert READABLE_ZOOM <= view.zoom() <= 1.5
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    assert all(seen.contains(b.sceneBoundingRect()) for b in view.graph_scene.blocks.values())


def _long_chain(layers: int):
    b = GraphBuilder().then("Input", "input")
    for i in range(layers):
        b.then("Linear", f"fc{i}", out_features=8).then("ReLU", f"relu{i}")
    return b.then("Linear", "head", out_features=2).then("Output", "output").laid_out()


def test_a_long_chain_wraps_onto_rows_and_stays_readable(qtbot):
    doc = Document(_long_chain(8), PLANE)
    view = GraphCanvasView(doc)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    wait_for_fit(qtbot, view)
    assert title_points_on_screen(view) >= 9.0
    rows = sorted({round(n.pos[1]) for n in doc.graph.nodes.values()})
    assert len(rows) >= 3  # 19 blocks in bands, not one line of 19 columns
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    xs = [n.pos[0] for n in doc.graph.nodes.values()]
    assert max(xs) + WIDTH - min(xs) <= seen.width()  # each band fits across the canvas
    rects = [b.sceneBoundingRect().adjusted(3, 10, -3, -3) for b in view.graph_scene.blocks.values()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert doc.undo_stack.count() == 0 and not doc.is_dirty()


def test_a_hand_arranged_network_is_never_rearranged(qtbot):
    graph = _long_chain(8)
    for i, node in enumerate(graph.nodes.values()):
        graph.move_node(node.id, (i * 300.0, (i % 3) * 57.0))  # someone's own arrangement
    before = {nid: n.pos for nid, n in graph.nodes.items()}
    doc = Document(graph, PLANE)
    view = GraphCanvasView(doc)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    wait_for_fit(qtbot, view)
    assert {nid: n.pos for nid, n in doc.graph.nodes.items()} == before
    assert title_points_on_screen(view) >= 9.0  # shown from its start, readable, to be panned


# ------------------------------------------------------------------------ tooltips
def _tooltip_at(view: GraphCanvasView, view_pos: QPoint) -> str:
    QToolTip.hideText()
    event = QHelpEvent(QEvent.Type.ToolTip, view_pos, view.viewport().mapToGlobal(view_pos))
    QApplication.sendEvent(view.viewport(), event)
    return QToolTip.text()


def _shown(qtbot, graph, task=PLANE) -> tuple[Document, GraphCanvasView]:
    doc = Document(graph, task)
    view = GraphCanvasView(doc)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    wait_for_fit(qtbot, view)
    return doc, view


def test_a_problem_badge_has_its_own_tooltip_with_the_diagnostic(qtbot):
    graph = GraphBuilder().then("Input", "input").then("Linear", "fc", out_features=3).then("Output").laid_out()
    doc, view = _shown(qtbot, graph)  # 3 outputs for 2 classes: the Output block has an error
    doc.recheck_now()
    bad = [d for d in doc.report.diagnostics if d.node_id is not None]
    assert bad
    block = view.block_item(bad[0].node_id)
    assert block.badge == "error"
    at = view.mapFromScene(block.mapToScene(QPointF(WIDTH, 0)))
    text = _tooltip_at(view, at)
    assert bad[0].message in text and text.startswith("Error")
    assert f"{block.label} ({block.type_name})" not in text  # the badge's own text, not the block's tooltip


def test_heatmaps_are_readable_with_a_large_toggle_and_a_hover_readout(qtbot):
    graph = GraphBuilder().then("Input").then("Linear", "fc", out_features=9).then("Tanh").then(
        "Linear", "head", out_features=2).then("Output").laid_out()
    doc, view = _shown(qtbot, graph)
    fc = doc.graph.node_by_label("fc").id
    rng = np.random.default_rng(0)
    units = rng.normal(size=(9, 32, 32)) * np.arange(1, 10)[:, None, None]
    image = tag_tiled_units(array_to_qimage(tile_units(units), -1.0, 1.0, "diverging"), units)
    view.set_thumbnails({fc: image})
    block = view.block_item(fc)
    rect = block.thumbnail_rect()
    assert rect.width() * view.zoom() >= (THUMB - 6) * READABLE_ZOOM >= 70  # px on screen
    # unit 4 is the middle tile of a 3×3 grid
    at = view.mapFromScene(block.mapToScene(rect.center()))
    text = _tooltip_at(view, at)
    assert text.startswith("unit 4 of 9")
    assert f"{units[4].min():.3g} … {units[4].max():.3g}" in text
    assert view.thumbnail_button.isVisible()
    view.thumbnail_button.click()
    assert block.thumbnail_rect().width() == pytest.approx(THUMB_LARGE - 6)
    view.thumbnail_button.click()
    assert block.thumbnail_rect().width() == pytest.approx(THUMB - 6)


# --------------------------------------------------------------------- keys and paste
def test_tab_moves_focus_and_slash_or_ctrl_k_open_the_add_block_search(qtbot):
    doc = Document(GraphBuilder().then("Input").then("Output").laid_out(), PLANE)
    host = QWidget()
    qtbot.addWidget(host)
    layout = QVBoxLayout(host)
    view = GraphCanvasView(doc)
    after = QLineEdit()
    layout.addWidget(view)
    layout.addWidget(after)
    host.resize(900, 700)
    host.show()
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=2000)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Tab)
    assert after.hasFocus() and (view._popup is None or not view._popup.isVisible())
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Slash)
    assert view._popup is not None and view._popup.isVisible()
    assert "/" in view._popup.search.placeholderText() and "Ctrl+K" in view._popup.search.placeholderText()
    QTest.keyClick(view._popup.search, Qt.Key.Key_Escape)
    assert not view._popup.isVisible()
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert view._popup.isVisible()
    QTest.keyClicks(view._popup.search, "relu")
    QTest.keyClick(view._popup.search, Qt.Key.Key_Return)
    assert sorted(n.type for n in doc.graph.nodes.values()) == ["Input", "Output", "ReLU"]


def test_paste_lands_at_the_cursor_as_one_edit(qtbot):
    graph = GraphBuilder().then("Input", "input").then("Linear", "fc", out_features=4).then(
        "Tanh", "act").then("Output").laid_out()
    doc, view = _shown(qtbot, graph)
    view.select_nodes([doc.graph.node_by_label("fc").id, doc.graph.node_by_label("act").id])
    view.copy()
    target = QPoint(200, 500)
    QCursor.setPos(view.viewport().mapToGlobal(target))
    steps = doc.undo_stack.count()
    view.setFocus()
    old = set(doc.graph.nodes)
    QTest.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    new = [n for n in doc.graph.nodes.values() if n.id not in old]
    assert sorted(n.type for n in new) == ["Linear", "Tanh"]
    assert doc.undo_stack.count() == steps + 1  # one ordinary edit
    at = view.mapToScene(target)
    left = min(new, key=lambda n: n.pos[0])
    assert left.pos == (snap(at.x() - WIDTH / 2), snap(at.y() - HEADER / 2))
    assert len(doc.graph.edges_out_of(left.id)) == 1  # the wire between them came along
    doc.undo_stack.undo()
    assert set(doc.graph.nodes) == old
