"""Lesions and pruning in the app. Layer: ui (may import everything below, Qt and pyqtgraph).

The lesion state on the live network and its canvas entries (``lesion_state``, ``block_menu``),
the lesion table window and the Prune dialog; the Analyze menu's entries come from
``add_actions`` (contract 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from playground.ui.canvas.context_menu import add_block_entries
from playground.ui.lesions.block_menu import add_lesion_entries
from playground.ui.lesions.lesion_state import LesionController, lesion_controller

if TYPE_CHECKING:
    from playground.ui.lesions.prune_dialog import PruneDialog
    from playground.ui.lesions.table_window import LesionTableWindow
    from playground.ui.main_window import MainWindow


__all__ = ["LesionController", "add_actions", "lesion_controller", "open_lesion_table", "open_prune_dialog"]


def add_actions(menu: QMenu, window: MainWindow) -> None:
    """Lesion table…, Prune…, Remove all lesions; and the lesion entries of each block's menu."""
    lesions = LesionController(window)
    lesions.message.connect(lambda text: window.show_message(text, 10000))
    add_block_entries(window.canvas, lambda sub, node_id, type_name: add_lesion_entries(sub, lesions, node_id,
                                                                                         type_name))
    table = menu.addAction("Lesion table…", lambda: open_lesion_table(window))
    table.setObjectName("action_lesion_table")
    table.setToolTip("Lesion every block alone and chart what each costs on the validation metric")
    prune = menu.addAction("Prune…", lambda: open_prune_dialog(window))
    prune.setObjectName("action_prune")
    prune.setToolTip("Magnitude pruning and lottery tickets: remove the smallest weights and see the cost")
    clear = menu.addAction("Remove all lesions", lesions.remove_all)
    clear.setObjectName("action_remove_lesions")
    clear.setToolTip("Put every lesioned block back as it was trained (one undo step)")


def open_lesion_table(window: MainWindow) -> LesionTableWindow:
    from playground.ui.lesions.table_window import LesionTableWindow

    found = window.findChild(LesionTableWindow)
    table = found if found is not None else LesionTableWindow(window)
    table.show()
    table.raise_()
    table.run()
    return table


def open_prune_dialog(window: MainWindow) -> PruneDialog:
    from playground.ui.lesions.prune_dialog import PruneDialog

    found = window.findChild(PruneDialog)
    dialog = found if found is not None else PruneDialog(window)
    dialog.show()
    dialog.raise_()
    return dialog
