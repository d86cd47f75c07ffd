"""PendingView: what a view's dock holds until the dock is first shown.

Building a view (its pyqtgraph plots, axes and menus) costs tens of milliseconds; seven of them
were most of the work before the window's first frame, though the default layout shows two or
three. The main window puts a PendingView in each view's dock and builds the real view the first
time its dock is shown (``MainWindow.view_of``). Until then the placeholder keeps the step the
timeline picked, so the view opens on it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from playground.train.metrics import MetricsBuffer
from playground.ui.views.base import ViewBase, ViewContext


class PendingView(ViewBase):
    """Stands in for a view of class ``view_class`` that is not built yet; draws nothing."""

    def __init__(self, view_class: type[ViewBase], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_class = view_class
        self.title = view_class.title
        self.setObjectName("pending_" + view_class.__name__.lower())

    def refresh(self, buffer: MetricsBuffer, context: ViewContext) -> None:
        """Nothing to draw: the real view draws the buffer once it is built."""


def view_class_of(widget: QWidget | None) -> type:
    """The view class a dock's widget is, or stands in for."""
    return widget.view_class if isinstance(widget, PendingView) else type(widget)
