"""Help ▸ Keyboard Shortcuts: a table made from the window's real QActions, so it cannot drift
from what the keys do."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

Native = QKeySequence.SequenceFormat.NativeText
# Keys the canvas reads itself rather than through a QAction (listed unless an action has them)
CANVAS_KEYS = (("Canvas", "Add a block by typing its name", "/ or Ctrl+K"),
               ("Canvas", "Cancel the wire being drawn", "Esc"))


@dataclass(frozen=True)
class ShortcutRow:
    menu: str
    command: str
    keys: str


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").replace("…", "").strip()


def shortcut_rows(window: QMainWindow) -> list[ShortcutRow]:
    """Every action of ``window`` that has a shortcut, grouped by the menu it is in."""
    menu_of: dict[int, tuple[int, str]] = {}  # action -> (place in the menus, menu path)

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} ▸ {_clean(sub.title())}")
            else:
                menu_of.setdefault(id(action), (len(menu_of), path))

    for top in window.menuBar().actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            walk(sub, _clean(sub.title()))
    placed: list[tuple[int, ShortcutRow]] = []
    seen: set[int] = set()
    for action in window.findChildren(QAction):
        keys = [k.toString(Native) for k in action.shortcuts() if not k.isEmpty()]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        command = _clean(action.text()) or _clean(action.toolTip())
        place, menu = menu_of.get(id(action), (len(menu_of) + len(placed), "Window"))
        placed.append((place, ShortcutRow(menu, command, " or ".join(keys))))
    return [row for _, row in sorted(placed, key=lambda item: item[0])]


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(window)
        taken = {key for row in rows for key in row.keys.split(" or ")}
        self.rows = rows + [ShortcutRow(*row) for row in CANVAS_KEYS
                            if not set(row[2].split(" or ")) & taken]
        self.table = QTableWidget(len(self.rows), 3, self)
        self.table.setObjectName("shortcuts_table")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setToolTip("Every command that has a key, by menu")
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for r, row in enumerate(self.rows):
            for c, text in enumerate((row.menu, row.command, row.keys)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close (Escape)")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Keys work when the main window is active; Space starts and pauses training."))
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 560)
