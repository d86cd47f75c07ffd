"""The inspector: edit the selected block's name and parameters; see its size and output shape,
and its cost from the model summary (``playground.analysis.summary``): parameters (trainable or
not), multiply–accumulates and activation memory per sample (forward, and for training).

Every change is one undoable edit pushed through the Document; the widgets
follow the model (so undo/redo shows up here too) and never hold state of their own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from playground.analysis.summary import Summary, SummaryRow, model_summary
from playground.analysis.summary import _bytes as format_bytes  # the CLI table's units, shared
from playground.compile.blocks.base import params_with_defaults
from playground.compile.shapes import block_for
from playground.graph.edits import RenameNode, SetParam
from playground.graph.model import Graph, Node, is_valid_label
from playground.graph.spec import ShapeReport, format_shape
from playground.ui.document import Document
from playground.ui.param_widgets import ParamEditor

_ERROR_STYLE = "color: #d0342c;"


class Inspector(QWidget):
    """Follows the document's selection by itself (one selected block is shown);
    ``set_node`` shows a given block explicitly."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self.editors: dict[str, ParamEditor] = {}
        self._graph: Graph | None = None
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.label_edit = QLineEdit(self)
        self.label_edit.setToolTip("The block's name: letters, digits and _; used in exported code")
        self.label_edit.setAccessibleName("Block name")
        self.label_edit.setObjectName("inspector_label")
        self.label_edit.editingFinished.connect(self._rename)
        self.form_host = QWidget(self)
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.info = QLabel(self)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cost = QLabel(self)
        self.cost.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cost.setToolTip("From the model summary: the block's parameters, its multiply–accumulates for one "
                             "sample, and the memory of its outputs for one sample (forward) and of what "
                             "training keeps for the backward pass")
        self._summary: tuple[object, Summary | None] | None = None  # (the report it is of, summary)
        self.problems = QLabel(self)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(_ERROR_STYLE)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(_ERROR_STYLE)
        layout = QVBoxLayout(self)
        for w in (self.title, self.description, self.label_edit, self.form_host, self.info, self.cost,
                  self.problems, self.error):
            layout.addWidget(w)
        layout.addStretch(1)
        document.graph_replaced.connect(self._graph_replaced)
        document.report_changed.connect(self._report_changed)
        document.selection_changed.connect(self._selection_changed)
        self._subscribe(document.graph)
        self.set_node(None)

    # ---------------------------------------------------------------- public
    def set_node(self, node_id: str | None) -> None:
        node = self.document.graph.nodes.get(node_id) if node_id else None
        self.node_id = node.id if node else None
        self._clear_form()
        self.error.clear()
        has = node is not None
        for w in (self.label_edit, self.form_host, self.info, self.cost):
            w.setVisible(has)
        if node is None:
            self.title.setText("No block selected")
            self.description.setText("Select one block on the canvas to edit its parameters.")
            self.problems.clear()
            return
        block = block_for(node.type)
        self.title.setText(node.type)
        self.description.setText(block.description if block else "Unknown block type: it cannot be built.")
        self.label_edit.setText(node.label)
        if block is not None:
            for spec in block.params:
                editor = ParamEditor(spec, self.form_host)
                editor.setObjectName(f"param_{spec.name}")
                editor.set_value(node.params.get(spec.name, spec.default))
                editor.committed.connect(lambda value, name=spec.name: self._set_param(name, value))
                editor.invalid.connect(self._show_error)
                label = QLabel(spec.name.replace("_", " "), self.form_host)
                label.setToolTip(spec.help)
                self.form.addRow(label, editor)
                self.editors[spec.name] = editor
        self._report_changed(self.document.report)

    # ---------------------------------------------------------------- edits
    def _set_param(self, name: str, value: Any) -> None:
        node = self.document.graph.nodes.get(self.node_id or "")
        block = block_for(node.type) if node else None
        spec = block.spec().param(name) if block else None
        if node is None or spec is None:
            return
        problem = spec.check(value)
        if problem is not None:
            self._show_error(f"{node.label}: {problem}")
            self.editors[name].set_value(node.params.get(name, spec.default))
            return
        self.error.clear()
        if not self._push(SetParam(node.id, name, value)):
            self.editors[name].set_value(node.params.get(name, spec.default))

    def _rename(self) -> None:
        node = self.document.graph.nodes.get(self.node_id or "")
        text = self.label_edit.text().strip()
        if node is None or text == node.label:
            return
        if not is_valid_label(text):
            self._show_error(f"{text!r} is not a valid name: use letters, digits and _ (not first), up to 64")
            return
        other = self.document.graph.node_by_label(text)
        if other is not None and other.id != node.id:
            self._show_error(f"Another block is already called {text!r}")
            return
        self.error.clear()
        self._push(RenameNode(node.id, text))

    def _push(self, edit: Any) -> bool:
        messages: list[str] = []

        def keep(message: str) -> None:
            messages.append(message)

        self.document.message.connect(keep)
        try:
            ok = self.document.push(edit)
        finally:
            self.document.message.disconnect(keep)
        if messages:
            self._show_error(messages[-1])
        return ok

    def _show_error(self, message: str) -> None:
        self.error.setText(message)

    # ----------------------------------------------------------- following
    def _subscribe(self, graph: Graph) -> None:
        if self._graph is not None:
            self._graph.node_changed.disconnect(self._node_changed)
            self._graph.node_removed.disconnect(self._node_removed)
        self._graph = graph
        graph.node_changed.connect(self._node_changed)
        graph.node_removed.connect(self._node_removed)

    def _graph_replaced(self) -> None:
        self._subscribe(self.document.graph)
        self.set_node(None)

    def _selection_changed(self, node_ids: list) -> None:
        wanted = node_ids[0] if len(node_ids) == 1 else None
        if wanted != self.node_id:
            self.set_node(wanted)

    def _node_removed(self, node: Node) -> None:
        if node.id == self.node_id:
            self.set_node(None)

    def _node_changed(self, node: Node, what: str) -> None:
        if node.id != self.node_id:
            return
        if what == "label":
            self.label_edit.setText(node.label)
        elif what == "params":
            for name, editor in self.editors.items():
                editor.set_value(node.params.get(name, editor.spec.default))

    def _report_changed(self, report: ShapeReport) -> None:
        node = self.document.graph.nodes.get(self.node_id or "")
        if node is None:
            return
        self.info.setText(f"Parameters: {self._param_count(node, report)}\n"
                          f"Output: {self._output_text(node, report)}")
        row = self.summary_row(node.id)
        self.cost.setText("" if row is None else
                          f"Trainable: {row.trainable:,} of {row.params:,} parameters\n"
                          f"MACs per sample: {row.macs:,}\n"
                          f"Activations per sample: {format_bytes(row.activation_bytes)} forward, "
                          f"{format_bytes(row.train_activation_bytes)} for training")
        self.cost.setVisible(row is not None)
        mine = [d.message for d in report.diagnostics if d.node_id == node.id]
        self.problems.setText("\n".join(mine))

    def summary_row(self, node_id: str) -> SummaryRow | None:
        """The block's row of the network's summary (None: no dataset, or the network does not
        build). Worked out once per shape report, i.e. once per edit, when a block is shown."""
        report = self.document.report
        if self._summary is None or self._summary[0] is not report:
            summary = None
            if self.document.task is not None and not report.errors:
                try:
                    summary = model_summary(self.document.graph, self.document.task)
                except Exception:  # the problems line says why the network does not build
                    summary = None
            self._summary = (report, summary)
        summary = self._summary[1]
        return next((r for r in summary.rows if r.node_id == node_id), None) if summary else None

    def _param_count(self, node: Node, report: ShapeReport) -> str:
        block = block_for(node.type)
        if block is None:
            return "—"
        ins = {}
        for edge in self.document.graph.edges_into(node.id):
            shape = report.edge_shapes.get(edge.id)
            if shape is None:
                return "— (input shape unknown)"
            ins[edge.dst.port] = shape
        try:
            return f"{block.param_count(params_with_defaults(block, node.params), ins, self.document.task):,}"
        except Exception:  # a count rule may trip on unusable params; the problem is listed below
            return "—"

    @staticmethod
    def _output_text(node: Node, report: ShapeReport) -> str:
        outs = report.node_outputs.get(node.id)
        if outs is None:
            return "unknown (fix the problems upstream or choose a dataset)"
        if not outs:
            return "none (the network's end)"
        if len(outs) == 1:
            return format_shape(next(iter(outs.values())))
        return ", ".join(f"{k}: {format_shape(v)}" for k, v in outs.items())

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors.clear()
