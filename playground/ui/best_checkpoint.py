"""Analyze ▸ "Restore best checkpoint" and its undo.

The trainer keeps the best weights by the Training panel's metric (``playground.train.best``);
one click puts them into the network (a running run pauses first; its step, optimizer state
and record stay) and says which step and value they come from. "Undo restore best" puts back
the weights that were there before. The entry's text names the best when the menu opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from playground.train.best import NoBestCheckpoint, describe_best
from playground.train.trainer import Trainer

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow

PAUSE_WAIT_S = 30.0  # at most one step and one record pass
RESTORE_TEXT = "Restore best checkpoint"


class BestCheckpointActions:
    """The two actions, working on the window's controller and workspace."""

    def __init__(self, menu: QMenu, window: MainWindow) -> None:
        self.window = window
        self.restore = QAction(RESTORE_TEXT, menu)
        self.restore.setObjectName("restore_best")
        self.restore.setToolTip("Put the weights with the best validation metric seen in this run back "
                                "into the network (undoable)")
        self.restore.triggered.connect(self.restore_best)
        self.undo = QAction("Undo restore best", menu)
        self.undo.setObjectName("undo_restore_best")
        self.undo.setToolTip("Put back the weights the network had before the best checkpoint was restored")
        self.undo.triggered.connect(self.undo_restore)
        self.undo.setEnabled(False)
        self._before: tuple[Trainer, dict[str, torch.Tensor]] | None = None
        menu.addAction(self.restore)
        menu.addAction(self.undo)
        menu.aboutToShow.connect(self.refresh)

    def refresh(self) -> None:
        trainer = self.window.controller.trainer
        best = trainer.best if trainer is not None else None
        self.restore.setText(f"{RESTORE_TEXT} ({describe_best(best)})" if best else RESTORE_TEXT)
        self.undo.setEnabled(self._before is not None and self._before[0] is trainer)

    def _paused_trainer(self) -> Trainer | None:
        controller = self.window.controller
        trainer = controller.trainer
        if trainer is None:
            return None
        if controller.is_running() and not controller.pause(wait=PAUSE_WAIT_S):
            self.window.show_message("The run did not pause in time; try again", 10000)
            return None
        return trainer

    def restore_best(self) -> bool:
        """One click: the best weights go into the network; False (with a message) when there are none."""
        trainer = self.window.controller.trainer
        if trainer is None or trainer.best is None:
            self.window.show_message("No best checkpoint yet: it is kept at the validation steps while "
                                     "training", 10000)
            return False
        trainer = self._paused_trainer()
        if trainer is None:
            return False
        before = {k: v.detach().to("cpu", copy=True) for k, v in trainer.model.state_dict().items()}
        try:
            best = trainer.restore_best()
        except NoBestCheckpoint as exc:
            self.window.show_message(f"Cannot restore the best checkpoint: {exc}", 10000)
            return False
        self._before = (trainer, before)
        self.window.workspace.mark_modified()
        self.window.show_message(f"Restored the best weights: {describe_best(best)} (training stays at "
                                 f"step {trainer.step}; Analyze > Undo restore best puts the last ones back)",
                                 15000)
        self.refresh()
        return True

    def undo_restore(self) -> bool:
        if self._before is None or self._before[0] is not self.window.controller.trainer:
            self.window.show_message("Nothing to undo: the run has changed since the best was restored", 10000)
            return False
        trainer = self._paused_trainer()
        if trainer is None:
            return False
        trainer.put_weights(self._before[1], "put back the weights from before the best was restored")
        self._before = None
        self.window.workspace.mark_modified()
        self.window.show_message(f"Put back the weights of step {trainer.step} from before the restore", 10000)
        self.refresh()
        return True


def add_actions(menu: QMenu, window: MainWindow) -> None:
    """Contract 1: the Analyze menu's entries for the best checkpoint."""
    window.best_checkpoint = BestCheckpointActions(menu, window)  # type: ignore[attr-defined]
