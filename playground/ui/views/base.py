"""ViewBase: what every plot dock implements; ViewContext: what it may read besides the buffer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtWidgets import QWidget

from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.train.metrics import MetricsBuffer


@dataclass
class ViewContext:
    """Read-only facts about the current session, handed to ``refresh``.

    ``bundle`` is the current dataset (a ``playground.data.DataBundle``) or None;
    ``selected`` the selected node ids on the canvas; ``theme`` "light" or "dark".
    """

    graph: Graph
    task: TaskSpec | None = None
    bundle: Any = None
    selected: list[str] = field(default_factory=list)
    theme: str = "light"

    def label(self, node_id: str) -> str:
        node = self.graph.nodes.get(node_id)
        return node.label if node else node_id


def on_screen(widget: QWidget) -> bool:
    """Shown and not covered: a dock tabbed behind another one stays ``isVisible()`` in Qt 6,
    but its visible region is empty."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class ViewBase(QWidget):
    """A dockable plot. The main window calls ``refresh`` ~30 times a second, but only
    while the dock is visible and the buffer changed; ``refresh`` must be quick. A view draws
    the state at ``pinned_step`` (``MetricsBuffer.snapshot_at``), set by ``show_step``."""

    title: str = "View"
    pinned_step: int | None = None  # the step the timeline shows (None: live, the latest)

    def refresh(self, buffer: MetricsBuffer, context: ViewContext) -> None:
        raise NotImplementedError

    def show_step(self, step: int | None) -> None:
        """Show the state at ``step`` (None: follow the latest), chosen on the window's timeline."""
        self.pinned_step = step
        self.redraw()

    def redraw(self) -> None:
        """Draw again with the last data (views that keep it override this)."""

    def export_png(self, path: str) -> None:
        self.grab().save(path, "PNG")

    def export_csv(self, path: str) -> None:
        raise NotImplementedError(f"{self.title} has no data to export as CSV")
