"""Help menu actions: Take the Tour, About the Views, Keyboard Shortcuts, Example Story, About."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from playground.ui import dialogs
from playground.ui.help.tour import Tour

# The dialogs are imported when asked for: the About box reads every library's version, which
# the window's first frame does not need.


class HelpMenu:
    """Adds ``&Help`` to ``window``'s menu bar. ``show_story`` shows the open session's notes
    (False when it has none)."""

    def __init__(self, window: QMainWindow, settings: QSettings, show_story: Callable[[], bool]) -> None:
        self.window, self.settings, self._show_story = window, settings, show_story
        self.tour = Tour(window, settings)
        self.menu = QMenu("&Help", window)
        self.menu.setObjectName("menu_help")
        self.menu.setToolTipsVisible(True)
        self.take_tour = self._add("Take the &Tour", "A one-minute tour of the window: blocks, canvas, data, "
                                   "Train and the views", self.tour.start, QKeySequence.StandardKey.HelpContents)
        self.about_views = self._add("About the &Views…", "What each view shows and what to look for",
                                     self.show_views)
        self.shortcuts = self._add("&Keyboard Shortcuts…", "Every command that has a key", self.show_shortcuts,
                                   "Ctrl+/")
        self.story = self._add("Example &Story", "What to do and what to look for in the open example",
                               self.show_story)
        self.menu.addSeparator()
        self.about = self._add("&About Neural Playground…", "The version of the app and of what it runs on",
                               self.show_about)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.menu.aboutToShow.connect(self._refresh)

    def _add(self, text: str, tip: str, slot: Callable[[], object],
             shortcut: QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName("action_help_" + text.replace("&", "").replace("…", "").strip().lower().replace(" ", "_"))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            tip = f"{tip} ({keys})" if keys else tip
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)
        self.menu.addAction(action)
        return action

    def _refresh(self) -> None:
        workspace = getattr(self.window, "workspace", None)
        self.story.setEnabled(bool(workspace is not None and workspace.notes.strip()))

    def offer_tour(self) -> bool:
        """The first launch's offer (see ``Tour.offer``)."""
        return self.tour.offer()

    def show_story(self) -> None:
        if not self._show_story():
            self.window.statusBar().showMessage("This session has no notes", 5000)

    def show_views(self) -> None:
        from playground.ui.help.views_help import ViewsDialog

        dialogs.exec_dialog(ViewsDialog(self.window))

    def show_shortcuts(self) -> None:
        from playground.ui.help.shortcuts import ShortcutsDialog

        dialogs.exec_dialog(ShortcutsDialog(self.window))

    def show_about(self) -> None:
        from playground.ui.help.about import AboutDialog

        dialogs.exec_dialog(AboutDialog(self.window))
