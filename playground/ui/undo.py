"""The Qt undo stack's command: a thin wrapper around one reversible graph edit.

The edit itself (``playground.graph.edits``) does all the work, and the Graph puts re-created
things back in their place (``Graph.restore_node``, indexed inserts), so saved files and
compile order stay identical after undo and redo without this class touching the graph.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from playground.graph.edits import Edit
from playground.graph.model import Graph


class EditCommand(QUndoCommand):
    """One undo step. Constructed after the edit was applied once (so a failing
    edit never reaches the stack); the stack's first ``redo`` is therefore skipped."""

    def __init__(self, graph: Graph, edit: Edit) -> None:
        super().__init__(edit.text)
        self.graph = graph
        self.edit = edit
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            return
        self.edit.apply(self.graph)
        self._applied = True

    def undo(self) -> None:
        self.edit.revert(self.graph)
        self._applied = False
