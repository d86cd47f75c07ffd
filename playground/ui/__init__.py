"""UI layer: the PySide6 desktop app and its pyqtgraph views.

Layer: top. The only package that imports PySide6 or pyqtgraph. May import everything below.
"""
