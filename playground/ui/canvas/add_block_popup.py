"""Search-to-add: "/" or Ctrl+K on the canvas, or a double-click on empty canvas, opens this list at the
cursor (Tab is left to move the keyboard focus, as everywhere)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from playground.compile.blocks import BLOCKS
from playground.graph.spec import BLOCK_CATEGORIES


class AddBlockPopup(QFrame):
    """Type to filter the block library; Enter or a click emits ``chosen(type_name)``."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search blocks to add…  (open with / or Ctrl+K)")
        self.search.setAccessibleName("Search blocks to add")
        self.search.setToolTip("Type part of a block's name or purpose; Up/Down choose, Enter adds it. "
                               "Open this with / or Ctrl+K on the canvas, or double-click empty canvas.")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Blocks to add")
        self.list.setToolTip("Click a block, or press Enter, to add it where the search was opened")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.resize(280, 320)
        for name in sorted(BLOCKS, key=lambda n: (BLOCK_CATEGORIES.index(BLOCKS[n].category), n)):
            block = BLOCKS[name]
            item = QListWidgetItem(f"{name}  —  {block.category}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(block.description)
            self.list.addItem(item)
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)
        self.search.returnPressed.connect(self.accept_current)
        self.list.itemActivated.connect(lambda _item: self.accept_current())
        self.list.itemClicked.connect(lambda _item: self.accept_current())

    def open_at(self, global_pos: QPoint) -> None:
        self.search.clear()
        self.filter("")
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def filter(self, text: str) -> None:
        words = text.lower().split()
        visible = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            name = item.data(Qt.ItemDataRole.UserRole)
            hay = f"{name} {BLOCKS[name].category} {BLOCKS[name].description}".lower()
            item.setHidden(not all(w in hay for w in words))
            if not item.isHidden():
                visible.append(item)
        # Prefer a block whose name starts with what was typed ("lin" -> Linear).
        prefix = [it for it in visible if words and it.data(Qt.ItemDataRole.UserRole).lower().startswith(words[0])]
        self.list.setCurrentItem((prefix or visible or [None])[0])

    def accept_current(self) -> None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return
        self.hide()
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down in the search box walk the list, so typing and choosing need no mouse.
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                rows = [i for i in range(self.list.count()) if not self.list.item(i).isHidden()]
                if rows:
                    cur = self.list.currentRow()
                    at = rows.index(cur) if cur in rows else -1
                    at = min(at + 1, len(rows) - 1) if key == Qt.Key.Key_Down else max(at - 1, 0)
                    self.list.setCurrentRow(rows[at])
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)
