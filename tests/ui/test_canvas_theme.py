"""The canvas follows the theme: block bodies are dark on a dark canvas and light on a light one."""

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from playground.graph.templates import make_template
from playground.ui.canvas.view import GraphCanvasView
from playground.ui.document import Document
from playground.ui.theme import apply_theme


def body_lightness(view: GraphCanvasView, label: str) -> int:
    node = view.document.graph.node_by_label(label)
    item = view.block_item(node.id)
    rect = item.sceneBoundingRect()
    # a point inside the body, below the header and left of the ports' labels
    spot = view.mapFromScene(rect.left() + rect.width() * 0.5, rect.bottom() - 4)
    QApplication.processEvents()
    value = view.viewport().grab().toImage().pixelColor(spot + QPoint(0, 0)).lightness()
    return value


def test_block_bodies_follow_light_and_dark_themes(qtbot, qapp):
    view = GraphCanvasView(Document(make_template("mlp")))
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    view.fit_view()
    view.zoom_by(1.0 / view.zoom())  # 100 %: full detail
    view.centerOn(view.block_item(view.document.graph.node_by_label("fc1").id))
    try:
        apply_theme(qapp, "light")
        qtbot.waitUntil(lambda: body_lightness(view, "fc1") > 200, timeout=3000)
        apply_theme(qapp, "dark")
        qtbot.waitUntil(lambda: body_lightness(view, "fc1") < 100, timeout=3000)
    finally:
        apply_theme(qapp, "light")
    qtbot.waitUntil(lambda: body_lightness(view, "fc1") > 200, timeout=3000)
