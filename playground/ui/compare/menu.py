"""The Train menu's "Compare Runs…" and "Sweep…" entries (one hook line in ``ui/actions.py``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget


class _Opened:
    """Keeps the windows it opened alive while they are shown."""

    def __init__(self) -> None:
        self.windows: list[QWidget] = []

    def keep(self, window: QWidget) -> QWidget:
        self.windows = [w for w in self.windows if w.isVisible()] + [window]
        window.show()
        window.raise_()
        return window


def add_train_actions(menu: QMenu, window: Any) -> None:
    """Add the two entries to ``menu``; they open their windows on ``window.workspace``."""
    opened = _Opened()
    window.compare_windows = opened

    def compare() -> QWidget:
        from playground.ui.compare.window import CompareWindow
        return opened.keep(CompareWindow(window.workspace, window))

    def sweep() -> QWidget:
        from playground.ui.sweep_window import SweepWindow
        return opened.keep(SweepWindow(window.workspace, window))

    menu.addSeparator()
    for text, slot, tip, name in (
            ("Compare Runs…", compare, "Train variants of this network over several seeds and compare them",
             "action_compare_runs"),
            ("Sweep…", sweep, "Train a grid of settings over several seeds: a results table and a scatter",
             "action_sweep")):
        action = QAction(text, menu)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False, s=slot: s())
        menu.addAction(action)
