"""Light and dark themes: a Fusion palette for widgets and matching pyqtgraph colours."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")

_DARK = {
    QPalette.ColorRole.Window: "#2b2d31",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#2b2d31",
    QPalette.ColorRole.ToolTipBase: "#3c3f45",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#35373c",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6aa9ff",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8a8d93",
}


def palette_for(name: str) -> QPalette:
    app = QApplication.instance()
    style = app.style() if isinstance(app, QApplication) else None
    base = style.standardPalette() if style else QPalette()
    if name != "dark":
        return base
    pal = QPalette(base)
    for role, colour in _DARK.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d83"))
    return pal


def apply_theme(app: QApplication, name: str) -> str:
    """Switch the whole app to ``name`` ("light" or "dark"); return the theme applied."""
    name = name if name in THEMES else "light"
    app.setStyle("Fusion")
    app.setPalette(palette_for(name))
    pg.setConfigOptions(antialias=True, background="#1e1f22" if name == "dark" else "w",
                        foreground="#d0d0d0" if name == "dark" else "#303030")
    app.setProperty("playground_theme", name)
    return name


def current_theme(app: QApplication | None = None) -> str:
    app = app or QApplication.instance()
    value = app.property("playground_theme") if app else None
    return str(value) if value in THEMES else "light"
