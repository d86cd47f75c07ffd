"""The Analyze menu: the tools that take a trained network apart (lesions, pruning, the
step-through inspector, the projector, the summary, the learning-rate finder, restoring the best
checkpoint).

Each tool lives in its own module and contributes its entries through one function
``add_actions(menu: QMenu, window: MainWindow) -> None`` listed in ``_contributors()``; this module
only builds the menu in that order, with separators between tools. A tool's entries work on the
window's Workspace and controller, never on what a widget shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow

Contributor = Callable[[QMenu, "MainWindow"], None]


def _contributors() -> list[Contributor]:
    """Imported here, when the menu is built, so that a tool's module loads with the window."""
    found: list[Contributor] = []
    # per tool: ``from playground.ui.X import add_actions as x`` and ``found.append(x)``
    from playground.ui.step_inspector.menu import add_actions as step_inspector
    found.append(step_inspector)
    from playground.ui.lesions import add_actions as lesions
    found.append(lesions)
    from playground.ui.summary_window import add_actions as summary_and_projector
    found.append(summary_and_projector)
    from playground.ui.lr_finder_dialog import add_actions as lr_finder
    found.append(lr_finder)
    from playground.ui.best_checkpoint import add_actions as best_checkpoint
    found.append(best_checkpoint)
    return found


def build_analyze_menu(window: MainWindow) -> QMenu:
    """The "&Analyze" menu with every tool's entries; empty tools add nothing."""
    menu = QMenu("&Analyze", window)
    menu.setObjectName("analyze_menu")
    menu.setToolTipsVisible(True)
    for index, contribute in enumerate(_contributors()):
        if index and not menu.isEmpty():
            menu.addSeparator()
        contribute(menu, window)
    return menu
