"""The document being edited: a Graph, its undo stack, its task and its latest check.

Every edit goes through :meth:`Document.push`; the graph is re-checked after
changes, coalesced so a macro of many edits is checked once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from playground.compile.check import check
from playground.graph.edits import Edit
from playground.graph.model import Graph, GraphEditError
from playground.graph.spec import ShapeReport, TaskSpec
from playground.ui.undo import EditCommand


class Document(QObject):
    """Signals: ``report_changed(ShapeReport)``, ``graph_replaced()``, ``dirty_changed(bool)``,
    ``message(str)`` (a user-facing problem), ``selection_changed(list[str])`` (node ids)."""

    report_changed = Signal(object)
    graph_replaced = Signal()
    dirty_changed = Signal(bool)
    message = Signal(str)
    selection_changed = Signal(list)

    def __init__(self, graph: Graph | None = None, task: TaskSpec | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = graph if graph is not None else Graph()
        self.task = task
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.selection: list[str] = []
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(0)
        self._recheck_timer.timeout.connect(self.recheck_now)
        self.report: ShapeReport = check(self.graph, self.task)
        self.graph.changed.connect(self._schedule_recheck)

    # ------------------------------------------------------------------ edits
    def push(self, edit: Edit) -> bool:
        """Apply ``edit`` as one undo step. A refused edit becomes a ``message``; returns success."""
        try:
            edit.apply(self.graph)
        except GraphEditError as err:
            self.message.emit(str(err))
            return False
        self.undo_stack.push(EditCommand(self.graph, edit))
        return True

    def set_task(self, task: TaskSpec | None) -> None:
        self.task = task
        self.recheck_now()

    def set_graph(self, graph: Graph) -> None:
        """Replace the whole graph (new/open): the undo history starts afresh."""
        self._recheck_timer.stop()
        self.graph.changed.disconnect(self._schedule_recheck)
        self.undo_stack.clear()
        self.graph = graph
        self.graph.changed.connect(self._schedule_recheck)
        self.selection = []
        self.report = check(self.graph, self.task)
        self.graph_replaced.emit()
        self.report_changed.emit(self.report)
        self.undo_stack.setClean()
        self.dirty_changed.emit(False)

    # ------------------------------------------------------------ save state
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def mark_saved(self) -> None:
        self.undo_stack.setClean()

    # --------------------------------------------------------------- checking
    def recheck_now(self) -> None:
        """Check the graph immediately (normally done on the next event-loop turn)."""
        self._recheck_timer.stop()
        self.report = check(self.graph, self.task)
        self.report_changed.emit(self.report)

    def _schedule_recheck(self) -> None:
        if not self._recheck_timer.isActive():
            self._recheck_timer.start()

    def _clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    # -------------------------------------------------------------- selection
    def set_selection(self, node_ids: list[str]) -> None:
        if node_ids != self.selection:
            self.selection = list(node_ids)
            self.selection_changed.emit(list(node_ids))
