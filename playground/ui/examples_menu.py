"""File ▸ Open Example: a shipped session with a story (``playground.workspace.examples``).

Opening one asks about unsaved work first, loads it untitled (Save asks for a name, so the
shipped file is never written over) and shows its story in a card over the canvas, without
taking the keyboard: Space still starts training.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QMainWindow, QMenu

from playground.session.errors import SessionError
from playground.ui import dialogs
from playground.ui.file_ops import FileOps
from playground.ui.help.card import InfoCard
from playground.workspace.examples import EXAMPLES, load_example


class ExampleStories:
    """The Open Example menu of ``window`` and the card that tells the open session's story."""

    def __init__(self, window: QMainWindow, file_ops: FileOps) -> None:
        self.window, self.file_ops = window, file_ops
        self.card = InfoCard(window, "story_card")
        self.title = ""
        self.menu = QMenu("Open &Example", window)
        self.menu.setObjectName("menu_examples")
        self.menu.setToolTipsVisible(True)
        for name, example in EXAMPLES.items():
            action = self.menu.addAction(example.title)
            action.setObjectName(f"example_{name}")
            action.setToolTip(example.summary)
            action.setStatusTip(example.summary)
            action.triggered.connect(lambda _=False, n=name: self.open(n))
        file_ops.workspace.loaded.connect(self._loaded)

    def open(self, name: str) -> bool:
        """Open example ``name``; False (with a message) when it cannot be opened."""
        if not self.file_ops.maybe_save("open the example"):
            return False
        example = EXAMPLES[name]
        try:
            session = load_example(name)
        except SessionError as exc:
            dialogs.inform(self.window, "Cannot open the example", str(exc))
            return False
        if not self.file_ops.load(session, problem="Cannot open the example"):
            return False
        self.title = example.title
        self.show_story()
        self.file_ops.show_message(f"Opened the example “{example.title}”: press Train (Space) to start")
        return True

    def _loaded(self) -> None:
        self.title = ""
        self.card.hide()

    def show_story(self) -> bool:
        """The notes of the open session in the card (False when it has none)."""
        notes = self.file_ops.workspace.notes.strip()
        if not notes:
            self.card.hide()
            return False
        self.card.set_content(self.title or "Notes", notes,
                              [("Close", "Hide the story (Help ▸ Example Story shows it again)", self.card.hide)])
        canvas = getattr(self.window, "canvas", None)
        if canvas is not None and canvas.isVisible():
            self.card.place_inside(QRect(canvas.mapTo(self.window, QPoint(0, 0)), canvas.size()))
        else:
            self.card.place_near(None)
        return True
