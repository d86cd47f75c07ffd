"""The canvas at normal zoom and far out (the batched overview): what a person sees and can click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from playground.graph.builder import GraphBuilder
from playground.graph.spec import TaskSpec
from playground.ui.canvas.block_item import OVERVIEW_ZOOM, SMALL_TEXT_ZOOM, WIDTH
from playground.ui.canvas.port_item import RADIUS
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document

TASK = TaskSpec("classification", (2,), num_classes=2)


@pytest.fixture
def view(qtbot) -> GraphCanvasView:
    g = (GraphBuilder().then("Input", "input").then("Linear", "fc1", pos=(400.0, 120.0), out_features=16)
         .add("Linear", "head", pos=(800.0, 0.0), out_features=2).graph)  # head's input is unwired
    canvas = GraphCanvasView(Document(g, TASK))
    qtbot.addWidget(canvas)
    canvas.resize(900, 600)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.fit_view()
    return canvas


def _zoom_to(view: GraphCanvasView, zoom: float) -> None:
    view.zoom_by(zoom / view.zoom())
    view.centerOn(QPointF(WIDTH / 2 + 400, 80))


def _pixel(view: GraphCanvasView, scene_pos: QPointF) -> QColor:
    image: QImage = view.viewport().grab().toImage()
    return image.pixelColor(view.mapFromScene(scene_pos))


def _near(a: QColor, b: QColor, tol: int = 40) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_normal_zoom_shows_ports_shape_labels_and_badges(view):
    _zoom_to(view, 1.0)
    assert not view.graph_scene.overview
    port = view.block_item("n2").inputs["in"]
    assert _near(_pixel(view, port.scenePos()), QColor(90, 160, 240))  # a wired port's fill
    edge = next(iter(view.graph_scene.edges.values()))
    assert edge.shape_text == "N×2"
    # the label sits on the middle of the curve: a white box with dark text
    mid = view.mapFromScene(edge.path().pointAtPercent(0.5))
    image = view.viewport().grab().toImage()
    row = [image.pixelColor(mid + QPoint(dx, 0)) for dx in range(-12, 13)]
    assert any(_near(c, QColor(255, 255, 255), 20) for c in row)
    assert any(c.lightness() < 150 for c in row)
    head = view.block_item("n3")
    assert head.badge == "error"
    badge_centre = head.scenePos() + QPointF(WIDTH, 0)
    view.centerOn(badge_centre)
    assert _near(_pixel(view, badge_centre + QPointF(3, 3)), QColor(220, 50, 47), 60)


def test_far_out_blocks_are_silhouettes_that_still_take_clicks(view, qtbot):
    _zoom_to(view, OVERVIEW_ZOOM * 0.6)
    assert view.graph_scene.overview
    block = view.block_item("n2")
    body = block.scenePos() + QPointF(WIDTH / 2, 50)
    background = _pixel(view, QPointF(-300, 500))
    assert not _near(_pixel(view, body), background, 5)  # the block is still drawn
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(body))
    qtbot.waitUntil(lambda: view.selected_node_ids() == ["n2"], timeout=2000)
    # the selection shows: an orange outline on the silhouette's edge
    edge_px = view.mapFromScene(block.scenePos() + QPointF(WIDTH / 2, 0))
    image = view.viewport().grab().toImage()
    column = [image.pixelColor(edge_px + QPoint(0, dy)) for dy in range(-2, 3)]
    assert any(_near(c, QColor(255, 170, 0), 50) for c in column)


def test_far_out_wires_follow_a_moved_block(view):
    _zoom_to(view, OVERVIEW_ZOOM * 0.6)
    edge = next(iter(view.graph_scene.edges.values()))
    before = edge.path().pointAtPercent(1.0)
    view.block_item("n2").setPos(400.0, 400.0)
    after = edge.path().pointAtPercent(1.0)
    assert after.y() - before.y() == pytest.approx(280.0)
    mid = edge.path().pointAtPercent(0.5)
    assert not _near(_pixel(view, mid), _pixel(view, QPointF(-300, 500)), 5)  # the wire is drawn there


def test_zooming_back_in_restores_full_detail(view):
    _zoom_to(view, OVERVIEW_ZOOM * 0.6)
    _zoom_to(view, max(1.0, SMALL_TEXT_ZOOM))
    assert not view.graph_scene.overview
    port = view.block_item("n1").outputs["out"]
    assert _near(_pixel(view, port.scenePos() + QPointF(RADIUS / 2, 0)), QColor(90, 160, 240))
