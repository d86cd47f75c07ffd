"""The Qt side of the Document: the undo stack around the Workspace's Qt-free Document, and
the re-check coalesced to the next event-loop turn (a macro of many edits is checked once).

Every edit goes through :meth:`Document.push`; the model's events are re-emitted as Qt
signals for the canvas and the inspector.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack
from shiboken6 import isValid

from playground.graph.edits import Edit
from playground.graph.model import Graph, GraphEditError
from playground.graph.spec import ShapeReport, TaskSpec
from playground.ui.undo import EditCommand
from playground.workspace.document import Document as DocumentModel


class Document(QObject):
    """Signals: ``report_changed(ShapeReport)``, ``graph_replaced()``, ``dirty_changed(bool)``,
    ``message(str)`` (a user-facing problem), ``selection_changed(list[str])`` (node ids).

    ``model`` is the Workspace's document (a fresh one when none is given)."""

    report_changed = Signal(object)
    graph_replaced = Signal()
    dirty_changed = Signal(bool)
    message = Signal(str)
    selection_changed = Signal(list)

    def __init__(self, graph: Graph | None = None, task: TaskSpec | None = None,
                 parent: QObject | None = None, model: DocumentModel | None = None) -> None:
        super().__init__(parent)
        self.model = model if model is not None else DocumentModel(graph, task)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(lambda clean: isValid(self) and self.model.set_dirty(not clean))
        self._recheck_timer = QTimer(self)
        self._recheck_timer.setSingleShot(True)
        self._recheck_timer.setInterval(0)
        self._recheck_timer.timeout.connect(self.recheck_now)
        self._graph = self.model.graph
        self._graph.changed.connect(self._schedule_recheck)
        self.model.graph_replaced.connect(self._model_replaced)
        for name in ("report_changed", "selection_changed", "dirty_changed"):
            getattr(self.model, name).connect(lambda *args, n=name: self._forward(n, *args))
        self.model.saved.connect(lambda: isValid(self) and self.undo_stack.setClean())

    def _forward(self, name: str, *args: object) -> None:
        # the model may outlive this object (the undo stack still emits while it is torn down)
        if isValid(self):
            getattr(self, name).emit(*args)

    # ------------------------------------------------------------- the model
    @property
    def graph(self) -> Graph:
        return self.model.graph

    @property
    def task(self) -> TaskSpec | None:
        return self.model.task

    @property
    def report(self) -> ShapeReport:
        return self.model.report

    @property
    def selection(self) -> list[str]:
        return self.model.selection

    # ------------------------------------------------------------------ edits
    def push(self, edit: Edit) -> bool:
        """Apply ``edit`` as one undo step. A refused edit becomes a ``message``; returns success."""
        try:
            self.model.apply(edit)
        except GraphEditError as err:
            self.message.emit(str(err))
            return False
        self.undo_stack.push(EditCommand(self.graph, edit))
        return True

    def set_task(self, task: TaskSpec | None) -> None:
        self.model.set_task(task)

    def set_graph(self, graph: Graph) -> None:
        """Replace the whole graph (new/open): the undo history starts afresh."""
        self.model.set_graph(graph)

    def _model_replaced(self) -> None:
        self._recheck_timer.stop()
        self._graph.changed.disconnect(self._schedule_recheck)
        self._graph = self.model.graph
        self._graph.changed.connect(self._schedule_recheck)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.graph_replaced.emit()

    # ------------------------------------------------------------ save state
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def mark_saved(self) -> None:
        self.model.mark_saved()

    # --------------------------------------------------------------- checking
    def recheck_now(self) -> None:
        """Check the graph immediately (normally done on the next event-loop turn)."""
        self._recheck_timer.stop()
        self.model.recheck()

    def _schedule_recheck(self) -> None:
        if not self._recheck_timer.isActive():
            self._recheck_timer.start()

    # -------------------------------------------------------------- selection
    def set_selection(self, node_ids: list[str]) -> None:
        self.model.set_selection(node_ids)
