"""How the work was shown (theme, the canvas viewport, which views were open), kept in the
Workspace's ``ui_state`` as it changes, and shown again when other work is loaded.

Widgets report their changes here; saving never asks a widget for anything.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPointF
from PySide6.QtWidgets import QDockWidget
from shiboken6 import isValid

from playground.ui.canvas import GraphCanvasView
from playground.ui.views import ViewBase
from playground.workspace import Workspace


class ViewState(QObject):
    def __init__(self, workspace: Workspace, canvas: GraphCanvasView, views: list[tuple[QDockWidget, ViewBase]],
                 theme: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.canvas, self.views = workspace, canvas, views
        self.theme = theme
        for bar in (canvas.horizontalScrollBar(), canvas.verticalScrollBar()):
            bar.valueChanged.connect(lambda _v: self.viewport_moved())
            bar.rangeChanged.connect(lambda _a, _b: self.viewport_moved())
        for dock, _view in views:
            dock.visibilityChanged.connect(lambda _visible: self.views_shown())
        workspace.loaded.connect(self.restore)
        self.viewport_moved()

    # ------------------------------------------------------------ recording
    def viewport_moved(self) -> None:
        center = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        self.workspace.set_view(zoom=float(self.canvas.zoom()), center=[float(center.x()), float(center.y())],
                                theme=self.theme)

    def views_shown(self) -> None:
        if not all(isValid(dock) for dock, _view in self.views):  # the window is being torn down
            return
        self.workspace.set_view(open_views=[view.title for dock, view in self.views if dock.isVisible()])

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        self.workspace.set_view(theme=theme)

    # ------------------------------------------------------------- showing
    def restore(self) -> None:
        ui: dict[str, Any] = self.workspace.ui_state
        zoom, center = ui.get("zoom"), ui.get("center")
        canvas = self.canvas
        if isinstance(zoom, (int, float)) and zoom > 0 and isinstance(center, list) and len(center) == 2 \
                and all(isinstance(c, (int, float)) for c in center):
            canvas.zoom_by(float(zoom) / canvas.zoom())
            canvas.centerOn(QPointF(float(center[0]), float(center[1])))
        else:
            canvas.fit_view()
        self.viewport_moved()
        self.views_shown()
