"""The network being edited: a Graph, the task it is checked against, its latest check and
the selected blocks.

The undo history of the app wraps this model (each entry is one reversible edit from
``playground.graph.edits``); it tells the document whether the graph differs from the saved
one through :meth:`Document.set_dirty`.
"""

from __future__ import annotations

from playground.compile.check import check
from playground.graph.edits import Edit
from playground.graph.model import Graph
from playground.graph.observer import Signal
from playground.graph.spec import ShapeReport, TaskSpec


class Document:
    """Events: ``graph_replaced()``, ``report_changed(ShapeReport)``, ``selection_changed(list[str])``,
    ``dirty_changed(bool)``, ``saved()``.

    The check is redone lazily: an edit marks the report stale, :attr:`report` or
    :meth:`recheck` brings it up to date (the app coalesces a macro of edits into one check).
    """

    def __init__(self, graph: Graph | None = None, task: TaskSpec | None = None) -> None:
        self.graph_replaced = Signal()
        self.report_changed = Signal()
        self.selection_changed = Signal()
        self.dirty_changed = Signal()
        self.saved = Signal()
        self.graph = graph if graph is not None else Graph()
        self.task = task
        self.selection: list[str] = []
        self.dirty = False
        self._report: ShapeReport = check(self.graph, self.task)
        self._stale = False
        self.graph.changed.connect(self._graph_changed)

    # --------------------------------------------------------------- edits
    def apply(self, edit: Edit) -> None:
        """Apply one edit to the graph (raises ``GraphEditError`` when the graph refuses it)."""
        edit.apply(self.graph)

    def replace(self, graph: Graph, task: TaskSpec | None) -> None:
        """A whole new graph (new, open, template): selection and saved state start afresh."""
        self.graph.changed.disconnect(self._graph_changed)
        self.graph, self.task = graph, task
        self.graph.changed.connect(self._graph_changed)
        self.selection = []
        self._report, self._stale = check(self.graph, self.task), False
        self.graph_replaced.emit()
        self.report_changed.emit(self._report)
        self.set_dirty(False)

    def set_graph(self, graph: Graph) -> None:
        self.replace(graph, self.task)

    def set_task(self, task: TaskSpec | None) -> None:
        self.task = task
        self.recheck()

    # ------------------------------------------------------------- checking
    @property
    def report(self) -> ShapeReport:
        if self._stale:
            self._report, self._stale = check(self.graph, self.task), False
        return self._report

    @property
    def stale(self) -> bool:
        """True when the graph changed since the last check."""
        return self._stale

    def recheck(self) -> ShapeReport:
        """Check now and announce the result."""
        self._report, self._stale = check(self.graph, self.task), False
        self.report_changed.emit(self._report)
        return self._report

    def _graph_changed(self, *_args: object) -> None:
        self._stale = True

    # ------------------------------------------------------------ selection
    def set_selection(self, node_ids: list[str]) -> None:
        if list(node_ids) != self.selection:
            self.selection = list(node_ids)
            self.selection_changed.emit(list(node_ids))

    # ----------------------------------------------------------- save state
    def set_dirty(self, dirty: bool) -> None:
        """Whether the graph differs from the last saved (or loaded) one."""
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirty_changed.emit(dirty)

    def mark_saved(self) -> None:
        self.saved.emit()
        self.set_dirty(False)
