"""Plot views shown in the main window's docks (loss curves, histograms, attention, ...).

Layer: ui. Each view is one file with a ViewBase subclass listed in ALL_VIEWS; shared pieces
(colour maps, smoothing, binning, tiling, export) are plain helpers.
"""

from __future__ import annotations

from playground.ui.views.activations_view import ActivationsView
from playground.ui.views.attention_view import AttentionView
from playground.ui.views.base import ViewBase, ViewContext
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.confusion_view import ConfusionView
from playground.ui.views.curves_view import CurvesView
from playground.ui.views.dynamics_view import DynamicsView
from playground.ui.views.histogram_view import HistogramView
from playground.ui.views.projector_view import ProjectorView
from playground.ui.views.thumbnails import unit_thumbnails

ALL_VIEWS: list[type[ViewBase]] = [CurvesView, HistogramView, BoundaryView, ActivationsView, AttentionView,
                                   DynamicsView, ConfusionView]
ALL_VIEWS.append(ProjectorView)  # projector: the representation projector

__all__ = ["ALL_VIEWS", "ActivationsView", "AttentionView", "BoundaryView", "CurvesView", "DynamicsView",
           "HistogramView", "ViewBase", "ViewContext", "unit_thumbnails"]
