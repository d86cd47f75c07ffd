"""ViewPanel: the common frame of the plot views (controls row, hint line, pyqtgraph area, theme)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.train.metrics import MetricsBuffer
from playground.ui.views.base import ViewBase, ViewContext
from playground.ui.views.export import save_png

THEME_COLORS = {"light": ("w", "#303030"), "dark": ("#1e1f22", "#d0d0d0")}


class ViewPanel(ViewBase):
    """A view with a row of controls, a one-line hint (shown when there is nothing to draw)
    and a ``pg.GraphicsLayoutWidget``. Subclasses implement ``draw()``, which reads
    ``self.buffer`` / ``self.context`` (the last ones handed to ``refresh``), so a control
    change redraws at once without waiting for new data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buffer: MetricsBuffer | None = None
        self.context: ViewContext | None = None
        self.theme = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.controls = QHBoxLayout()
        self.controls.setSpacing(8)
        layout.addLayout(self.controls)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics, 1)
        self.resize(720, 420)

    # ------------------------------------------------------------ protocol
    def refresh(self, buffer: MetricsBuffer, context: ViewContext) -> None:
        self.buffer, self.context = buffer, context
        if context.theme != self.theme:
            self.set_theme(context.theme)
        self.draw()

    def draw(self) -> None:
        raise NotImplementedError

    def redraw(self) -> None:
        """Draw again with the last data (after a control changed)."""
        if self.buffer is not None:
            self.draw()

    def export_png(self, path: str) -> None:
        save_png(self, path)

    # ------------------------------------------------------------ helpers
    def show_hint(self, text: str) -> None:
        """A sentence saying why nothing (or only part) is drawn; empty hides it."""
        if self.hint.text() != text:
            self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def add_control(self, label: str, widget: QWidget) -> QWidget:
        if label:
            self.controls.addWidget(QLabel(label))
        self.controls.addWidget(widget)
        return widget

    def plots(self) -> list[pg.PlotItem]:
        return [item for item in self.graphics.ci.items if isinstance(item, pg.PlotItem)]

    def set_theme(self, theme: str) -> None:
        self.theme = theme if theme in THEME_COLORS else "light"
        background, foreground = THEME_COLORS[self.theme]
        self.graphics.setBackground(background)
        for plot in self.plots():
            for name in ("left", "bottom", "right", "top"):
                axis = plot.getAxis(name)
                axis.setPen(foreground)
                axis.setTextPen(foreground)
            plot.titleLabel.setAttr("color", foreground)
            plot.titleLabel.setText(plot.titleLabel.text)
