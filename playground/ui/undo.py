"""The Qt undo stack's command: a thin wrapper around one reversible graph edit.

The edit itself (``playground.graph.edits``) does the work; this class only
remembers the order of the graph's nodes, wires and groups so that undo puts
re-created things back in their place (saved files and compile order stay
identical after undo/redo).
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from playground.graph.edits import Edit
from playground.graph.model import Graph

Order = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def graph_order(graph: Graph) -> Order:
    return tuple(graph.nodes), tuple(graph.edges), tuple(graph.groups)


def restore_order(graph: Graph, order: Order) -> None:
    """Reorder the graph's tables to ``order`` when they hold exactly those keys."""
    for table, keys in ((graph.nodes, order[0]), (graph.edges, order[1]), (graph.groups, order[2])):
        if tuple(table) != keys and set(table) == set(keys):
            items = [(k, table[k]) for k in keys]
            table.clear()
            table.update(items)


class EditCommand(QUndoCommand):
    """One undo step. Constructed after the edit was applied once (so a failing
    edit never reaches the stack); the stack's first ``redo`` is therefore skipped."""

    def __init__(self, graph: Graph, edit: Edit, before: Order) -> None:
        super().__init__(edit.text)
        self.graph = graph
        self.edit = edit
        self._before = before
        self._after = graph_order(graph)
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            return
        self.edit.apply(self.graph)
        restore_order(self.graph, self._after)
        self._applied = True

    def undo(self) -> None:
        self.edit.revert(self.graph)
        restore_order(self.graph, self._before)
        self._applied = False
