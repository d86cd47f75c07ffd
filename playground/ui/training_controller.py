"""The bridge between the window and a Trainer running on a background QThread.

``Trainer.run`` blocks, so it runs inside a worker QObject moved to a QThread.
The trainer writes only into its MetricsBuffer; the window pulls that buffer on
a timer, so there is no per-step Qt signal. The only signal from the worker is
``done`` at the end of a run (queued to the GUI thread), after which the thread
is quit and joined.

The trainer holds its own copy of the graph. When the graph, the data or a
setting the trainer cannot change live is edited, the trainer is dropped and a
new one is built at the next start; ``keep_weights`` carries the trained
tensors whose state_dict key (node id and tensor name) and shape still match.
"""

from __future__ import annotations

from typing import Any

import torch
from PySide6.QtCore import QObject, QThread, Signal, Slot

from playground.compile import CompileError
from playground.data import DataBundle
from playground.graph.model import Graph
from playground.train.carry import carry_matching, graph_fingerprint
from playground.train.config import ConfigError, TrainConfig
from playground.train.metrics import MetricsBuffer
from playground.train.trainer import Trainer

JOIN_TIMEOUT_MS = 30_000
MAX_EARLIER_RUNS = 8  # histories kept for the Curves overlay (and saved with the session)


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


class TrainingController(QObject):
    """Start/pause/resume/step/stop/reset of training on a background thread.

    Signals (GUI thread only): ``state_changed(str)``, ``message(str)`` for a person,
    ``run_finished()`` after a run's thread has been joined, ``runs_changed(list)`` when the
    earlier runs of the session (``runs``, oldest first) changed.

    A dropped trainer's history becomes an earlier run and the buffer starts afresh, so a
    rebuilt trainer (step 0 again) never draws its curves back over the old ones.
    """

    state_changed = Signal(str)
    message = Signal(str)
    run_finished = Signal()
    runs_changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.buffer = MetricsBuffer()
        self.trainer: Trainer | None = None
        self.graph: Graph | None = None
        self.bundle: DataBundle | None = None
        self.config = TrainConfig()
        self._carry: dict[str, torch.Tensor] | None = None
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._last_state = "idle"
        self._built_key: tuple[str, int] | None = None
        self.runs: list[dict[str, Any]] = []

    # ---------------------------------------------------------------- inputs
    def set_inputs(self, graph: Graph, bundle: DataBundle | None, config: TrainConfig) -> None:
        """What the next trainer is built from (the graph is copied at build time)."""
        self.graph, self.bundle, self.config = graph, bundle, config

    def apply_config(self, fields: dict[str, Any]) -> None:
        """A person changed training settings: live ones reach a running trainer at once."""
        try:
            self.config = self.config.with_changes(**fields)
        except ConfigError as exc:
            self.message.emit(str(exc))
            return
        if self.trainer is None:
            return
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
        if state != self._last_state:
            self._last_state = state
            self.state_changed.emit(state)
        return state

    # -------------------------------------------------------------- building
    def ensure_trainer(self) -> bool:
        """Build the trainer if needed; a graph or data problem becomes a ``message``."""
        if self.trainer is not None:
            return True
        if self.graph is None or self.bundle is None:
            self.message.emit("Choose a dataset before training")
            return False
        try:
            trainer = Trainer(self.graph.copy(), self.bundle, self.config, self.buffer)
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
        self.trainer = trainer
        self._built_key = self._inputs_key()
        return True

    def _inputs_key(self) -> tuple[str, int] | None:
        if self.graph is None:
            return None
        return graph_fingerprint(self.graph), id(self.bundle)

    def trainer_matches_inputs(self) -> bool:
        """False when the graph or data changed since the trainer was built."""
        return self.trainer is not None and self._built_key == self._inputs_key()

    def adopt(self, trainer: Trainer) -> None:
        """Use an already built trainer for the current inputs (e.g. one resumed from a session file)."""
        self.shutdown()
        self.trainer = trainer
        self.buffer = trainer.buffer if trainer.buffer is not None else self.buffer
        self._carry = None
        self._built_key = self._inputs_key()
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
        self._carry = weights
        self.buffer.clear()
        self.buffer.set_status(state="idle", step=0, epoch=0, steps_per_s=0.0)
        self.poll()
        return archived

    # ---------------------------------------------------------- earlier runs
    def archive_run(self) -> bool:
        """Keep the current history as an earlier run of the session; False if nothing was trained."""
        steps, _ = self.buffer.series("train/loss")
        if len(steps) == 0:
            return False
        config = self.trainer.config if self.trainer is not None else self.config
        number = int(self.runs[-1].get("number", len(self.runs))) + 1 if self.runs else 1
        self.runs.append({"label": f"run {number}", "number": number, "steps": int(steps[-1]),
                          "config": config.to_dict(), "history": self.buffer.export_history()})
        del self.runs[:-MAX_EARLIER_RUNS]
        self.runs_changed.emit(list(self.runs))
        return True

    def set_runs(self, runs: list[dict[str, Any]]) -> None:
        """Earlier runs of a session just opened (or none for a new one)."""
        self.runs = [dict(r) for r in runs if isinstance(r, dict) and isinstance(r.get("history"), dict)]
        del self.runs[:-MAX_EARLIER_RUNS]
        self.runs_changed.emit(list(self.runs))

    # -------------------------------------------------------------- controls
    def start(self, max_steps: int | None = None) -> bool:
        """Start (or resume) training in the background; False with a message if it cannot."""
        if self._thread is not None:
            if self.state == "paused":
                self.resume()
            return True
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

    def pause(self) -> None:
        if self.trainer is not None:
            self.trainer.pause()
            self.poll()

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()
            self.poll()

    def step(self, n: int = 1) -> bool:
        """Take ``n`` optimizer steps, then pause."""
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

    def _limit_reached(self) -> bool:
        t = self.trainer
        if t is None:
            return False
        cfg = t.config
        if cfg.epochs > 0 and t.epoch >= cfg.epochs:
            self.message.emit(f"The run reached its {cfg.epochs} epochs: raise Epochs (or set it to "
                              "no limit) to train on")
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

    def new_session(self) -> None:
        """A different piece of work: no trainer, no history, no earlier runs."""
        self.discard_trainer(keep_weights=False, archive=False)
        self.set_runs([])

    def shutdown(self, timeout_ms: int = JOIN_TIMEOUT_MS) -> bool:
        """Stop the background run and wait for its thread to end (window closing). True if joined."""
        thread = self._thread
        if thread is None:
            return True
        if self.trainer is not None:
            self.trainer.stop()
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
