"""The Qt undo stack's commands: a thin wrapper around one reversible graph edit, and a lesion toggle.

The edit itself (``playground.graph.edits``) does all the work, and the Graph puts re-created
things back in their place (``Graph.restore_node``, indexed inserts), so saved files and
compile order stay identical after undo and redo without this class touching the graph.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from playground.graph.edits import Edit
from playground.graph.model import Graph
from playground.workspace import Workspace


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


class LesionCommand(QUndoCommand):
    """One lesion toggle as an undo step: the Workspace's lesion list before and after.

    Like ``EditCommand`` it is pushed after the change was made once, so its first ``redo`` is
    skipped; both directions go through ``Workspace.set_lesions`` (which announces the change)."""

    def __init__(self, workspace: Workspace, before: list[dict[str, Any]], after: list[dict[str, Any]],
                 text: str) -> None:
        super().__init__(text)
        self.workspace = workspace
        self.before = [dict(x) for x in before]
        self.after = [dict(x) for x in after]
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            return
        self.workspace.set_lesions(self.after)
        self._applied = True

    def undo(self) -> None:
        self.workspace.set_lesions(self.before)
        self._applied = False
