"""Plot views shown in the main window's docks (loss curves, histograms, attention, ...).

Layer: ui. Each view is one file with a ViewBase subclass listed in ALL_VIEWS.
"""

from __future__ import annotations

from PySide6.QtGui import QImage

from playground.train.metrics import MetricsBuffer
from playground.ui.views.base import ViewBase, ViewContext

ALL_VIEWS: list[type[ViewBase]] = []


def unit_thumbnails(buffer: MetricsBuffer) -> dict[str, QImage]:
    """node id -> small per-unit heatmap for hidden blocks (none until views provide them)."""
    return {}


__all__ = ["ALL_VIEWS", "ViewBase", "ViewContext", "unit_thumbnails"]
