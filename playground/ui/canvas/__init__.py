"""The node-graph editor canvas: a QGraphicsScene that mirrors a Graph, and its view.

Layer: ui. Items never own state that saving reads back; every gesture ends
in one reversible edit pushed through the Document.
"""

from playground.ui.canvas.scene import GraphScene
from playground.ui.canvas.view import GraphCanvasView

__all__ = ["GraphCanvasView", "GraphScene"]
