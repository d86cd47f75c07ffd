"""The training controller's answer to an edit under a trained run: go on with the same run when
the edit is compatible (``playground.train.handover`` says what that means), wait while the
edited network cannot be built, or leave the question to the caller.

A mixin of ``TrainingController`` (kept apart so that module stays short).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from playground.compile import CompileError
from playground.train.config import ConfigError, TrainConfig
from playground.train.handover import check_handover, hand_over, trainable_names
from playground.train.metrics import MetricsBuffer
from playground.train.trainer import Trainer

if TYPE_CHECKING:
    from playground.data import DataBundle
    from playground.graph.model import Graph

PAUSE_WAIT_S = 30.0  # at most one step and one record pass: a loaded machine may take seconds


class ContinuedRun:
    """``continue_run()`` and the check that Start and Step make before training on."""

    trainer: Trainer | None
    buffer: MetricsBuffer
    message: Any  # Signal(str)
    _stash: dict[str, torch.Tensor]
    _built_key: tuple[str, int] | None
    build_problem: str

    # provided by TrainingController
    graph: Graph
    bundle: DataBundle | None
    config: TrainConfig
    state: str

    trainer_matches_inputs: Callable[[], bool]
    pause: Callable[..., bool]
    shutdown: Callable[..., bool]
    discard_trainer: Callable[..., bool]
    poll: Callable[[], str]
    _use: Callable[[Trainer], None]
    _launch: Callable[[int | None], None]

    # ------------------------------------------------------------------------
    def _inputs_ready(self) -> bool:
        """Before training on: a trainer built for an earlier network goes on with the edited one
        when the edit is compatible; False (with a message) while the network cannot be built."""
        if self.trainer is None or self.trainer_matches_inputs():
            return True
        outcome = self.continue_run()
        if outcome == "waiting":
            self.message.emit(f"Cannot train yet: {self.build_problem}")
            return False
        if outcome == "changed":
            self.discard_trainer(keep_weights=True)
        return True

    def continue_run(self) -> str:
        """The network was edited under a trained run. Returns "kept" when the run went on with the
        edited network (paused stays paused, running keeps running; step, optimizer state and the
        recorded history carry over), "waiting" when the network cannot be built yet (a running
        run is paused; the run and its views are kept until it can), "changed" when the edit is
        not compatible or the data changed: the caller asks what to do."""
        old = self.trainer
        if old is None or self.trainer_matches_inputs():
            return "kept"
        bundle = self.bundle
        if bundle is None or self._built_key is None or self._built_key[1] != id(bundle):
            return "changed"
        try:  # a scratch buffer: building must not touch the run's status or record
            new = Trainer(self.graph.copy(), bundle, self.config.run_limits(), MetricsBuffer())
        except (CompileError, ConfigError, ValueError, RuntimeError) as exc:
            diagnostics = exc.diagnostics if isinstance(exc, CompileError) else []
            self.build_problem = diagnostics[0].message if diagnostics else str(exc)
            if self.state == "running":
                self.pause(wait=PAUSE_WAIT_S)
            return "waiting"
        if not check_handover(dict(old.model.state_dict()), new).compatible:  # shapes only: no copy
            return "changed"
        was = self.state
        if not self.pause(wait=PAUSE_WAIT_S):
            return "changed"
        old_names = trainable_names(old)
        self.shutdown()  # the old run's thread ends; what it recorded stays in the buffer
        new.buffer = self.buffer
        result = hand_over(old.state_dict(), new, self._stash, old_names)
        new.seed_best(old.best)  # checkpoints: the run's best goes on with it when its weights still fit
        self._use(new)
        self.buffer.set_status(state=new.state, step=new.step, epoch=new.epoch)
        if was in ("running", "paused"):
            if was == "paused":
                new.pause()
            self._launch(None)  # it records the edited network at this step, then trains or waits
        self.poll()
        self.message.emit(result.describe())
        return "kept"
