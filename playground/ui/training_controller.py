"""The bridge between the window and a Trainer running on a background QThread.

``Trainer.run`` blocks, so it runs inside a worker QObject moved to a QThread.
The trainer writes only into its MetricsBuffer; the window pulls that buffer on
a timer, so there is no per-step Qt signal. The only signal from the worker is
``done`` at the end of a run (queued to the GUI thread), after which the thread
is quit and joined.

The controller follows a Workspace: it trains the workspace's graph on its data with
its settings, applies setting changes to a running trainer, resumes the training state
of a session just loaded, and keeps dropped runs as the workspace's earlier runs.
The trainer holds its own copy of the graph. When the graph, the data or a
setting the trainer cannot change live is edited, the trainer is dropped and a
new one is built at the next start; ``keep_weights`` carries the trained
tensors whose state_dict key (node id and tensor name) and shape still match. A
compatible edit (``playground.train.handover``) keeps the whole run instead: a new trainer
for the edited network takes over the weights, optimizer state, counters and history.

Pace: the worker's trainer waits between steps in ``Pacer.wait`` (the Trainer's
``between_steps`` hook) when the config asks for the watch pace; "until stopped" trains with
the config's ``run_limits()``, so no epoch or step limit ends the run.
"""

from __future__ import annotations

from typing import Any

import torch
from PySide6.QtCore import QObject, QThread, Signal, Slot

from playground.compile import CompileError
from playground.data import DataBundle
from playground.graph.model import Graph
from playground.session.errors import SessionError
from playground.train.carry import carry_matching, graph_fingerprint
from playground.train.config import ConfigError, TrainConfig
from playground.train.metrics import MetricsBuffer
from playground.train.trainer import Trainer
from playground.ui.pace import Pacer, draw_share, steps_per_second
from playground.ui.run_continuation import ContinuedRun
from playground.ui.views import view_panel
from playground.workspace import TrainingState, Workspace

JOIN_TIMEOUT_MS = 30_000
PACE_FIELDS = frozenset({"pace", "watch_steps_per_s"})
LIMIT_FIELDS = frozenset({"epochs", "max_steps", "until_stopped"})


class _Worker(QObject):
    done = Signal(object, str)  # (this worker, "" or the error text)

    def __init__(self, trainer: Trainer, max_steps: int | None) -> None:
        super().__init__()
        self.trainer = trainer
        self.max_steps = max_steps

    @Slot()
    def run(self) -> None:
        error = ""
        try:
            self.trainer.run(self.max_steps)
        except Exception as exc:  # shown to the person; the app keeps running
            error = f"training failed: {exc}"
        self.done.emit(self, error)


