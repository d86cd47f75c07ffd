"""The step-through inspector window: choose one input (a dataset sample, a point clicked on the
boundary view, typed tokens, a drawing), then step block by block through what the trained
network makes of it, attention blocks opened into their parts.

Layer: ui. It may import everything below it (analysis, workspace, ...), PySide6 and pyqtgraph.
The work is ``playground.analysis.inspect``; ``state.InspectorState`` (Qt-free) holds what is
chosen and shown, and the widgets only show and edit it.
"""

# Nothing is imported here: the Analyze menu loads only ``menu`` while the window is built (the
# window, its state and the analysis code load when the inspector is first opened).
