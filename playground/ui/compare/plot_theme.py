"""The app's light or dark colours for a plain pyqtgraph plot (as the view docks use them)."""

from __future__ import annotations

import pyqtgraph as pg

from playground.ui.theme import current_theme
from playground.ui.views.view_panel import THEME_COLORS


def apply_theme(widget: pg.PlotWidget) -> None:
    background, foreground = THEME_COLORS.get(current_theme(), THEME_COLORS["light"])
    widget.setBackground(background)
    plot = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(foreground)
        axis.setTextPen(foreground)
        axis.enableAutoSIPrefix(False)