class TrainingController(ContinuedRun, QObject):
    """Start/pause/resume/step/stop/reset of training on a background thread.

    Signals (GUI thread only): ``state_changed(str)``, ``message(str)`` for a person,
    ``run_finished()`` after a run's thread has been joined, ``restore_failed(str)`` when a
    loaded session's training state does not fit (the rest of it is open).

    A dropped trainer's history becomes an earlier run of the workspace and the buffer starts
    afresh, so a rebuilt trainer (step 0 again) never draws its curves back over the old ones.
    """

    state_changed = Signal(str)
    message = Signal(str)
    run_finished = Signal()
    restore_failed = Signal(str)

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.buffer = MetricsBuffer()
        self.trainer: Trainer | None = None
        self._carry: dict[str, torch.Tensor] | None = None
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._last_state = "idle"
        self._built_key: tuple[str, int] | None = None
        self._built_config: TrainConfig | None = None  # the settings the trainer was built with
        self.pacer = Pacer(steps_per_second(workspace.config))
        self.build_problem = ""
        self._stash: dict[str, torch.Tensor] = {}  # tensors of blocks deleted during the run (for undo)
        workspace.loaded.connect(self._loaded)
        workspace.config_changed.connect(self._config_changed)

    # ---------------------------------------------------------------- inputs
    @property
    def graph(self) -> Graph:
        return self.workspace.document.graph

    @property
    def bundle(self) -> DataBundle | None:
        return self.workspace.bundle

    @property
    def config(self) -> TrainConfig:
        return self.workspace.config

    @property
    def runs(self) -> list[dict[str, Any]]:
        return self.workspace.runs

    def _config_changed(self, fields: dict[str, Any]) -> None:
        """A person changed training settings: live ones reach a running trainer at once."""
        self.pacer.set_rate(steps_per_second(self.config))
        if self.trainer is None:
            return
        limits = self.config.run_limits()
        if fields.keys() & LIMIT_FIELDS:
            fields = {**fields, "epochs": limits.epochs, "max_steps": limits.max_steps}
        try:
            self.trainer.update_config(**fields)
        except (ConfigError, ValueError, TypeError):
            # optimizer, batch size, device...: rebuild with the same weights
            was_running = self.is_running() and self.state == "running"
            self.discard_trainer(keep_weights=True)
            if was_running:
                self.start()
            else:
                self.message.emit("The new settings apply when training starts again")

    def _loaded(self) -> None:
        """Other work was loaded: no trainer, the session's earlier runs, and its training state."""
        self.discard_trainer(keep_weights=False, archive=False)
        self.pacer.set_rate(steps_per_second(self.config))
        saved = self.workspace.training
        if saved.weights is not None and self.bundle is not None:
            try:
                trainer = self.workspace.to_session().make_trainer(self.buffer, self.bundle)
            except (SessionError, ValueError, RuntimeError) as exc:
                self.restore_failed.emit(str(exc))
            else:
                self.adopt(trainer)
        elif saved.history:
            self.buffer.import_history(saved.history)
        if saved.weights is None and saved.record is not None:  # the snapshots of the run, for the timeline
            try:
                self.buffer.import_record(*saved.record)
            except ValueError as exc:
                self.message.emit(f"The recorded snapshots could not be restored: {exc}")

    def store_training(self) -> None:
        """Put what was learned into the workspace, so that saving it keeps it (pause first for exactness)."""
        trainer = self.trainer
        self.workspace.set_best(trainer.best if trainer is not None else None)  # checkpoints: Session.best
        if trainer is not None and trainer.step > 0 and self.trainer_matches_inputs():
            state = trainer.state_dict()
            weights = {k: v.detach().cpu().clone() for k, v in state.get("model", {}).items()}
            rest = {k: v for k, v in state.items() if k not in ("model", "optimizer")}
            self.workspace.set_training(TrainingState(weights, state.get("optimizer"), rest,
                                                      self.buffer.export_history(), self.buffer.export_record()))
        else:
            weights = self.weights()
            self.workspace.set_training(TrainingState(dict(weights) if weights else None,
                                                      history=self.buffer.export_history(),
                                                      record=self.buffer.export_record()))

    # ----------------------------------------------------------------- state
    @property
    def state(self) -> str:
        return self.trainer.state if self.trainer is not None else "idle"

    def is_running(self) -> bool:
        """True while the background thread exists (running or paused)."""
        return self._thread is not None

    def has_weights(self) -> bool:
        return self._carry is not None or (self.trainer is not None and self.trainer.step > 0)

    def weights(self) -> dict[str, torch.Tensor] | None:
        if self.trainer is not None and self.trainer.step > 0:
            return {k: v.detach().cpu().clone() for k, v in self.trainer.model.state_dict().items()}
        return self._carry

    def poll(self) -> str:
        """Called by the window's timer: emit ``state_changed`` when the trainer's state moved."""
        state = self.state
        view_panel.BUDGET.watch_share = draw_share(self.config, state == "running")
        if state != self._last_state:
            self._last_state = state
            self.state_changed.emit(state)
        return state

    # -------------------------------------------------------------- building
    def ensure_trainer(self) -> bool:
        """Build the trainer if needed; a graph or data problem becomes a ``message``."""
        if self.trainer is not None:
            return True
        if self.bundle is None:
            self.message.emit("Choose a dataset before training")
            return False
        try:
            trainer = Trainer(self.graph.copy(), self.bundle, self.config.run_limits(), self.buffer)
        except CompileError as exc:
            first = exc.diagnostics[0].message if exc.diagnostics else str(exc)
            self.message.emit(f"Cannot train yet: {first}")
            return False
        except (ConfigError, ValueError, RuntimeError) as exc:
            self.message.emit(f"Cannot train yet: {exc}")
            return False
        if self._carry:
            carried = carry_matching(self._carry, trainer.model)
            if carried.kept:  # e.g. "Kept trained weights for 4 of 6 tensors; fc1.weight (16×7 → 5×7) re-initialised"
                self.message.emit(carried.describe())
        self._carry = None
        self._use(trainer)
        self._built_config = self.config
        return True

    def _use(self, trainer: Trainer) -> None:
        trainer.between_steps = self.pacer.wait
        self.trainer = trainer
        self._built_key = self._inputs_key()

    def _inputs_key(self) -> tuple[str, int]:
        return graph_fingerprint(self.graph), id(self.bundle)

    def trainer_matches_inputs(self) -> bool:
        """False when the graph or data changed since the trainer was built."""
        return self.trainer is not None and self._built_key == self._inputs_key()

    def adopt(self, trainer: Trainer) -> None:
        """Use an already built trainer for the current inputs (e.g. one resumed from a session file)."""
        self.shutdown()
        self.buffer = trainer.buffer if trainer.buffer is not None else self.buffer
        self._carry = None
        self._use(trainer)
        self._built_config = trainer.config
        limits = trainer.config.run_limits()
        if limits != trainer.config:  # a session saved to run until stopped
            trainer.update_config(epochs=limits.epochs, max_steps=limits.max_steps)
        self.buffer.set_status(state=trainer.state, step=trainer.step, epoch=trainer.epoch,
                               device=str(trainer.device))
        self.poll()

    def discard_trainer(self, keep_weights: bool, archive: bool = True) -> bool:
        """Stop and drop the trainer (the network, data or a fixed setting changed). With
        ``keep_weights`` the next trainer starts from the tensors that still fit. The history
        so far becomes an earlier run (unless ``archive`` is False; True if it did) and the
        buffer is cleared."""
        weights = self.weights() if keep_weights else None
        self.shutdown()
        archived = archive and self.archive_run()
        self.trainer = None
        self._built_config = None
        self._stash = {}
        self._carry = weights
        self.buffer.clear()
        self.buffer.set_status(state="idle", step=0, epoch=0, steps_per_s=0.0)
        self.poll()
        return archived

    # ---------------------------------------------------------- earlier runs
    def archive_run(self) -> bool:
        """Keep the current history as an earlier run of the workspace; False if nothing was trained."""
        steps, _ = self.buffer.series("train/loss")
        if len(steps) == 0:
            return False
        config = self.trainer.config if self.trainer is not None else self.config
        number = self.workspace.next_run_number()
        self.workspace.add_run({"label": f"run {number}", "number": number, "steps": int(steps[-1]),
                                "config": config.to_dict(), "history": self.buffer.export_history()})
        return True

    # -------------------------------------------------------------- controls
    def start(self, max_steps: int | None = None) -> bool:
        """Start (or resume) training in the background; False with a message if it cannot."""
        if not self._inputs_ready():
            return False
        if self._thread is not None:
            if self.state == "paused":
                self.resume()
            if self.state in ("running", "paused"):
                return True
            self._finish_thread()  # the run has ended and its "done" is still on its way: join it now
        if self._new_settings_after_the_end():
            number = self.workspace.next_run_number()
            self.discard_trainer(keep_weights=False)
            self.message.emit(f"The last run had ended: run {number + 1} starts from fresh weights with the "
                              f"new settings (run {number} stays on the Curves view)")
        if not self.ensure_trainer() or self._limit_reached():
            return False
        assert self.trainer is not None
        self.trainer.resume()
        self._launch(max_steps)
        return True

    def _launch(self, max_steps: int | None) -> None:
        assert self.trainer is not None
        thread = QThread()
        thread.setObjectName("playground-training")
        worker = _Worker(self.trainer, max_steps)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.done.connect(self._on_done)
        self._thread, self._worker = thread, worker
        thread.start()

    def toggle(self) -> None:
        """Space: start, pause or resume."""
        state = self.state
        if self._thread is not None and state == "running":
            self.pause()
        else:
            self.start()

    def pause(self, wait: float | None = None) -> bool:
        """Pause; with ``wait``, block up to that many seconds until the training thread is paused
        or idle (``Trainer.pause``, contract 2). Returns whether it is."""
        if self.trainer is None:
            return True
        self.pacer.interrupt()  # a slow watch pace never delays a pause
        paused = bool(self.trainer.pause(wait=wait))
        self.poll()
        return paused

    def waiting_paused(self) -> bool:
        """The run is paused and its thread waits, so its state can be copied (no trainer: True).
        Asks without pausing: a run resumed a moment ago, whose state still reads "paused", goes on."""
        return self.trainer is None or self.trainer.waiting_paused()

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()
            self.poll()

    def step(self, n: int = 1) -> bool:
        """Take ``n`` optimizer steps, then pause."""
        if not self._inputs_ready():
            return False
        if self._thread is not None:
            assert self.trainer is not None
            self.trainer.request_step(n)
            return True
        if not self.ensure_trainer() or self._limit_reached():
            return False
        assert self.trainer is not None
        self.trainer.request_step(n)  # run() begins paused with n steps to take
        self._launch(None)
        return True

    def _new_settings_after_the_end(self) -> bool:
        """The run reached its limit and a person has changed the settings since it began: Start
        means a new run with them (as after New from Template), not "the run reached its limit"."""
        t = self.trainer
        if t is None or self._built_config is None or self.config == self._built_config:
            return False
        cfg = self.config.run_limits()
        return (cfg.epochs > 0 and t.epoch >= cfg.epochs) or (cfg.max_steps > 0 and t.step >= cfg.max_steps)

    def _limit_reached(self) -> bool:
        t = self.trainer
        if t is None:
            return False
        cfg = t.config
        if cfg.epochs > 0 and t.epoch >= cfg.epochs:
            self.message.emit(f"The run reached its {cfg.epochs} epochs: raise Epochs, or tick "
                              "\"Run until stopped\", to train on")
            return True
        if cfg.max_steps > 0 and t.step >= cfg.max_steps:
            self.message.emit(f"The run reached its {cfg.max_steps} steps")
            return True
        return False

    def stop(self) -> None:
        """Stop the run and join its thread; the trained weights are kept."""
        self.shutdown()

    def reset(self, archive: bool = True) -> bool:
        """Forget trained weights; the history so far becomes an earlier run (``archive``; True if
        there was one) and the next start begins from fresh weights."""
        return self.discard_trainer(keep_weights=False, archive=archive)

    def shutdown(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Stop the background run and wait for its thread to end (window closing). True if joined."""
        thread = self._thread
        if thread is None:
            return True
        if self.trainer is not None:
            self.trainer.stop()
        self.pacer.interrupt()
        thread.quit()  # the thread's event loop ends as soon as the run returns
        joined = thread.wait(timeout_ms)
        self._finish_thread()
        return joined

    @Slot(object, str)
    def _on_done(self, worker: object, error: str) -> None:
        if worker is self._worker:  # not a late signal from a run already joined
            self._finish_thread()
        if error:
            self.message.emit(error)

    def _finish_thread(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread, self._worker = None, None
        if thread is None:
            return
        thread.quit()
        thread.wait(JOIN_TIMEOUT_MS)
        if worker is not None:
            worker.deleteLater()
        thread.deleteLater()
        self.poll()
        self.run_finished.emit()
