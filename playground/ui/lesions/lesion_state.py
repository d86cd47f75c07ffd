"""The lesions in force, on the live network: the Workspace holds them (saved with the session),
this object puts them on the trainer's model and shows them.

A toggle is one undo step (``LesionCommand``) that changes ``Workspace.lesions``; whatever
changes them (a toggle, undo, redo, opening a file) comes back through ``lesions_changed`` and
``apply`` then:

* hooks the lesions onto the trainer's compiled model (``analysis.lesions.apply_lesions``; the
  weights are never touched), after pausing a running trainer so no forward pass is under way;
* runs one record pass of the lesioned network at the current step with the trainer's own probe
  code (``Prober.record``), so the readout's validation numbers, every view and the canvas
  heatmaps show it on the next tick (the views read the same buffer). Removing the lesions runs
  the same pass on the intact network, which records exactly what training had recorded there;
* puts a badge on each lesioned block and marks the readout "lesioned".

Training with lesions in force trains the lesioned network (the hooks stay on the model, so its
records show that network); a trainer built afresh gets the hooks when it first changes state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from PySide6.QtCore import QObject, Signal

from playground.analysis.lesions import (
    Lesion,
    LesionError,
    LesionHandle,
    apply_lesions,
    check_lesion,
    unit_count,
)
from playground.analysis.lesions import _attention_modules as attention_modules
from playground.train.trainer import Trainer
from playground.ui.undo import LesionCommand

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow

PAUSE_WAIT_S = 1.0
READOUT_TITLE = "Loss and accuracy"


def describe(lesion: Lesion, noun: str = "units") -> str:
    """What a lesion does, in words (the badge's tooltip)."""
    if lesion.kind == "bypass":
        return "bypassed (the block is the identity)"
    if lesion.kind == "cut_branch":
        return "residual branch cut (the Add keeps only its skip input)"
    return f"{noun} {', '.join(str(u) for u in lesion.units)} zeroed"


class LesionController(QObject):
    """Signals: ``message(str)`` for a person (a refusal says why), ``applied()`` after the lesions
    in force reached the network (and its record pass ran)."""

    message = Signal(str)
    applied = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = window.workspace
        self.controller = window.controller
        self._handle: LesionHandle | None = None
        self._hooked: Trainer | None = None
        self._applying = False  # pausing inside apply() changes state: no second apply() then
        self.workspace.lesions_changed.connect(lambda _lesions: self.apply())
        # a file's record already shows its lesions: opening it records nothing
        self.workspace.loaded.connect(lambda: self.apply(record=False))
        self.controller.state_changed.connect(self._state_changed)

    # ----------------------------------------------------------------- reading
    def lesions(self) -> list[Lesion]:
        return [Lesion.from_dict(x) for x in self.workspace.lesions]

    def lesion_of(self, node_id: str) -> Lesion | None:
        return next((x for x in self.lesions() if x.node_id == node_id), None)

    def trainer(self, build: bool = True) -> Trainer | None:
        """The trained network's trainer (built from carried weights if needed); None if untrained."""
        ctl = self.controller
        if ctl.trainer is None and build and ctl.has_weights():
            ctl.ensure_trainer()
        trainer = ctl.trainer
        if trainer is None or not ctl.has_weights() or not ctl.trainer_matches_inputs():
            return None
        return trainer

    def unit_noun(self, node_id: str) -> str:
        """"heads" (attention), "channels" (convolutions) or "units": what zero_units chooses from."""
        trainer = self.trainer()
        if trainer is not None and node_id in trainer.model.node_names and attention_modules(
                trainer.model.node_module(node_id)):
            return "heads"
        node = self.workspace.document.graph.nodes.get(node_id)
        return "channels" if node is not None and node.type.startswith("Conv") else "units"

    def unit_count(self, node_id: str) -> int:
        trainer = self.trainer()
        return unit_count(trainer.model, self.workspace.document.graph, node_id) if trainer is not None else 0

    def refusal(self, lesion: Lesion) -> str | None:
        """Why ``lesion`` cannot be made on the trained network (None when it can)."""
        trainer = self.trainer()
        if trainer is None:
            return "lesions act on a trained network: train it first"
        try:
            check_lesion(trainer.model, self.workspace.document.graph, lesion)
        except LesionError as err:
            return str(err)
        return None

    # ---------------------------------------------------------------- editing
    def toggle(self, lesion: Lesion) -> bool:
        """Put ``lesion`` on its block (replacing the block's other lesion) as one undo step;
        False, with ``message`` saying why, when the network does not allow it."""
        why = self.refusal(lesion)
        if why is not None:
            self.message.emit(f"Lesion refused: {why}")
            return False
        before = list(self.workspace.lesions)
        after = [x for x in before if x.get("node_id") != lesion.node_id] + [lesion.to_dict()]
        self._push(before, after, f"Lesion {self._label(lesion.node_id)}")
        return True

    def remove(self, node_id: str) -> None:
        """Take the block's lesion off (one undo step)."""
        before = list(self.workspace.lesions)
        after = [x for x in before if x.get("node_id") != node_id]
        if after != before:
            self._push(before, after, f"Remove the lesion of {self._label(node_id)}")

    def remove_all(self) -> None:
        if self.workspace.lesions:
            self._push(list(self.workspace.lesions), [], "Remove all lesions")

    def _push(self, before: list[dict[str, Any]], after: list[dict[str, Any]], text: str) -> None:
        self.workspace.set_lesions(after)  # announces the change: apply() runs now
        self.window.document.undo_stack.push(LesionCommand(self.workspace, before, after, text))

    def _label(self, node_id: str) -> str:
        node = self.workspace.document.graph.nodes.get(node_id)
        return f'"{node.label}"' if node is not None else node_id

    # ------------------------------------------------------------ the network
    def _state_changed(self, _state: str) -> None:
        trainer = self.controller.trainer
        if not self._applying and trainer is not None and trainer is not self._hooked and self.workspace.lesions:
            self.apply(record=False)  # a trainer built afresh: it trains the lesioned network too

    def apply(self, record: bool = True) -> None:
        """Hook the Workspace's lesions onto the live network and record one frame of it."""
        if self._applying:
            return
        self._applying = True
        try:
            self._apply(record)
        finally:
            self._applying = False

    def _apply(self, record: bool) -> None:
        lesions = self.lesions()
        trainer = self.trainer(build=bool(lesions))
        # no forward pass may be under way while hooks change: a running trainer pauses first
        running = trainer is not None and self.controller.is_running() and trainer.state == "running"
        if running and not self.controller.pause(wait=PAUSE_WAIT_S):
            self.message.emit("Training did not pause in time: the lesions apply from its next step")
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
        self._hooked = None
        kept: list[Lesion] = []
        if trainer is not None:
            graph = self.workspace.document.graph
            for lesion in lesions:
                try:
                    check_lesion(trainer.model, graph, lesion)
                    kept.append(lesion)
                except LesionError as err:  # the network was edited since: say so, keep the rest
                    self.message.emit(f"A saved lesion no longer fits and is left out: {err}")
            self._handle = apply_lesions(trainer.model, graph, kept)
            self._hooked = trainer
            trainer.network_changed()
            if record and trainer.step > 0:
                record_frame(trainer)
            if running:
                self.controller.resume()
        elif lesions:
            self.message.emit("The lesions take effect once the network is trained")
        self._show(kept, trainer)
        self.applied.emit()

    def record_now(self) -> bool:
        """One record pass of the live network as it is (e.g. just pruned); False if untrained."""
        trainer = self.trainer(build=False)
        if trainer is None or trainer.step == 0 or (self.controller.is_running() and trainer.state == "running"):
            return False
        record_frame(trainer)
        return True

    def _show(self, kept: list[Lesion], trainer: Trainer | None) -> None:
        by_node = {x.node_id: x for x in kept}
        for node_id, block in self.window.canvas.graph_scene.blocks.items():
            lesion = by_node.get(node_id)
            block.set_lesion(describe(lesion, self.unit_noun(node_id)) if lesion is not None else None)
        dock = self.window.docks.get("readout")
        if dock is not None:
            dock.setWindowTitle(f"{READOUT_TITLE} — lesioned ({len(kept)} block{'s' * (len(kept) != 1)})"
                                if kept else READOUT_TITLE)
        if kept:
            score = self.controller.buffer.series("val/accuracy")[1]
            loss = self.controller.buffer.series("val/loss")[1]
            parts = [f"validation accuracy {score[-1]:.1%}" if len(score) else "",
                     f"validation loss {loss[-1]:.4g}" if len(loss) else ""]
            self.message.emit("Lesioned network: " + ", ".join(p for p in parts if p))


def lesion_controller(window: MainWindow) -> LesionController:
    """The window's lesion state (made with its Analyze menu)."""
    found = window.findChild(LesionController)
    assert found is not None, "the Analyze menu makes it"
    return found


def record_frame(trainer: Trainer) -> None:
    """One record pass of the trainer's network as it is now (lesions included) at its step,
    with the trainer's own probes: what a scheduled record pass writes, minus the training
    batch's accuracy and the learning rate (nothing about them changed)."""
    model = trainer.model
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            assert trainer.buffer is not None
            trainer.prober.record(model, trainer.data, trainer.step, trainer.buffer, {}, None)
    finally:
        model.train(was_training)
