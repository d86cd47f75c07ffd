"""What the window asks when the network or its data change under it.

* A new dataset the network does not fit: offer ``fit_to_task``'s fix (resize the head,
  bypass Features2D) as one undoable edit, when that fix makes the network check clean.
* An edit after training that every trained tensor survives (a compatible edit, see
  ``playground.train.handover``): no question, the run goes on (paused stays paused) and the
  views keep their history. While the edited network cannot be built (a pasted block not wired
  yet), the run waits, paused, with its views.
* Any other edit (or new data) after training: keep the trained weights that still fit, or reset.

Both questions go through :mod:`playground.ui.dialogs`, are asked on the next event-loop
turn (never from inside a signal of the edit itself) and at most once at a time.
The prompts follow the document's undo history and the workspace's data changes; loading
other work is neither (it replaces the history and announces ``loaded``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from playground.compile.adapt import fit_to_task
from playground.compile.check import check
from playground.data import DataBundle
from playground.train.carry import preview_carry
from playground.ui import dialogs
from playground.ui.document import Document
from playground.ui.training_controller import TrainingController
from playground.workspace import Workspace

KEEP, RESET = "Keep matching weights", "Reset weights"
ADAPT, LEAVE = "Adapt the network", "Leave it as it is"


class ChangePrompts(QObject):
    """``parent`` is the widget the questions are asked over; ``show_message`` puts a line in the status bar."""

    def __init__(self, workspace: Workspace, document: Document, controller: TrainingController,
                 parent: QWidget, show_message: Callable[[str], None]) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.document, self.controller, self.show_message = document, controller, show_message
        self._weights_question = False
        document.undo_stack.indexChanged.connect(lambda _index: self.graph_edited())
        workspace.dataset_changed.connect(self.dataset_changed)

    # ------------------------------------------------------------- entry points
    def graph_edited(self) -> None:
        stack = self.document.undo_stack
        if not isValid(stack) or stack.count() == 0:  # torn down, or cleared for other work: not an edit
            return
        self.check_trainer_inputs()

    def dataset_changed(self, bundle: DataBundle) -> None:
        """New data was chosen by a person."""
        if not self.offer_adapt(bundle):
            self.check_trainer_inputs()

    # ---------------------------------------------------------------- adapting
    def offer_adapt(self, bundle: DataBundle) -> bool:
        """If the network no longer fits ``bundle`` and an obvious fix makes it fit, ask to apply it.
        True when the fix was applied (the edit then triggers the weights question itself)."""
        document = self.document
        report = document.report  # already checked against the new task
        if report.ok:
            return False
        macro = fit_to_task(document.graph, bundle.task)
        if macro is None:
            self.show_message(f"The network does not fit {bundle.name}: {report.errors[0].message}")
            return False
        trial = document.graph.copy()
        macro.apply(trial)
        if not check(trial, bundle.task).ok:
            self.show_message(f"The network does not fit {bundle.name}: {report.errors[0].message}")
            return False
        answer = dialogs.ask(self.parent_widget, "Adapt the network to the new dataset?",
                             f"The network does not fit {bundle.name}: {report.errors[0].message}\n\n"
                             "Adapt it (resize the output layer, bypass blocks that need 2-D points)? "
                             "This is one step you can undo.", [ADAPT, LEAVE], ADAPT)
        if answer != ADAPT:
            return False
        if document.push(macro):
            self.show_message("Adapted the network to the new dataset (Ctrl+Z undoes it)")
            return True
        return False

    # ----------------------------------------------------------------- weights
    def check_trainer_inputs(self) -> None:
        ctl = self.controller
        if ctl.trainer is None or ctl.trainer_matches_inputs():
            return
        if not ctl.has_weights():
            ctl.discard_trainer(keep_weights=False)
        elif not self._weights_question:
            self._weights_question = True
            QTimer.singleShot(0, self.ask_keep_weights)

    def ask_keep_weights(self) -> None:
        """The network or data changed after training: go on with the run when the edit is
        compatible; otherwise keep the weights that still fit, or reset?"""
        self._weights_question = False
        ctl = self.controller
        if ctl.trainer is None or ctl.trainer_matches_inputs():
            return
        outcome = ctl.continue_run()
        if outcome == "waiting":
            self.show_message(f"The edited network cannot be built yet ({ctl.build_problem}): the run is "
                              "paused and kept until it can")
            return
        if outcome == "kept":
            return  # the controller said how the run goes on
        was_running = ctl.state == "running"
        if was_running:
            ctl.pause()
        weights, graph, bundle = ctl.weights(), ctl.graph, ctl.bundle
        preview = preview_carry(weights, graph, bundle.task) if weights and graph is not None and bundle else None
        detail = "\n\n" + "\n".join(preview.lines()) if preview is not None and preview.lines() else ""
        answer = dialogs.ask(self.parent_widget, "The network changed",
                             "The network or its data changed since it was trained. Keep the trained "
                             "weights of the layers that still fit (same block and shape), or start again "
                             "from fresh weights? The curves so far stay as an earlier run." + detail,
                             [KEEP, RESET], KEEP)
        ctl.discard_trainer(keep_weights=answer == KEEP)
        kept = preview.describe() if preview and not preview.problem else "Kept the weights that still fit"
        self.show_message(kept if answer == KEEP else "Weights reset")
        if was_running:
            ctl.start()
