"""The step-through inspector window: choose one input (a dataset sample, a point clicked on the
boundary view, typed tokens, a drawing), then step block by block through what the trained
network makes of it, attention blocks opened into their parts.

Layer: ui. It may import everything below it (analysis, workspace, ...), PySide6 and pyqtgraph.
The work is ``playground.analysis.inspect``; ``state.InspectorState`` (Qt-free) holds what is
chosen and shown, and the widgets only show and edit it.
"""

from playground.ui.step_inspector.menu import add_actions
from playground.ui.step_inspector.state import InspectorState, NetworkSource
from playground.ui.step_inspector.window import StepInspectorWindow

__all__ = ["InspectorState", "NetworkSource", "StepInspectorWindow", "add_actions"]
