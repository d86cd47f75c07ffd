"""The Analyze menu's "Projector" and "Model summary" entries: the first brings the Projector
view forward, the second opens the network's summary (``SummaryView``) in a window of its own
that follows the document: every edit of the network and every change of the task (the shape
report changes with both) is summarised again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QVBoxLayout, QWidget

from playground.ui.views.summary_view import SummaryView

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow


class SummaryWindow(QWidget):
    """A tool window owned by the main window, holding its SummaryView."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window, Qt.WindowType.Window)
        self.main = window
        self.setObjectName("summary_window")
        self.setWindowTitle("Model summary")
        self.view = SummaryView(self)
        self.view.busy_budget = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.resize(820, 420)
        window.document.report_changed.connect(lambda _report: self.follow())
        self.follow()

    def follow(self) -> None:
        """Summarise the document's network as it is now."""
        self.view.refresh(self.main.controller.buffer, self.main.view_context())


def show_summary(window: MainWindow) -> SummaryWindow:
    """Open (or bring forward) the window's summary."""
    summary = window.findChild(SummaryWindow)
    if summary is None:
        summary = SummaryWindow(window)
    summary.follow()
    summary.show()
    summary.raise_()
    summary.activateWindow()
    return summary


def show_projector(window: MainWindow) -> None:
    for dock, view in window.views:
        if view.title == "Projector":
            dock.show()
            dock.raise_()


def add_actions(menu: QMenu, window: MainWindow) -> None:
    projector = QAction("Projector", menu)
    projector.setToolTip("Show each block's activations on the validation samples on their principal plane, "
                         "over the timeline")
    projector.triggered.connect(lambda: show_projector(window))
    summary = QAction("Model summary…", menu)
    summary.setToolTip("Per block: output shape, parameters, multiply–accumulates and activation memory per "
                       "sample, with the totals")
    summary.triggered.connect(lambda: show_summary(window))
    menu.addAction(projector)
    menu.addAction(summary)
