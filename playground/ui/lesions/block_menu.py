"""The lesion entries of a block's right-click menu: bypass, zero units/channels/heads, cut a
residual branch, remove the lesion. An entry the network does not allow is shown disabled with
the reason under it, so the refusal is read where the choice is made."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from playground.analysis.lesions import Lesion
from playground.ui import dialogs
from playground.ui.lesions.lesion_state import LesionController
from playground.ui.lesions.units_chooser import UnitChooser


def add_lesion_entries(menu: QMenu, lesions: LesionController, node_id: str, type_name: str) -> None:
    graph = lesions.workspace.document.graph
    node = graph.nodes.get(node_id)
    if node is None or node.type in ("Input", "Output"):
        return
    sub = menu.addMenu("Lesion")
    sub.setToolTipsVisible(True)
    sub.setObjectName("lesion_menu")
    current = lesions.lesion_of(node_id)
    if type_name == "Add":
        _entry(sub, lesions, Lesion("cut_branch", node_id), "Cut residual branch",
               "The Add keeps only its skip input, as if the branch were gone")
    _entry(sub, lesions, Lesion("bypass", node_id), "Bypass (identity)",
           "The block passes its input through unchanged")
    noun = lesions.unit_noun(node_id)
    chooser = sub.addAction(f"Zero {noun}…", lambda: ask_units(lesions, node_id, noun))
    chooser.setToolTip(f"Choose {noun} of this block whose output reads zero")
    if lesions.trainer() is None:
        chooser.setEnabled(False)
    if current is not None:
        sub.addSeparator()
        remove = sub.addAction("Remove lesion", lambda: lesions.remove(node_id))
        remove.setToolTip("Put the block back as it was trained")
    menu.addSeparator()


def _entry(menu: QMenu, lesions: LesionController, lesion: Lesion, text: str, tip: str) -> None:
    why = lesions.refusal(lesion)
    action = menu.addAction(text, lambda: lesions.toggle(lesion))
    action.setToolTip(tip if why is None else why)
    if why is not None:
        action.setEnabled(False)
        reason = menu.addAction(f"    ({why})")
        reason.setEnabled(False)
        reason.setToolTip(why)


def ask_units(lesions: LesionController, node_id: str, noun: str) -> bool:
    """Open the chooser; the ticked units are zeroed (one undo step). True if a lesion was made."""
    current = lesions.lesion_of(node_id)
    chosen = current.units if current is not None and current.kind == "zero_units" else ()
    node = lesions.workspace.document.graph.nodes[node_id]
    dialog = UnitChooser(f'"{node.label}"', lesions.unit_count(node_id), noun, chosen, lesions.window)
    if not dialogs.exec_dialog(dialog):
        return False
    units = dialog.chosen()
    if not units:
        lesions.remove(node_id)
        return False
    return lesions.toggle(Lesion("zero_units", node_id, units))
