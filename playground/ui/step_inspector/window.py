"""StepInspectorWindow: choose an input, then step block by block through the trained network.

Left: the input picker and the list of steps (attention blocks open into their parts); right:
the chosen step's tensor. Previous/Next walk the list; Refresh runs the input again on the
newest weights. The network is always the workspace's, with the controller's latest weights,
taken when the input changes, when a run pauses or stops, or on Refresh.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.analysis.inspect_input import InputChoice
from playground.graph.spec import format_shape
from playground.ui.step_inspector.input_picker import InputPicker
from playground.ui.step_inspector.state import InspectorState, NetworkSource
from playground.ui.step_inspector.tensor_view import TensorView
from playground.ui.training_controller import TrainingController
from playground.workspace.model import Workspace


class StepInspectorWindow(QWidget):
    def __init__(self, workspace: Workspace, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("step_inspector")
        self.setWindowTitle("Step-through inspector")
        self.setAccessibleName("Step-through inspector")
        self.workspace = workspace
        self.controller = controller
        self.state = InspectorState(self._source)
        self.picker = InputPicker()
        self.steps = QTreeWidget()
        self.steps.setHeaderLabels(["block", "type", "shape"])
        self.steps.setAccessibleName("Blocks")
        self.steps.setToolTip("Every block in the order the network runs them; an attention block opens "
                              "into Q, K, V, scores, softmax, weighted sum, add & norm and the FFN")
        self.steps.setRootIsDecorated(True)
        for column in range(3):  # parts have long names: the columns follow the open rows
            self.steps.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.previous = QPushButton("◀ Previous")
        self.previous.setShortcut(QKeySequence("Alt+Left"))
        self.next = QPushButton("Next ▶")
        self.next.setShortcut(QKeySequence("Alt+Right"))
        self.refresh = QPushButton("Refresh")
        for button, name, tip in (
                (self.previous, "Previous block", "Show the block before this one (Alt+Left)"),
                (self.next, "Next block", "Show the next block, or the next part of an attention block (Alt+Right)"),
                (self.refresh, "Refresh", "Run the input again on the network's newest weights")):
            button.setAccessibleName(name)
            button.setToolTip(tip)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b;")
        self.message.setAccessibleName("Inspector message")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Inspector status")
        self.tensor = TensorView()
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.picker)
        column.addWidget(self.steps, 1)
        buttons = QHBoxLayout()
        for button in (self.previous, self.next, self.refresh):
            buttons.addWidget(button)
        column.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tensor)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([470, 690])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.status)
        self.resize(1000, 640)
        self._items: list[QTreeWidgetItem] = []
        self.picker.chosen.connect(self.state.choose)
        self.picker.failed.connect(self._show_message)
        self.steps.currentItemChanged.connect(self._item_chosen)
        self.previous.clicked.connect(lambda: self.state.move(-1))
        self.next.clicked.connect(lambda: self.state.move(1))
        self.refresh.clicked.connect(self.state.refresh)
        self.state.changed.connect(self._inspected)
        self.state.moved.connect(self._moved)
        workspace.loaded.connect(self._data_changed)
        workspace.dataset_changed.connect(lambda _bundle: self._data_changed())
        controller.state_changed.connect(self._training_state)
        self._boundaries: list[object] = []
        self.picker.configure(workspace.bundle)
        self._show_buttons()

    # ------------------------------------------------------------------ the network
    def _source(self) -> NetworkSource:
        ctl = self.controller
        trainer = ctl.trainer
        step = trainer.step if trainer is not None and trainer.step > 0 else None
        where = f"weights of step {step}" if step is not None else "the session's saved weights"
        if ctl.state == "running":
            where += " (training is running: Refresh takes newer ones)"
        # lesions made in the app (the Workspace's ``lesions``, issue 14) act here as in the views
        lesions = list(getattr(self.workspace, "lesions", None) or [])
        return NetworkSource(self.workspace.document.graph, ctl.weights(), self.workspace.bundle, lesions, where)

    def start(self) -> None:
        """The first input when the window opens: the first validation sample (or what was chosen)."""
        self.state.choose(self.state.choice or InputChoice.sample(0))

    def connect_boundary(self, view: object) -> None:
        """Let a click on ``view`` (a BoundaryView) choose the point to inspect."""
        if view in self._boundaries:
            return
        self._boundaries.append(view)
        view.point_clicked.connect(self.choose_point)  # type: ignore[attr-defined]

    def choose_point(self, x: float, y: float) -> None:
        if self.isVisible() and self.picker.isTabEnabled(1):
            self.picker.set_point(x, y)

    def _data_changed(self) -> None:
        self.picker.configure(self.workspace.bundle)
        if self.isVisible():
            self.state.choose(InputChoice.sample(0))

    def _training_state(self, state: str) -> None:
        if state != "running" and self.isVisible() and self.state.choice is not None:
            self.state.refresh()  # paused, stopped or finished: the newest weights

    # ------------------------------------------------------------------ showing the state
    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _inspected(self) -> None:
        self._show_message(self.state.error)
        inspection = self.state.inspection
        self.steps.blockSignals(True)
        self.steps.clear()
        self._items = []
        if inspection is not None:
            for depth, step in inspection.flat():
                shape = format_shape(tuple(step.tensor.shape)).removeprefix("N×") or "scalar"
                item = QTreeWidgetItem([step.label, "" if step.type == "part" else step.type, shape])
                item.setToolTip(0, step.note or step.label)
                if depth == 0:
                    self.steps.addTopLevelItem(item)
                    parent = item
                else:
                    parent.addChild(item)
                self._items.append(item)
            choice = self.state.choice.describe() if self.state.choice is not None else ""
            said = f" → {inspection.prediction}" if inspection.prediction else ""
            notes = "".join(f"; {n}" for n in inspection.notes)
            self.status.setText(f"{choice}{said} · {self.state.where}{notes}")
        self.steps.blockSignals(False)
        self._moved(self.state.index)

    def _moved(self, index: int) -> None:
        if 0 <= index < len(self._items):
            item = self._items[index]
            parent = item.parent()
            if parent is not None:
                parent.setExpanded(True)
            self.steps.blockSignals(True)
            self.steps.setCurrentItem(item)
            self.steps.blockSignals(False)
            self.steps.scrollToItem(item)
        self.tensor.show_step(self.state.current, self.state.where)
        self._show_buttons()

    def _show_buttons(self) -> None:
        count = len(self._items)
        self.previous.setEnabled(self.state.index > 0 and count > 0)
        self.next.setEnabled(self.state.index < count - 1)

    def _item_chosen(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is not None and item in self._items:
            self.state.select(self._items.index(item))
