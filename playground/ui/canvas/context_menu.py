"""Right-click menu on the canvas: the editing commands for what was clicked."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from playground.ui.canvas.block_item import BlockItem
from playground.ui.canvas.edge_item import EdgeItem
from playground.ui.canvas.group_item import GroupItem
from playground.ui.canvas.interactions import topmost_item

if TYPE_CHECKING:
    from playground.ui.canvas.view import GraphCanvasView


# Entries other tools add to a block's menu, per canvas: fn(menu, node_id, block type)
BlockEntries = Callable[[QMenu, str, str], None]
_BLOCK_ENTRIES: weakref.WeakKeyDictionary[GraphCanvasView, list[BlockEntries]] = weakref.WeakKeyDictionary()


def add_block_entries(view: GraphCanvasView, entries: BlockEntries) -> None:
    """Let ``entries`` add to the right-click menu of every block on ``view`` (e.g. the lesions)."""
    _BLOCK_ENTRIES.setdefault(view, []).append(entries)


def build_context_menu(view: GraphCanvasView, view_pos: QPoint) -> QMenu:
    """Selects what is under the cursor (keeping a selection it belongs to) and offers actions."""
    menu = QMenu(view)
    item = topmost_item(view.items(view_pos))
    if isinstance(item, BlockItem | EdgeItem | GroupItem) and not item.isSelected():
        view.graph_scene.clearSelection()
        item.setSelected(True)
    if view.graph_scene.selectedItems():
        if view.selected_node_ids():
            menu.addAction("Copy", view.copy)
            menu.addAction("Cut", view.cut)
            menu.addAction("Duplicate", view.duplicate)
            menu.addAction("Group", lambda: view.group_selected("Group"))
        menu.addAction("Delete", view.delete_selected)
        menu.addSeparator()
    block = item if isinstance(item, BlockItem) else None
    if block is not None and block.has_unit_controls:
        word = block.units_word
        menu.addAction(f"Add one of the {word} (+)", lambda: view.change_units(block.node_id, +1))
        menu.addAction(f"Remove one of the {word} (−)", lambda: view.change_units(block.node_id, -1))
        menu.addAction("Add a layer after this one", lambda: view.add_layer(block.node_id))
        menu.addSeparator()
    if block is not None:
        for entries in _BLOCK_ENTRIES.get(view, []):
            entries(menu, block.node_id, block.type_name)
    menu.addAction("Add block… (/ or Ctrl+K)", lambda: view.open_add_popup(view_pos))
    menu.addAction("Paste here", lambda: view.paste(view_pos))
    menu.addSeparator()
    menu.addAction("Auto-layout", view.auto_layout)
    menu.addAction("Fit view", view.fit_view)
    snap = menu.addAction("Snap to grid")
    snap.setCheckable(True)
    snap.setChecked(view.snap_enabled)
    snap.toggled.connect(view.set_snap)
    large = menu.addAction("Large unit heatmaps")
    large.setCheckable(True)
    large.setChecked(view.large_thumbnails)
    large.toggled.connect(view.set_large_thumbnails)
    return menu
