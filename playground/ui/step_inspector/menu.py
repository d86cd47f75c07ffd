"""The Analyze menu's entry that opens the step-through inspector (contract 1 of the team notes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow
    from playground.ui.step_inspector.window import StepInspectorWindow


def add_actions(menu: QMenu, window: MainWindow) -> None:
    action = QAction("Step-through &inspector…", window)
    action.setObjectName("open_step_inspector")
    action.setToolTip("Run the trained network on one input of your choice and step block by block "
                      "through what it computes")
    action.triggered.connect(lambda: open_step_inspector(window))
    menu.addAction(action)


def open_step_inspector(window: MainWindow) -> StepInspectorWindow:
    """Show the window's inspector (made on first use), wired to its boundary views' clicks."""
    from playground.ui.step_inspector.window import StepInspectorWindow
    from playground.ui.views.boundary_view import BoundaryView

    inspector = window.findChild(StepInspectorWindow, "step_inspector")
    if inspector is None:
        inspector = StepInspectorWindow(window.workspace, window.controller, window)
    # the views are reached only now (contract 1); the boundary view is built here if its dock has
    # not been shown yet, so a click on it chooses the point whenever it appears
    inspector.connect_boundary(window.view_of(BoundaryView))
    inspector.show()
    inspector.raise_()
    inspector.activateWindow()
    inspector.start()
    return inspector
