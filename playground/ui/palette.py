"""The block palette: the library by category, a search box, drag a block onto the canvas."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from playground.compile.blocks import BLOCKS
from playground.graph.spec import BLOCK_CATEGORIES

BLOCK_MIME = "application/x-playground-block"
_TYPE_ROLE = Qt.ItemDataRole.UserRole


def block_mime_data(block_type: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(BLOCK_MIME, block_type.encode("utf-8"))
    mime.setText(block_type)
    return mime


class _BlockTree(QTreeWidget):
    """A tree whose block entries drag as BLOCK_MIME (Qt's own drag loop uses ``mimeData``)."""

    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        names = [it.data(0, _TYPE_ROLE) for it in items if it.data(0, _TYPE_ROLE)]
        return block_mime_data(names[0] if names else "")


class BlockPalette(QWidget):
    """Emits ``block_activated(type)`` on double-click / Enter (the window adds it at the view's centre)."""

    block_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search blocks…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Filter blocks by name, category or description")
        self.tree = _BlockTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.tree.setRootIsDecorated(True)
        self.tree.setToolTip("Drag a block onto the canvas, or double-click it to add it")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._categories: dict[str, QTreeWidgetItem] = {}
        self._populate()
        self.search.textChanged.connect(self.filter)
        self.tree.itemActivated.connect(self._activated)

    def _populate(self) -> None:
        by_category: dict[str, list[str]] = defaultdict(list)
        for name, block in BLOCKS.items():
            by_category[block.category].append(name)
        for category in (c for c in BLOCK_CATEGORIES if c in by_category):
            top = QTreeWidgetItem([category])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(top)
            self._categories[category] = top
            for name in sorted(by_category[category]):
                description = BLOCKS[name].description
                item = QTreeWidgetItem([name])
                item.setData(0, _TYPE_ROLE, name)
                item.setToolTip(0, f"{name}: {description}")
                item.setStatusTip(0, description)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                top.addChild(item)
                self.items[name] = item
            top.setExpanded(True)

    def filter(self, text: str) -> None:
        """Show only blocks whose name, category or description contains every word typed."""
        words = text.lower().split()
        for category, top in self._categories.items():
            shown = 0
            for i in range(top.childCount()):
                item = top.child(i)
                name = item.data(0, _TYPE_ROLE)
                hay = f"{name} {category} {BLOCKS[name].description}".lower()
                hidden = not all(w in hay for w in words)
                item.setHidden(hidden)
                shown += not hidden
            top.setHidden(shown == 0)
            if words:
                top.setExpanded(True)

    def visible_blocks(self) -> list[str]:
        return [name for name, item in self.items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def mime_data_for(self, block_type: str) -> QMimeData:
        """Exactly what dragging ``block_type`` out of the palette carries."""
        return self.tree.mimeData([self.items[block_type]])

    def _activated(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, _TYPE_ROLE)
        if name:
            self.block_activated.emit(name)
